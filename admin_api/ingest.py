"""``POST /api/v1/ingest/decision``: decisions made elsewhere (``decision.v1`` messages).

Answer 202 ``{accepted, id}``: the row goes to the background writer like the proxy's own. A
message with an ``idempotencyKey`` gets an id derived from (org, key), so a repeat inserts
nothing and answers the same id. Signed when the org has a signing secret (``signing``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from admin_api.decisions import Direction
from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Permission
from admin_api.signing import verify_ingest_signature
from admin_api.validation import Body, Out
from admin_api.wire import reply
from gateway.live.ingest import DecisionV1, decision_row

Short = Annotated[str, Field(max_length=200)]


class DecisionMessage(Body):
    # Senders may be newer than this gateway: unknown fields are ignored, not refused.
    model_config = ConfigDict(extra="ignore")

    type: Literal["decision.v1", "decision"] = "decision.v1"
    org_id: str | None = Field(None, description="must be the key's own org when given")
    direction: Direction
    decision: Literal["allow", "transform", "deny"]
    tool: Short | None = None
    scope: Short | None = None
    detector_summary: dict[str, Any] = Field(default_factory=dict)
    payload_hash: Annotated[str, Field(min_length=1, max_length=64)]
    reasons: Annotated[list[Short], Field(max_length=100)] = Field(default_factory=list)
    policy_id: Annotated[str, Field(max_length=32)] | None = None
    latency_ms: Annotated[int, Field(ge=0, le=2_147_483_647)] | None = None
    correlation_id: Annotated[str, Field(max_length=128)] | None = None
    tags: Annotated[list[Short], Field(max_length=100)] = Field(default_factory=list)
    ts: datetime | None = Field(None, description="ISO 8601 or unix seconds; default: now")
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)] | None = None


class Accepted(Out):
    accepted: bool
    id: str


async def ingest_decision(call: Call[None, DecisionMessage]) -> Any:
    message = call.body
    access = await call.org(message.org_id)
    await verify_ingest_signature(
        call.db,
        access.org.id,
        call.raw_body,
        call.request.headers,
        call.admin.config.ingest.signature_window_seconds,
    )
    caller = access.caller
    row = decision_row(
        DecisionV1.model_construct(**message.model_dump()),  # validated already, same fields
        org_id=access.org.id,
        api_key_id=caller.key_id,
        user_id=caller.key.user_id if caller.key else caller.user_id,
    )
    call.admin.gateway.writer.submit("decisions", row)
    row_id = row["id"]
    return reply(Accepted(accepted=True, id=row_id), status=202)


ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/v1/ingest/decision",
        ingest_decision,
        "Ingest one decision.v1 message",
        "ingest",
        Permission.INGEST_WRITE,
        body=DecisionMessage,
        response=Accepted,
        status=202,
        description=(
            "When the org has a signing secret, send `X-Governs-Timestamp` (unix seconds) and "
            '`X-Governs-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`; '
            "stale (over 5 minutes by default) and replayed signatures are refused with 401."
        ),
    ),
]
