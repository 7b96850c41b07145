"""The rows a request leaves behind: one decision per direction and one usage record.

Rows are plain dicts handed to ``RecordWriter.submit``; ids and timestamps are made here, when
the event happens, so a row written twice (a retry, a spool replay) stays one row.
Prompts and completions are never stored: only a hash of the request body.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson

from gateway.auth import Principal
from gateway.ids import new_id
from gateway.routing import Route
from providers.base import Usage

if TYPE_CHECKING:
    from gateway.tracing import RequestTrace

ALLOW = "allow"
TRANSFORM = "transform"
DENY = "deny"
PRECHECK = "precheck"
POSTCHECK = "postcheck"
CACHE_COST = "cache"  # the cost_type of an answer from the response cache


def payload_hash(body: dict[str, Any]) -> str:
    """SHA-256 of the canonical request body: sorted keys, no spaces, UTF-8."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(slots=True)
class RequestFacts:
    """What the records of one proxied request share."""

    principal: Principal
    correlation_id: str
    payload_hash: str
    tool: str
    model: str
    provider: str
    tags: list[str] = field(default_factory=list)
    billed: bool = False  # a usage record was made (at most one per request)
    cache_hit: bool = False  # answered from the response cache: costs 0
    trace: RequestTrace | None = None  # its spans, when tracing is on (gateway.tracing)
    reservation: Any = None  # the budget hold of precheck, settled or released once

    def served_by(self, route: Route, attempts: list[str]) -> None:
        """Name the deployment that answered, and every attempt it took to get there."""
        self.provider = route.provider.name
        self.model = route.model.name
        if self.trace is not None:
            self.trace.served(route, cache_hit=self.cache_hit)
        self.tags.append(f"provider:{route.provider.name}")
        if len(attempts) > 1 or (attempts and not attempts[-1].endswith(":ok")):
            self.tags.extend(attempts)


def decision_row(
    facts: RequestFacts,
    *,
    direction: str,
    decision: str,
    latency_ms: int,
    reasons: list[str] | None = None,
    detector_summary: dict[str, Any] | None = None,
    policy_id: str | None = None,
    extra_tags: list[str] | None = None,
) -> dict[str, Any]:
    reasons = reasons or []
    return {
        "id": new_id(),
        "org_id": facts.principal.org_id,
        "direction": direction,
        "decision": decision,
        "tool": facts.tool,
        "scope": "net.external",
        "detector_summary": detector_summary
        or {"reasons": reasons, "confidence": 1.0, "piiDetected": []},
        "payload_hash": facts.payload_hash,
        "payload_out": None,
        "reasons": reasons,
        "policy_id": policy_id,
        "latency_ms": latency_ms,
        "correlation_id": facts.correlation_id,
        "tags": [*facts.tags, *(extra_tags or ())],
        "api_key_id": facts.principal.key_id,
        "user_id": facts.principal.user_id,
        "ts": datetime.now(UTC),
    }


def _cost_type(facts: RequestFacts, cost: Decimal | None) -> str:
    if facts.cache_hit:
        return CACHE_COST
    return "external" if cost is not None else "unknown"


def usage_row(
    facts: RequestFacts,
    usage: Usage,
    cost: Decimal | None,
    *,
    metadata: dict[str, Any] | None = None,
    saved: Decimal | None = None,
) -> dict[str, Any]:
    """``saved``: what a cache hit would have cost (None for a call that reached a provider)."""
    return {
        "id": new_id(),
        "org_id": facts.principal.org_id,
        "user_id": facts.principal.user_id,
        "api_key_id": facts.principal.key_id,
        "provider": facts.provider,
        "model": facts.model,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cached_input_tokens": usage.cached_input_tokens,
        "cost": cost,
        "cost_type": CACHE_COST
        if facts.cache_hit
        else "external"
        if cost is not None
        else "unknown",
        "saved": saved,
        "tool": facts.tool,
        "correlation_id": facts.correlation_id,
        "metadata": {"estimated": usage.estimated, **(metadata or {})},
        "timestamp": datetime.now(UTC),
    }
