"""Opening an upstream call with retries, fallbacks and circuit breakers.

For each model in the chain (the requested one, then its fallbacks in order) up to
``1 + routing.max_retries`` attempts are made, each on a weighted pick among the model's
deployments whose breaker allows traffic (untried ones first). Connect errors, timeouts, 429
and 5xx are retried after an exponential backoff with jitter, or after the upstream's
``Retry-After`` when it asks for no more than ``retry_after_max_seconds`` (longer: the next
candidate is tried at once). Any other upstream error is the client's to see, at once.
Every attempt is written down as a tag for the Decision row.

Only opening is retried: once the upstream has answered 2xx, the response is the caller's.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING

from core.errors import (
    GatewayError,
    ServiceUnavailableError,
    UpstreamError,
    UpstreamTimeoutError,
)
from core.settings import RoutingConfig
from gateway.exchanges import Exchange
from gateway.forwarder import UpstreamResponse
from gateway.routing import Route, Router

if TYPE_CHECKING:
    from gateway.tracing import RequestTrace

RETRYABLE_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504, 529})


@dataclass
class AttemptLog:
    """What the attempts of one request did: the deployment tried last (the one that answered,
    once the call is open) and a tag per attempt for the Decision row."""

    route: Route | None = None
    tags: list[str] = field(default_factory=list)
    trace: RequestTrace | None = None  # a span per attempt, when tracing is on


@dataclass
class UpstreamCall:
    route: Route
    response: UpstreamResponse


class AttemptsFailed(Exception):
    """Every candidate failed; ``error`` is the last one (what the client sees)."""

    def __init__(self, error: GatewayError) -> None:
        super().__init__(error.message)
        self.error = error


class open_upstream:
    """``async with open_upstream(...) as call``: the attempts, then the open call; leaving the
    block releases the response (back to the pool if fully read, else the connection closes,
    which cancels the upstream's work).

    A class rather than ``contextlib.asynccontextmanager`` with an ``AsyncExitStack``: this is
    on every request's path, and those two made an upstream call cost about a tenth more CPU
    (``bench/upstream_call_costs.py``)."""

    __slots__ = ("_exchange", "_log", "_model_name", "_response", "_router", "_routing")

    def __init__(
        self,
        router: Router,
        routing: RoutingConfig,
        model_name: str,
        exchange: Exchange,
        log: AttemptLog,
    ) -> None:
        self._router = router
        self._routing = routing
        self._model_name = model_name
        self._exchange = exchange
        self._log = log
        self._response: UpstreamResponse | None = None

    async def __aenter__(self) -> UpstreamCall:
        call = await self._attempts()
        self._response = call.response
        return call

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        if self._response is not None:
            self._response.release()
            self._response = None

    async def _attempts(self) -> UpstreamCall:
        routing, log, exchange = self._routing, self._log, self._exchange
        attempts = log.tags
        last_error: GatewayError | None = None
        number = 0
        for model in self._router.chain(self._model_name):
            timeout = model.timeout_seconds or routing.request_timeout_seconds
            deadline = time.monotonic() + timeout
            tried: set[Route] = set()
            for retry in range(1 + routing.max_retries):
                route = model.pick(tried)
                if route is None:
                    attempts.append(f"attempt:{number + 1}:{model.name}:circuit_open")
                    break
                tried.add(route)
                log.route = route
                number += 1
                started = time.monotonic()
                span = log.trace.attempt(route, number) if log.trace is not None else None
                try:
                    response = await _attempt(route, exchange, deadline)
                except TimeoutError:
                    error: GatewayError = _timeout(route)
                except GatewayError as caught:
                    error = caught
                except BaseException:
                    route.breaker.abandon(started)  # cancelled: no verdict on the deployment
                    if span is not None:
                        span.done(None, abandoned=True)
                    raise
                else:
                    route.breaker.record_success()
                    attempts.append(f"attempt:{number}:{route.label}:ok")
                    if span is not None:
                        span.done(None)
                    return UpstreamCall(route, response)

                if span is not None:
                    span.done(error)
                attempts.append(f"attempt:{number}:{route.label}:{_outcome(error)}")
                last_error = error
                if not _retryable(error):
                    route.breaker.record_success()  # the request was refused, not the deployment
                    raise AttemptsFailed(error)
                route.breaker.record_failure(started)
                if retry < routing.max_retries:
                    wait = _backoff(routing, retry, error)
                    if wait is None or time.monotonic() + wait >= deadline:
                        break  # waiting is pointless here: go to the next model now
                    await asyncio.sleep(wait)
        if last_error is None:
            last_error = ServiceUnavailableError(
                f"no deployment of model {self._model_name!r} is available (circuit breakers open)",
                code="no_healthy_deployment",
            )
        raise AttemptsFailed(last_error)


async def _attempt(route: Route, exchange: Exchange, deadline: float) -> UpstreamResponse:
    """One try on one deployment, within the model's deadline: an open 2xx-3xx response, or
    the upstream's error (its body read and the response released)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError
    async with asyncio.timeout(remaining):
        response = await route.transport.send(exchange.request(route))
        if response.status < 400:
            return response
        try:
            body = await response.read()
        finally:
            response.release()
    raise exchange.parse_error(route, response.status, body, response.headers)


def _timeout(route: Route) -> GatewayError:
    return UpstreamTimeoutError(
        f"provider {route.provider.name!r} did not answer within the request timeout",
        code="upstream_timeout",
    )


def _retryable(error: GatewayError) -> bool:
    if isinstance(error, UpstreamError):
        return error.upstream_status in RETRYABLE_STATUSES
    return error.http_status in (502, 504)


def _outcome(error: GatewayError) -> str:
    if isinstance(error, UpstreamError):
        return f"status_{error.upstream_status}"
    return str(error.code)


def _backoff(routing: RoutingConfig, retry: int, error: GatewayError) -> float | None:
    """Seconds to wait before the next attempt; None when the upstream asks for too long."""
    delay = min(routing.backoff_max_seconds, routing.backoff_initial_seconds * 2**retry)
    delay *= 0.5 + random.random()  # jitter, so clients that failed together spread out
    retry_after = _retry_after_seconds(error.headers)
    if retry_after is not None:
        if retry_after > routing.retry_after_max_seconds:
            return None
        delay = max(delay, retry_after)
    return delay


def _retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
