"""How every route that reaches a provider ends its ledger: bill what was started, or release.

Chat, messages and embeddings call these, whatever way the request ends:

    done, or the client went away after the call began  → ``bill`` (usage, cost, budget
        settled, rate-limit tokens, postcheck Decision tagged with the ending)
    the provider failed, or the attempts timed out      → ``record_failure`` (budget released,
        postcheck Decision ``error`` with the upstream's code)

Each request is billed at most once (``RequestFacts.billed``). Nothing here awaits: the rows go
to the background writer and the budget settles in the background. An answer from the response
cache costs 0; its usage row's ``saved`` is what the call would have cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gateway.errors import GatewayError
from gateway.precheck import ms_since
from gateway.records import ALLOW, POSTCHECK, RequestFacts, decision_row, usage_row
from gateway.routing import Route
from gateway.services import Gateway
from providers.base import Usage

UPSTREAM_ERROR = "error"  # the decision of a call the provider failed
CLIENT_GONE = "client_disconnected"  # the tag of a request whose client left mid-call


@dataclass(frozen=True, slots=True)
class Charge:
    """What a call costs (None: its model has no price) and, for a cache hit, what it saved."""

    cost: Decimal | None
    saved: Decimal | None = None


def charge_of(gateway: Gateway, route: Route, facts: RequestFacts, usage: Usage) -> Charge:
    cost = gateway.metering.pricing.cost(usage, route.model)
    if facts.cache_hit:
        return Charge(Decimal(0), saved=cost)
    return Charge(cost)


def bill(
    gateway: Gateway,
    route: Route,
    facts: RequestFacts,
    usage: Usage,
    started: float,
    *,
    decision: str = ALLOW,
    reasons: list[str] | None = None,
    summary: dict[str, Any] | None = None,
    tags: list[str] | None = None,
    charge: Charge | None = None,
) -> None:
    """``charge``: worked out already (for the response's headers), else here."""
    if facts.billed:
        return
    facts.billed = True
    metering = gateway.metering
    if charge is None:
        charge = charge_of(gateway, route, facts, usage)
    cost = charge.cost
    if facts.trace is not None:
        facts.trace.billed(usage, decision, reasons or ())
    gateway.writer.submit("usage_records", usage_row(facts, usage, cost, saved=charge.saved))
    metering.budgets.settle_nowait(facts.reservation, cost)
    metering.rate_limits.add_tokens_nowait(facts.principal, usage.output_tokens)
    gateway.writer.submit(
        "decisions",
        decision_row(
            facts,
            direction=POSTCHECK,
            decision=decision,
            latency_ms=ms_since(started),
            reasons=reasons,
            detector_summary=summary,
            extra_tags=tags,
        ),
    )


def record_failure(
    gateway: Gateway, facts: RequestFacts, error: GatewayError, started: float
) -> None:
    """The provider failed: nothing to bill, so the budget reservation is released."""
    if facts.trace is not None:
        facts.trace.failed(error)
    gateway.metering.budgets.release_nowait(facts.reservation)
    gateway.writer.submit(
        "decisions",
        decision_row(
            facts,
            direction=POSTCHECK,
            decision=UPSTREAM_ERROR,
            latency_ms=ms_since(started),
            reasons=[f"upstream.{error.code}"],
            extra_tags=[f"status:{error.http_status}"],
        ),
    )
