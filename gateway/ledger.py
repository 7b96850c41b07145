"""The ledger of one proxied request: ``ProxiedCall``, shared by every front door.

A front (OpenAI chat, Anthropic messages, embeddings, and any new one) parses its client's
shape, then hands the rest of the way to one ``ProxiedCall``:

    call = ProxiedCall(gateway, principal, correlation_id=..., tool=..., model=...,
                       api="openai", client_body=body, started=started)
        # resolves the model's route (404) and the org's policy once, checks the key's grant
    exchange = await call.precheck(ChatExchange(body, stream))
        # PII policy (detect, decide, rewrite), rate limits, budget reservation, and the
        # precheck Decision row; raises the refusal. Returns the exchange to send.
    try:
        async with call.upstream(exchange) as upstream:   # retries, fallbacks, breakers
            ...read or stream upstream.response...
    except AttemptsFailed / GatewayError as error:
        call.fail(error)            # budget released, postcheck Decision ``error``
    except asyncio.CancelledError:
        call.client_gone()          # the prompt billed (as providers bill it), tagged
    call.bill(usage, produced_text, verdict=..., restored=..., tags=[...])

Exactly one ending is recorded per call, whichever comes first (``ended``): ``bill`` (usage
row, cost, budget settled, rate-limit tokens, postcheck Decision ``allow``/``transform``/
``deny``), ``fail`` or ``client_gone``. ``price`` works out the cost before the answer goes
out (its ``x-governs-cost`` header), once: ``bill`` reuses it. With a ``cache`` plan
(``gateway.cache_replay``) ``upstream`` may answer from the response cache: such a call costs 0
and its usage row says what it ``saved``. With a ``trace`` (``gateway.tracing``) each step is
a span. A usage of None is counted here by the exchange
(``estimated``). Nothing in an ending awaits: rows go to the background writer and the budget
settles in the background. Read-only for fronts: ``principal``, ``correlation_id``, ``tool``,
``model`` (the requested name, then the model that served), ``provider``, ``policy``,
``routes``, ``check`` (the PII precheck: vault and policy, for the output side), ``tags``,
``route`` (the deployment that answered, once open), ``headers()`` (request id and rate
limits, for the answer).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from core.errors import GatewayError, PolicyDeniedError
from gateway.attempts import AttemptLog, UpstreamCall, open_upstream
from gateway.auth import Principal
from gateway.budgets.estimate import RequestSize
from gateway.budgets.guard import Reservation
from gateway.exchanges import Exchange
from gateway.identifiers import REQUEST_ID_HEADER
from gateway.live.wire import usage_link
from gateway.pii import Precheck
from gateway.ratelimit import RateLimitStatus
from gateway.records import (
    ALLOW,
    DENY,
    POSTCHECK,
    PRECHECK,
    TRANSFORM,
    decision_row,
    end_user_of,
    payload_hash,
    usage_row,
)
from gateway.routing import ModelRoutes, Route
from gateway.services import Gateway
from policies.engine import CompiledPolicy, Verdict
from providers.base import Usage

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from opentelemetry.trace import Span

    from gateway.cache_replay import CachePlan
    from gateway.tracing import RequestTrace

UPSTREAM_ERROR = "error"  # the decision of a call the provider failed
CLIENT_GONE = "client_disconnected"  # the tag of a request whose client left mid-call

# Refusal codes of precheck → the reason its Decision row gives.
_REASONS = {
    "pii_check_failed": "detector.failed",
    "rate_limit_exceeded": "rate_limit.exceeded",
    "rate_limit_unavailable": "rate_limit.unavailable",
    "budget_exceeded": "budget.exceeded",
    "budget_unavailable": "budget.unavailable",
    "model_not_priced": "budget.model_not_priced",
}

E = TypeVar("E", bound=Exchange)


@dataclass(frozen=True, slots=True)
class Priced:
    """A call's usage (counted here when the provider reported none) and what it costs: None
    when its model has no price; 0 for an answer from the cache, which ``saved`` the rest."""

    usage: Usage
    cost: Decimal | None
    saved: Decimal | None = None


class ProxiedCall:
    """One proxied request from precheck to its one ending; see the module docstring."""

    __slots__ = (
        "_exchange",
        "_gateway",
        "_priced",
        "attempts",
        "cache",
        "check",
        "correlation_id",
        "end_user",
        "ended",
        "limits",
        "model",
        "payload_hash",
        "policy",
        "principal",
        "provider",
        "reservation",
        "routes",
        "started",
        "tags",
        "tool",
        "trace",
    )

    def __init__(
        self,
        gateway: Gateway,
        principal: Principal,
        *,
        correlation_id: str,
        tool: str,
        model: str,
        api: str,
        client_body: dict[str, Any],
        started: float,
        trace: RequestTrace | None = None,
    ) -> None:
        self.routes: ModelRoutes = gateway.router.resolve(model)  # an unknown model: 404 first
        principal.require_model(model)  # 403 model_not_allowed: in memory, with the key
        self.policy: CompiledPolicy | None = gateway.policies.for_org(principal.org_id)
        self._gateway = gateway
        self.principal = principal
        self.correlation_id = correlation_id
        self.tool = tool
        self.model = model
        self.provider = ""  # named by the deployment that answers
        self.payload_hash = payload_hash(client_body)
        self.end_user = end_user_of(client_body)
        self.tags = [f"model:{model}", f"api:{api}"]
        self.started = started
        self.trace = trace
        self.attempts = AttemptLog(trace=trace)
        self.cache: CachePlan | None = None
        self._priced: Priced | None = None
        self.check: Precheck | None = None
        self.limits: RateLimitStatus | None = None
        self.reservation: Reservation | None = None
        self.ended = False
        self._exchange: Exchange | None = None

    @property
    def cache_hit(self) -> bool:
        return self.cache is not None and self.cache.hit

    @property
    def route(self) -> Route | None:
        """The deployment tried last: the one that answered, once the upstream call is open."""
        return self.attempts.route

    def headers(self) -> dict[str, str]:
        headers = {REQUEST_ID_HEADER: self.correlation_id}
        if self.limits is not None:
            headers.update(self.limits.headers())
        if self.cache is not None:
            headers.update(self.cache.headers())
        return headers

    async def precheck(self, exchange: E) -> E:
        """The PII policy, then rate limits, then the budget reservation of the worst case,
        so a request refused for PII never counts against a limit or holds money. One
        ``precheck`` Decision row says how it ended; a refusal is raised."""
        trace = self.trace
        check: Precheck | None = None
        try:
            if trace is None:
                check = await self._pii_policy(exchange)
                _refuse_denied(check)
                exchange = self._rewritten(exchange, check)
                size = exchange.size(self.routes.routes[0].model, self._gateway.tokens)
                await self._rate_limits(size)
                await self._reserve(size)
            else:
                # The same steps, each in a span (tracing is on).
                trace.requested(self.model)
                with trace.step("governs.precheck") as precheck:
                    with trace.step("governs.precheck.pii_policy", precheck) as span:
                        check = await self._pii_policy(exchange, span)
                        _refuse_denied(check)
                    exchange = self._rewritten(exchange, check)
                    size = exchange.size(self.routes.routes[0].model, self._gateway.tokens)
                    with trace.step("governs.precheck.rate_limit", precheck):
                        await self._rate_limits(size)
                    with trace.step("governs.precheck.budget", precheck) as span:
                        await self._reserve(size)
                        span.set_attribute("governs.budget.bound", self.reservation is not None)
        except GatewayError as refusal:
            if trace is not None:
                trace.refused(_refusal_reasons(refusal, check))
            verdict = check.verdict if check is not None else None
            self._record(
                PRECHECK,
                DENY,
                reasons=_refusal_reasons(refusal, check),
                summary=verdict.summary() if verdict else None,
            )
            raise
        self.check, self._exchange = check, exchange
        verdict = check.verdict
        self._record(
            PRECHECK,
            verdict.decision if verdict else ALLOW,
            reasons=list(verdict.reasons) if verdict else None,
            summary=verdict.summary() if verdict else None,
        )
        return exchange

    async def _pii_policy(self, exchange: Exchange, span: Span | None = None) -> Precheck:
        check = await self._gateway.pii.precheck(
            self.policy, self.tool, exchange.body, exchange.walk
        )
        if span is not None:
            verdict = check.verdict
            span.set_attribute("governs.decision", verdict.decision if verdict else ALLOW)
            if verdict is not None:
                # Class names and reason codes only: never a value that was found.
                span.set_attribute("governs.reasons", list(verdict.reasons))
        return check

    @staticmethod
    def _rewritten(exchange: E, check: Precheck) -> E:
        return exchange if check.body is exchange.body else exchange.with_body(check.body)

    async def _rate_limits(self, size: RequestSize) -> None:
        self.limits = await self._gateway.metering.rate_limits.check(self.principal, size)

    async def _reserve(self, size: RequestSize) -> None:
        gateway = self._gateway
        self.reservation = await gateway.metering.budgets.reserve(
            self.principal, gateway.router.candidate_models(self.model), size
        )

    def upstream(self, exchange: Exchange) -> AbstractAsyncContextManager[UpstreamCall]:
        """``async with call.upstream(exchange) as upstream``: see ``gateway.attempts``; an
        answer from the response cache when the ``cache`` plan has one."""
        gateway = self._gateway
        opened = open_upstream(
            gateway.router, gateway.settings.routing, self.model, exchange, self.attempts
        )
        answer = opened if self.cache is None else self.cache.open(opened, self.attempts)
        if self.trace is not None:
            return self.trace.opening(answer, cache_hit=self.cache_hit)
        return answer

    def price(self, usage: Usage | None, produced: str = "") -> Priced:
        """The call's usage and cost, worked out once (``bill`` reuses it)."""
        if self._priced is not None:
            return self._priced
        route = self.route
        assert route is not None and self._exchange is not None  # the call was answered
        if usage is None:
            usage = self._exchange.counted(route, self._gateway.tokens, produced)
        cost = self._gateway.metering.pricing.cost(usage, route.model)
        self._priced = (
            Priced(usage, Decimal(0), saved=cost) if self.cache_hit else Priced(usage, cost)
        )
        return self._priced

    def bill(
        self,
        usage: Usage | None,
        produced: str = "",
        *,
        verdict: Verdict | None = None,
        restored: bool = False,
        tags: list[str] | None = None,
    ) -> None:
        """What the provider produced: usage (counted here when it reported none), cost, the
        budget settled, rate-limit tokens, and the postcheck Decision with the output
        policy's ``verdict`` (``restored``: PII values were put back into the answer)."""
        route = self.route
        if self.ended or route is None:
            return
        self.ended = True
        self._served_by(route)
        priced = self.price(usage, produced)
        usage, cost = priced.usage, priced.cost
        decision = verdict.decision if verdict else ALLOW
        reasons = list(verdict.reasons) if verdict else []
        if restored:
            decision = TRANSFORM if decision == ALLOW else decision
            reasons.append("pii.restored")
        metering = self._gateway.metering
        if self.trace is not None:
            self.trace.billed(usage, decision, reasons)
        usage_record = usage_row(self, usage, cost, saved=priced.saved, cache_hit=self.cache_hit)
        self._gateway.writer.submit("usage_records", usage_record)
        metering.budgets.settle_nowait(self.reservation, cost)
        metering.rate_limits.add_tokens_nowait(self.principal, usage.output_tokens)
        self._record(
            POSTCHECK,
            decision,
            reasons=reasons,
            summary=verdict.summary() if verdict else None,
            tags=tags,
            usage=usage_link(usage_record),
        )

    def fail(self, error: GatewayError) -> None:
        """The provider failed (or the attempts timed out): nothing to bill, so the budget
        reservation is released and the postcheck Decision says ``error``."""
        if self.ended:
            return
        self.ended = True
        if self.trace is not None:
            self.trace.failed(error)
        route, attempts = self.route, self.attempts.tags
        if route is not None and attempts and attempts[-1].endswith(":ok"):
            self._served_by(route)  # it answered, then failed: an unreadable answer, a cut
        else:
            self.tags.extend(attempts)
        self._gateway.metering.budgets.release_nowait(self.reservation)
        self._record(
            POSTCHECK,
            UPSTREAM_ERROR,
            reasons=[f"upstream.{error.code}"],
            tags=[f"status:{error.http_status}"],
        )

    def client_gone(self, produced: str = "") -> None:
        """The client went away while the provider worked: what was started is billed, as
        providers bill it; before any attempt, the reservation is just released."""
        if self.route is None:
            if not self.ended:
                self.ended = True
                self._gateway.metering.budgets.release_nowait(self.reservation)
            return
        self.bill(None, produced, tags=[CLIENT_GONE])

    def _served_by(self, route: Route) -> None:
        """Name the deployment that answered, and every attempt it took to get there."""
        attempts = self.attempts.tags
        self.provider = route.provider.name
        self.model = route.model.name
        self.tags.append(f"provider:{route.provider.name}")
        if len(attempts) > 1 or (attempts and not attempts[-1].endswith(":ok")):
            self.tags.extend(attempts)

    def _record(
        self,
        direction: str,
        decision: str,
        *,
        reasons: list[str] | None = None,
        summary: dict[str, Any] | None = None,
        tags: list[str] | None = None,
        usage: dict[str, Any] | None = None,
    ) -> None:
        policy = self.policy if direction == PRECHECK else None
        self._gateway.writer.submit(
            "decisions",
            decision_row(
                self,
                direction=direction,
                decision=decision,
                latency_ms=ms_since(self.started),
                reasons=reasons,
                detector_summary=summary,
                policy_id=policy.id if policy else None,
                extra_tags=tags,
                usage=usage,
            ),
        )


def _refuse_denied(check: Precheck) -> None:
    if check.denial is not None:
        raise PolicyDeniedError(check.denial)


def _refusal_reasons(error: GatewayError, check: Precheck | None) -> list[str]:
    if isinstance(error, PolicyDeniedError) and check is not None and check.verdict:
        return list(check.verdict.reasons)
    return [_REASONS.get(str(error.code), f"precheck.{error.code}")]


def ms_since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
