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

from gateway.budgets.estimate import RequestSize
from gateway.errors import GatewayError, PolicyDeniedError
from gateway.pii import Precheck
from gateway.ratelimit import RateLimitStatus
from gateway.records import ALLOW, DENY, PRECHECK, RequestFacts, decision_row
from gateway.services import Gateway


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
    policy = gateway.policies.for_org(facts.principal.org_id)
    check: Precheck | None = None
    metering = gateway.metering
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
        raise
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
