"""What travels on ``/ws``: channel names, the messages the server sends, and the decision's
API shape.

Channels (``<org>`` is the org's id or its slug; replies and pushes name the channel exactly as
the client wrote it)::

    org:<org>:decisions                   every decision of the org
    org:<org>:user:<userId>:decisions     decisions made with that user's keys
    org:<org>:key:<apiKeyId>:decisions    decisions made with that API key

Server messages: ``ACK`` (``for`` names the client message it answers), ``PONG``, ``ERROR``
(``code`` and ``message``; ``for`` when it answers a client message) and ``DECISION``
(``channel``, ``data``). A client message's optional ``id`` is echoed in its answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson

MONEY_QUANTUM = Decimal("0.0000000001")  # the ten decimal places of the Money columns


@dataclass(frozen=True, slots=True)
class Channel:
    """A parsed channel name: ``org`` as written (id or slug), and what it narrows to."""

    org: str
    kind: str  # "org", "user" or "key"
    subject: str | None  # the user or key id

    def canonical(self, org_id: str) -> str:
        """The channel's name with the org's id: the key subscriptions are kept under."""
        return channel_name(org_id, self.kind, self.subject)


def channel_name(org_id: str, kind: str = "org", subject: str | None = None) -> str:
    if kind == "org":
        return f"org:{org_id}:decisions"
    return f"org:{org_id}:{kind}:{subject}:decisions"


def parse_channel(name: object) -> Channel | None:
    """The channel ``name`` names, or None when it is not a channel this server has."""
    if not isinstance(name, str) or len(name) > 300:
        return None
    parts = name.split(":")
    if parts[0] != "org" or parts[-1] != "decisions" or not all(parts):
        return None
    if len(parts) == 3:
        return Channel(parts[1], "org", None)
    if len(parts) == 5 and parts[2] in ("user", "key"):
        return Channel(parts[1], parts[2], parts[3])
    return None


def channels_of(org_id: str, user_id: str | None, api_key_id: str | None) -> list[str]:
    """Every channel a decision with these ids is pushed on (canonical names)."""
    names = [channel_name(org_id)]
    if user_id:
        names.append(channel_name(org_id, "user", user_id))
    if api_key_id:
        names.append(channel_name(org_id, "key", api_key_id))
    return names


# -- server messages ---------------------------------------------------------------------------


def message(kind: str, ref: Any = None, **fields: Any) -> str:
    body: dict[str, Any] = {"type": kind, **fields}
    if ref is not None:
        body["id"] = ref
    return orjson.dumps(body).decode()


def error_message(code: str, text: str, *, answers: str | None = None, ref: Any = None) -> str:
    fields: dict[str, Any] = {"code": code, "message": text}
    if answers:
        fields["for"] = answers
    return message("ERROR", ref, **fields)


def decision_message(channel: str, data_json: str) -> str:
    """A DECISION push; ``data_json`` is the decision already serialized, once for everyone."""
    return f'{{"type":"DECISION","channel":{orjson.dumps(channel).decode()},"data":{data_json}}}'


# -- the decision's API shape ------------------------------------------------------------------
# The one translation of a `decisions` row for every reader: `/api/decisions` and the live feed.


def decision_to_api(row: Mapping[str, Any]) -> dict[str, Any]:
    """A ``decisions`` row dict (as handed to the writer) in the API's shape: camelCase keys,
    ``ts`` in ISO 8601 UTC with a ``Z``."""
    return {
        "id": row["id"],
        "orgId": row["org_id"],
        "direction": row["direction"],
        "decision": row["decision"],
        "tool": row.get("tool"),
        "scope": row.get("scope"),
        "detectorSummary": row.get("detector_summary") or {},
        "payloadHash": row["payload_hash"],
        "reasons": list(row.get("reasons") or ()),
        "policyId": row.get("policy_id"),
        "latencyMs": row.get("latency_ms"),
        "correlationId": row.get("correlation_id"),
        "tags": list(row.get("tags") or ()),
        "ts": iso_utc(row["ts"]),
        # Who and what, for investigations: names travel beside the ids (None when unknown).
        "apiKeyId": row.get("api_key_id"),
        "keyName": row.get("key_name"),
        "userId": row.get("user_id"),
        "userEmail": row.get("user_email"),
        "model": row.get("model"),
        "provider": row.get("provider"),
        "usage": row.get("usage"),  # a billed call's postcheck: its usage row (``usage_link``)
    }


def usage_link(row: Mapping[str, Any]) -> dict[str, Any]:
    """A ``usage_records`` row as a decision links to it: id, tokens and cost."""
    cost = row.get("cost")
    return {
        "id": row["id"],
        "inputTokens": row["input_tokens"],
        "outputTokens": row["output_tokens"],
        "cost": None if cost is None else money_text(cost),
    }


def money_text(value: Any) -> str:
    """A Decimal string with no exponent, as the admin API writes money (``wire.money``)."""
    amount = Decimal(str(value)).quantize(MONEY_QUANTUM)
    text = format(amount.normalize(), "f")
    return text if "." in text else f"{text}.0"


def iso_utc(value: datetime | str) -> str:
    if isinstance(value, str):
        return value
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat().replace("+00:00", "Z")
