"""Wire formats shared by every endpoint: timestamps, money, cursors and the JSON reply."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web
from pydantic import BaseModel

from core.errors import InvalidRequestError

MONEY_QUANTUM = Decimal("0.0000000001")  # the ten decimal places of the Money columns


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything the gateway writes is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return as_utc(value).isoformat().replace("+00:00", "Z")


def money(value: Decimal | float | int | None) -> str:
    """A Decimal string with no exponent and no trailing zeros beyond one decimal."""
    amount = Decimal(str(value or 0)).quantize(MONEY_QUANTUM)
    text = format(amount.normalize(), "f")
    return text if "." in text else f"{text}.0"


def encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(parts))).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[str]:
    try:
        parts = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        parts = None
    if not isinstance(parts, list) or len(parts) != size:
        raise InvalidRequestError("invalid cursor", code="invalid_cursor", param="cursor")
    return [str(part) for part in parts]


def reply(
    payload: BaseModel | dict[str, Any] | list[Any],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.Response:
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json", by_alias=True)
    return web.Response(
        body=orjson.dumps(payload),
        status=status,
        content_type="application/json",
        headers=headers,
    )
