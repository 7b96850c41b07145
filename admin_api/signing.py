"""Ingest signing: each org's HMAC secret, and the check of a signed ingest request.

A signature is ``X-Governs-Signature: sha256=<hex HMAC-SHA256(secret, message)>`` with the
org's secret, in one of two schemes:

- the spec's: the message is the raw body, and the replay window is read from the signed body
  itself (its ``timestamp``, or ``ts``: unix seconds or ISO 8601);
- with ``X-Governs-Timestamp: <unix seconds>``: the message is ``"<timestamp>.<raw body>"`` and
  the window is read from that header.

A signature authenticates an ingest request on its own (no API key): the org is the one the
body names with ``orgId`` (``verify_signed_body``). A request with an ``ingest:write`` key needs
no signature, unless its org has a signing secret (``verify_ingest_signature``). Either way it
is refused (401) when the HMAC is wrong, the time is more than
``admin.ingest.signature_window_seconds`` away from now, or the same signature was already
accepted within that window (a replay: the same signed body again). Seen signatures are kept
in ``ingest_nonces``, shared by every instance, and forgotten once older than the window.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from aiohttp import web
from multidict import CIMultiDictProxy
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api.audit import record
from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Permission
from admin_api.services import ADMIN
from admin_api.types import Timestamp
from admin_api.validation import Out
from admin_api.wire import reply
from core.errors import AuthenticationError
from core.storage.account_models import IngestNonce, SigningSecret
from core.storage.keys import find_org

SIGNATURE_HEADER = "X-Governs-Signature"
TIMESTAMP_HEADER = "X-Governs-Timestamp"
SECRET_PREFIX = "gss_"
_TIME = TypeAdapter(datetime)  # the body's time read as the decision.v1 model reads it


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Governs-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def sign_body(secret: str, body: bytes) -> str:
    """The spec's ``X-Governs-Signature`` value: the HMAC of the raw body alone."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _refuse(message: str, code: str) -> AuthenticationError:
    return AuthenticationError(message, code=code)


async def verify_ingest_signature(
    db: AsyncSession,
    org_id: str,
    body: bytes,
    headers: CIMultiDictProxy[str],
    window_seconds: float,
    body_time: datetime | None,
) -> None:
    """A request with a key: return when it may be accepted (its org has no signing secret, or
    the request is signed with it); raise ``AuthenticationError`` otherwise."""
    stored = await db.get(SigningSecret, org_id)
    if stored is None:
        return
    if not headers.get(SIGNATURE_HEADER):
        raise _refuse(f"this org signs its ingest: send {SIGNATURE_HEADER}", "missing_signature")
    await _check(db, org_id, stored.secret, body, headers, window_seconds, body_time)


async def verify_signed_body(db: AsyncSession, request: web.Request, body: bytes) -> str:
    """A request without credentials (``Endpoint.signed_body``): the id of the org the body
    names with ``orgId``, when the body is signed with that org's secret; 401 otherwise."""
    if not request.headers.get(SIGNATURE_HEADER):
        raise AuthenticationError(
            "missing credentials: send 'Authorization: Bearer <API key>' with ingest:write, "
            f"or sign the body with the org's signing secret ({SIGNATURE_HEADER})",
            code="missing_api_key",
        )
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        data = None
    org_ref = data.get("orgId") if isinstance(data, dict) else None
    if not isinstance(org_ref, str) or not org_ref:
        raise _refuse(
            "a signed body without an API key names its org with orgId", "invalid_signature"
        )
    org = await find_org(db, org_ref)
    stored = await db.get(SigningSecret, org.id) if org is not None else None
    if org is None or stored is None:
        # An unknown org and one that does not sign look like a wrong signature: no hint.
        raise _refuse("the signature does not match the body", "invalid_signature")
    window = request.app[ADMIN].config.ingest.signature_window_seconds
    await _check(db, org.id, stored.secret, body, request.headers, window, _body_time(data))
    return org.id


def _body_time(data: Any) -> datetime | None:
    """The signed body's own time (``timestamp`` or ``ts``), None when absent or unreadable."""
    if not isinstance(data, dict):
        return None
    value = data.get("timestamp", data.get("ts"))
    if value is None or isinstance(value, bool):
        return None
    try:
        when = _TIME.validate_python(value)
    except ValidationError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


