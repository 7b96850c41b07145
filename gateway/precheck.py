"""Precheck, shared by every route that reaches a provider (chat, messages, embeddings).

In order: the PII policy (detect, decide, rewrite), rate limits, then the budget reservation
of the request's worst-case cost, so a request refused for PII never counts against a limit
or holds money. One ``precheck`` Decision row says how it ended: ``allow`` / ``transform``,
or ``deny`` with the reason of the refusal (``pii.<class>.deny``, ``detector.failed``,
``rate_limit.exceeded``, ``budget.exceeded``, ``budget.unavailable``...).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.budgets.estimate import RequestSize
from gateway.errors import GatewayError, PolicyDeniedError
from gateway.pii import Precheck
from gateway.ratelimit import RateLimitStatus
from gateway.records import ALLOW, DENY, PRECHECK, RequestFacts, decision_row
from gateway.services import Gateway

if TYPE_CHECKING:
    from gateway.tracing import RequestTrace


@dataclass(slots=True)
class Cleared:
    """A request precheck let through: what to send, and its rate-limit headers."""

    check: Precheck
    limits: RateLimitStatus | None

    def headers(self) -> dict[str, str]:
        return self.limits.headers() if self.limits is not None else {}


_REASONS = {
    "pii_check_failed": "detector.failed",
    "rate_limit_exceeded": "rate_limit.exceeded",
    "rate_limit_unavailable": "rate_limit.unavailable",
    "budget_exceeded": "budget.exceeded",
    "budget_unavailable": "budget.unavailable",
    "model_not_priced": "budget.model_not_priced",
}


def _refusal_reasons(error: GatewayError, check: Precheck | None) -> list[str]:
    if isinstance(error, PolicyDeniedError) and check is not None and check.verdict:
        return list(check.verdict.reasons)
    return [_REASONS.get(str(error.code), f"precheck.{error.code}")]


async def run_precheck(
    gateway: Gateway,
    facts: RequestFacts,
    started: float,
    *,
    pii: Callable[[], Awaitable[Precheck]],
    size: Callable[[Precheck], RequestSize],
) -> Cleared:
    check: Precheck | None = None
    metering = gateway.metering
    trace = facts.trace
    if trace is not None:
        return await _traced_precheck(gateway, facts, started, trace, pii=pii, size=size)
    try:
        check = await pii()
        if check.denial is not None:
            raise PolicyDeniedError(check.denial)
        request_size = size(check)
        limits = await metering.rate_limits.check(facts.principal, request_size)
        facts.reservation = await metering.budgets.reserve(
            facts.principal, gateway.router.candidate_models(facts.model), request_size
        )
    except GatewayError as refusal:
        _refused(gateway, facts, started, refusal, check)
        raise
    return _cleared(gateway, facts, started, check, limits)


async def _traced_precheck(
    gateway: Gateway,
    facts: RequestFacts,
    started: float,
    trace: RequestTrace,
    *,
    pii: Callable[[], Awaitable[Precheck]],
    size: Callable[[Precheck], RequestSize],
) -> Cleared:
    """``run_precheck`` with a span per step (tracing on): the same steps, in the same order."""
    check: Precheck | None = None
    metering = gateway.metering
    trace.requested(facts.model)
    try:
        with trace.step("governs.precheck") as precheck:
            with trace.step("governs.precheck.pii_policy", precheck) as span:
                check = await pii()
                verdict = check.verdict
                span.set_attribute("governs.decision", verdict.decision if verdict else ALLOW)
                if verdict is not None:
                    # Class names and reason codes only: never a value that was found.
                    span.set_attribute("governs.reasons", list(verdict.reasons))
                if check.denial is not None:
                    raise PolicyDeniedError(check.denial)
            request_size = size(check)
            with trace.step("governs.precheck.rate_limit", precheck):
                limits = await metering.rate_limits.check(facts.principal, request_size)
            with trace.step("governs.precheck.budget", precheck) as span:
                facts.reservation = await metering.budgets.reserve(
                    facts.principal, gateway.router.candidate_models(facts.model), request_size
                )
                span.set_attribute("governs.budget.bound", facts.reservation is not None)
    except GatewayError as refusal:
        trace.refused(_refusal_reasons(refusal, check))
        _refused(gateway, facts, started, refusal, check)
        raise
    return _cleared(gateway, facts, started, check, limits)


def _refused(
    gateway: Gateway,
    facts: RequestFacts,
    started: float,
    refusal: GatewayError,
    check: Precheck | None,
) -> None:
    policy = gateway.policies.for_org(facts.principal.org_id)
    verdict = check.verdict if check is not None else None
    gateway.writer.submit(
        "decisions",
        decision_row(
            facts,
            direction=PRECHECK,
            decision=DENY,
            latency_ms=ms_since(started),
            reasons=_refusal_reasons(refusal, check),
            detector_summary=verdict.summary() if verdict else None,
            policy_id=policy.id if policy else None,
        ),
    )


def _cleared(
    gateway: Gateway,
    facts: RequestFacts,
    started: float,
    check: Precheck,
    limits: RateLimitStatus | None,
) -> Cleared:
    policy = gateway.policies.for_org(facts.principal.org_id)
    verdict = check.verdict
    gateway.writer.submit(
        "decisions",
        decision_row(
            facts,
            direction=PRECHECK,
            decision=verdict.decision if verdict else ALLOW,
            latency_ms=ms_since(started),
            reasons=list(verdict.reasons) if verdict else None,
            detector_summary=verdict.summary() if verdict else None,
            policy_id=policy.id if policy else None,
        ),
    )
    return Cleared(check, limits)


def ms_since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
