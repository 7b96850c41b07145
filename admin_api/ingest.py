"""``POST /api/v1/ingest/decision``: decisions made elsewhere (``decision.v1`` messages).

Answer 202 with the spec's ``{"status": "accepted"}`` and, beside it, ``{accepted, id}``: the
row goes to the background writer like the proxy's own. The decision's time is the message's
``timestamp`` (the spec's name) or ``ts``, else its arrival. A message with an
``idempotencyKey`` gets an id derived from (org, key), so a repeat inserts nothing and answers
the same id.

Who may send: a caller with ``ingest:write`` (signed too when the org has a signing secret), or,
with no credentials at all, a body signed with the secret of the org it names (``signing``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Permission
from admin_api.signing import verify_ingest_signature, verify_signed_body
from admin_api.validation import Out
from admin_api.wire import reply
from gateway.live.ingest import DecisionV1, decision_row


class DecisionMessage(DecisionV1):
    """The live feed's ``decision.v1`` message (``INGEST``), here as a request body: the same
    fields and limits, with descriptions for the API's reference."""

    org_id: str | None = Field(
        None,
        max_length=100,
        description="the key's own org when given; without a key, the org whose secret signed",
    )
    ts: datetime | None = Field(None, description="ISO 8601 or unix seconds; default: now")
    timestamp: datetime | None = Field(
        None, description="the spec's name for `ts` (unix seconds or ISO 8601)"
    )


class Accepted(Out):
    status: Literal["accepted"] = "accepted"
    accepted: bool
    id: str


async def ingest_decision(call: Call[None, DecisionMessage]) -> Any:
    message = call.body
    if call.signed_org is not None:
        # The signature names the org (and was checked against the raw body already).
        org_id, api_key_id, user_id = call.signed_org, None, None
    else:
        access = await call.org(message.org_id)
        await verify_ingest_signature(
            call.db,
            access.org.id,
            call.raw_body,
            call.request.headers,
            call.admin.config.ingest.signature_window_seconds,
            message.time,
        )
        caller = access.caller
        org_id, api_key_id = access.org.id, caller.key_id
        user_id = caller.key.user_id if caller.key else caller.user_id
    row = decision_row(message, org_id=org_id, api_key_id=api_key_id, user_id=user_id)
    call.admin.gateway.writer.submit("decisions", row)
    return reply(Accepted(accepted=True, id=row["id"]), status=202)


ENDPOINTS = [
    Endpoint(
        "POST",
        "/api/v1/ingest/decision",
        ingest_decision,
        "Ingest one decision.v1 message",
        "ingest",
        Permission.INGEST_WRITE,
        signed_body=verify_signed_body,
        body=DecisionMessage,
        response=Accepted,
        status=202,
        description=(
            "Authenticate with an API key holding `ingest:write`, or send no credentials and "
            "`X-Governs-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>` with the secret "
            "of the org the body names in `orgId` (its `timestamp` must be within the window, "
            "5 minutes by default, and the same signed body is accepted once). An org with a "
            "signing secret needs the signature with a key too. `X-Governs-Timestamp` (unix "
            'seconds) with `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` is '
            "accepted as well. A missing credential, or a wrong, stale or replayed signature, "
            "is a 401."
        ),
    ),
]
