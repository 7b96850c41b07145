"""The rows a request leaves behind: one decision per direction and one usage record.

Rows are plain dicts handed to ``RecordWriter.submit``; ids and timestamps are made here, when
the event happens, so a row written twice (a retry, a spool replay) stays one row.
Prompts and completions are never stored: only a hash of the request body.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

import orjson

from core.ids import new_id
from core.storage.models import CACHE_COST
from gateway.auth import Principal
from providers.base import Usage

ALLOW = "allow"
TRANSFORM = "transform"
DENY = "deny"
PRECHECK = "precheck"
POSTCHECK = "postcheck"


def end_user_of(body: dict[str, Any]) -> str | None:
    """The client's own end-user id: OpenAI's ``user``, Anthropic's ``metadata.user_id``.
    Anything else (absent, not a string, empty) is None; the row guard cuts it to its column."""
    user = body.get("user")
    if user is None and isinstance(body.get("metadata"), dict):
        user = body["metadata"].get("user_id")
    return user if isinstance(user, str) and user else None


def payload_hash(body: dict[str, Any]) -> str:
    """SHA-256 of the canonical request body: sorted keys, no spaces, UTF-8."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


class CallFacts(Protocol):
    """What the records of one proxied request share (``gateway.ledger.ProxiedCall``)."""

    principal: Principal
    correlation_id: str
    payload_hash: str
    tool: str
    model: str
    provider: str
    tags: list[str]
    end_user: str | None  # the request's own user field (``end_user_of``)


def decision_row(
    facts: CallFacts,
    *,
    direction: str,
    decision: str,
    latency_ms: int,
    reasons: list[str] | None = None,
    detector_summary: dict[str, Any] | None = None,
    policy_id: str | None = None,
    extra_tags: list[str] | None = None,
    usage: dict[str, Any] | None = None,
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
        "model": facts.model,
        "provider": facts.provider or None,  # precheck: before any provider is chosen
        "ts": datetime.now(UTC),
        # Not columns: named for the live feed's pushes (the API joins the key and user rows).
        "key_name": facts.principal.key_name,
        "user_email": facts.principal.user_email,
        "usage": usage,  # a billed call's usage row, linked (``live.wire.usage_link``)
    }


def _cost_type(cost: Decimal | None, cache_hit: bool) -> str:
    if cache_hit:
        return CACHE_COST
    return "external" if cost is not None else "unknown"


def usage_row(
    facts: CallFacts,
    usage: Usage,
    cost: Decimal | None,
    *,
    metadata: dict[str, Any] | None = None,
    saved: Decimal | None = None,
    cache_hit: bool = False,
) -> dict[str, Any]:
    """``saved``: what an answer from the response cache (``cache_hit``) would have cost."""
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
        "cost_type": _cost_type(cost, cache_hit),
        "saved": saved,
        "tool": facts.tool,
        "end_user": facts.end_user,
        "correlation_id": facts.correlation_id,
        "metadata": {"estimated": usage.estimated, **(metadata or {})},
        "timestamp": datetime.now(UTC),
    }