async def _check(
    db: AsyncSession,
    org_id: str,
    secret: str,
    body: bytes,
    headers: CIMultiDictProxy[str],
    window_seconds: float,
    body_time: datetime | None,
) -> None:
    signature = headers.get(SIGNATURE_HEADER, "")
    stamp = headers.get(TIMESTAMP_HEADER)
    if stamp is not None:  # the X-Governs-Timestamp scheme
        if not stamp.isdigit() or len(stamp) > 12:
            raise _refuse(f"{TIMESTAMP_HEADER} must be unix seconds", "invalid_signature")
        expected, sent_at = sign(secret, stamp, body), float(stamp)
    else:  # the spec's: the body alone, its own timestamp bounding replays
        expected = sign_body(secret, body)
        sent_at = body_time.timestamp() if body_time is not None else None
    if not hmac.compare_digest(expected, signature):
        raise _refuse("the signature does not match the body", "invalid_signature")
    if sent_at is None:
        raise _refuse(
            f"a signed body carries its unix timestamp (or send {TIMESTAMP_HEADER})",
            "stale_signature",
        )
    if abs(time.time() - sent_at) > window_seconds:
        raise _refuse(
            f"the signature's timestamp is outside the {window_seconds:g} s window",
            "stale_signature",
        )
    digest = signature.removeprefix("sha256=")
    insert = (
        postgresql.insert(IngestNonce)
        if db.bind.dialect.name == "postgresql"
        else sqlite.insert(IngestNonce)
    )
    seen = await db.scalar(
        insert.values(signature=digest, org_id=org_id, seen_at=datetime.now(UTC))
        .on_conflict_do_nothing(index_elements=["signature"])
        .returning(IngestNonce.signature)
    )
    if seen is None:
        raise _refuse("this signed request was already accepted (replay)", "replayed_signature")
    if random.random() < 0.02:  # forget old signatures now and then, not on every request
        cutoff = datetime.now(UTC) - timedelta(seconds=2 * window_seconds)
        await db.execute(delete(IngestNonce).where(IngestNonce.seen_at < cutoff))


# -- the secret, through the admin API ---------------------------------------------------------


class SigningSecretState(Out):
    org_id: str
    configured: bool
    updated_at: Timestamp | None


class SigningSecretCreated(Out):
    org_id: str
    secret: str
    updated_at: Timestamp


async def get_signing_secret(call: Call[None, None]) -> Any:
    access = await call.org(call.path("orgId"))
    stored = await call.db.get(SigningSecret, access.org.id)
    return reply(
        SigningSecretState(
            org_id=access.org.id,
            configured=stored is not None,
            updated_at=stored.updated_at if stored else None,
        )
    )


async def rotate_signing_secret(call: Call[None, None]) -> Any:
    access = await call.org(call.path("orgId"))
    stored = await call.db.get(SigningSecret, access.org.id)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    if stored is None:
        stored = SigningSecret(org_id=access.org.id, secret=secret, created_at=now)
        call.db.add(stored)
    else:
        stored.secret = secret
    stored.updated_at = now
    await call.db.flush()
    record(
        call.db,
        call.who,
        org_id=access.org.id,
        action="signing_secret.rotate",
        resource=f"signing_secret:{access.org.id}",
        after={"configured": True},
    )
    return reply(SigningSecretCreated(org_id=access.org.id, secret=secret, updated_at=now))


async def delete_signing_secret(call: Call[None, None]) -> Any:
    access = await call.org(call.path("orgId"))
    stored = await call.db.get(SigningSecret, access.org.id)
    if stored is not None:
        await call.db.delete(stored)
        record(
            call.db,
            call.who,
            org_id=access.org.id,
            action="signing_secret.delete",
            resource=f"signing_secret:{access.org.id}",
            before={"configured": True},
            after={"configured": False},
        )
    return reply(SigningSecretState(org_id=access.org.id, configured=False, updated_at=None))


_PATH = "/api/v1/orgs/{orgId}/signing-secret"
_P = Permission.SIGNING_MANAGE
ENDPOINTS = [
    Endpoint("GET", _PATH, get_signing_secret, "Whether the org signs its ingest", "ingest", _P,
             response=SigningSecretState),
    Endpoint("POST", _PATH, rotate_signing_secret,
             "Set or rotate the org's ingest signing secret (shown once)", "ingest", _P,
             response=SigningSecretCreated),
    Endpoint("DELETE", _PATH, delete_signing_secret, "Stop requiring signed ingest", "ingest",
             _P, response=SigningSecretState),
]  # fmt: skip
