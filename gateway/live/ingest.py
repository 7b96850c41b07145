"""INGEST over ``/ws``: a ``decision.v1`` message made elsewhere becomes a ``decisions`` row.

The row goes to the background writer like the proxy's own rows. Its id is derived from
(org id, ``idempotencyKey``), so sending the same message again (a reconnect, a retry) inserts
nothing: the writer ignores a row whose id exists. The derivation is the one the HTTP ingest
endpoint (``POST /api/v1/ingest/decision``) uses, so the two paths dedupe against each other.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from core.errors import InvalidRequestError
from core.ids import new_id
from core.row_guard import MAX_JSON_DEPTH, json_depth

Short = Annotated[str, Field(max_length=200)]
# The spec sets no limit; this one is the column's, and fits "sha512:" and longer hex digests.
MAX_PAYLOAD_HASH = 512
MAX_IDEMPOTENCY_KEY = 200
IdempotencyKey = Annotated[str, Field(min_length=1, max_length=MAX_IDEMPOTENCY_KEY)]


class DecisionV1(BaseModel):
    """The ``decision.v1`` message, camelCase on the wire."""

    # Senders may be newer than this gateway: unknown fields are ignored, not refused.
    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_alias=True, validate_by_name=False, extra="ignore"
    )

    type: Literal["decision.v1", "decision"] = "decision.v1"
    org_id: str | None = Field(None, max_length=100)
    direction: Literal["precheck", "postcheck"]
    decision: Literal["allow", "transform", "deny"]
    tool: Short | None = None
    scope: Short | None = None
    detector_summary: dict[str, Any] = Field(default_factory=dict)
    payload_hash: Annotated[str, Field(min_length=1, max_length=MAX_PAYLOAD_HASH)]
    reasons: Annotated[list[Short], Field(max_length=100)] = Field(default_factory=list)
    policy_id: Annotated[str, Field(max_length=32)] | None = None
    latency_ms: Annotated[int, Field(ge=0, le=2_147_483_647)] | None = None
    correlation_id: Annotated[str, Field(max_length=128)] | None = None
    tags: Annotated[list[Short], Field(max_length=100)] = Field(default_factory=list)
    ts: datetime | None = None  # ISO 8601 or unix seconds; default: now
    timestamp: datetime | None = None  # the spec's name for ts
    idempotency_key: IdempotencyKey | None = None

    @field_validator("timestamp")
    @classmethod
    def _same_time(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        ts = info.data.get("ts")
        if value is not None and ts is not None and value != ts:
            raise PydanticCustomError(
                "conflicting_time", "timestamp is another name for ts: send one of them"
            )
        return value

    @property
    def time(self) -> datetime | None:
        """When the decision was made, as sent (``ts`` or the spec's ``timestamp``)."""
        return self.ts or self.timestamp

    @field_validator("detector_summary")
    @classmethod
    def _not_too_deep(cls, value: dict[str, Any]) -> dict[str, Any]:
        if json_depth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            raise ValueError(f"nests deeper than {MAX_JSON_DEPTH} levels")
        return value


def parse_decision(data: object) -> DecisionV1:
    """Validate ``data``; the first problem is reported with the field's wire name."""
    if not isinstance(data, dict):
        raise InvalidRequestError(
            "INGEST needs 'data': a decision.v1 object", code="invalid_message", param="data"
        )
    try:
        return DecisionV1.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in ("data", *first["loc"]))
        raise InvalidRequestError(
            f"{where}: {first['msg']}", code="invalid_message", param=where
        ) from None


def with_outer_key(message: DecisionV1, outer_key: object) -> DecisionV1:
    """``message`` with the INGEST message's top-level ``idempotencyKey`` (where the spec puts
    it), which must agree with ``data.idempotencyKey`` when both are sent."""
    if outer_key is None:
        return message
    if not isinstance(outer_key, str) or not 1 <= len(outer_key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidRequestError(
            f"idempotencyKey must be a string of 1 to {MAX_IDEMPOTENCY_KEY} characters",
            code="invalid_message",
            param="idempotencyKey",
        )
    if message.idempotency_key not in (None, outer_key):
        raise InvalidRequestError(
            "idempotencyKey and data.idempotencyKey differ: send one of them",
            code="invalid_message",
            param="idempotencyKey",
        )
    return message.model_copy(update={"idempotency_key": outer_key})


def ingest_id(org_id: str, idempotency_key: str | None) -> str:
    """The row id: derived from (org, key) when there is a key, else a fresh one."""
    if idempotency_key is None:
        return new_id()
    return hashlib.sha256(f"{org_id}\x00{idempotency_key}".encode()).hexdigest()[:32]


def decision_row(
    message: DecisionV1, *, org_id: str, api_key_id: str | None, user_id: str | None
) -> dict[str, Any]:
    ts = message.time or datetime.now(UTC)
    return {
        "id": ingest_id(org_id, message.idempotency_key),
        "org_id": org_id,
        "direction": message.direction,
        "decision": message.decision,
        "tool": message.tool,
        "scope": message.scope,
        "detector_summary": message.detector_summary,
        "payload_hash": message.payload_hash,
        "payload_out": None,
        "reasons": message.reasons,
        "policy_id": message.policy_id,
        "latency_ms": message.latency_ms,
        "correlation_id": message.correlation_id,
        "tags": message.tags,
        "api_key_id": api_key_id,
        "user_id": user_id,
        "ts": ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC),
    }
