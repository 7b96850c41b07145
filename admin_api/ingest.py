"""``POST /api/v1/ingest/decision``: decisions made elsewhere (``decision.v1`` messages).

Answer 202 ``{accepted, id}``: the row goes to the background writer like the proxy's own. A
message with an ``idempotencyKey`` gets an id derived from (org, key), so a repeat inserts
nothing and answers the same id. Signed when the org has a signing secret (``signing``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Permission
from admin_api.signing import verify_ingest_signature
from admin_api.validation import Out
from admin_api.wire import reply
from gateway.live.ingest import DecisionV1, decision_row


class DecisionMessage(DecisionV1):
    """The live feed's ``decision.v1`` message (``INGEST``), here as a request body: the same
    fields and limits, with descriptions for the API's reference."""

    org_id: str | None = Field(
        None, max_length=100, description="must be the key's own org when given"
    )
    ts: datetime | None = Field(None, description="ISO 8601 or unix seconds; default: now")


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
        message,
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
