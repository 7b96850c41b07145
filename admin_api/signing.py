"""Ingest signing: each org's HMAC secret, and the check of a signed ingest request.

When an org has a signing secret, every ``/api/v1/ingest/decision`` request must carry::

    X-Governs-Timestamp: <unix seconds>
    X-Governs-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>

It is refused (401) when a header is missing, the HMAC is wrong, the timestamp is more than
``admin.ingest.signature_window_seconds`` away from now, or the same signature was already
accepted within that window (a replay). Seen signatures are kept in ``ingest_nonces``, shared
by every instance, and forgotten once older than the window.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from multidict import CIMultiDictProxy
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api.audit import record
from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Permission
from admin_api.types import Timestamp
from admin_api.validation import Out
from admin_api.wire import reply
from gateway.errors import AuthenticationError
from gateway.storage.account_models import IngestNonce, SigningSecret

SIGNATURE_HEADER = "X-Governs-Signature"
TIMESTAMP_HEADER = "X-Governs-Timestamp"
SECRET_PREFIX = "gss_"


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-Governs-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def _refuse(message: str, code: str) -> AuthenticationError:
    return AuthenticationError(message, code=code)


async def verify_ingest_signature(
    db: AsyncSession,
    org_id: str,
    body: bytes,
    headers: CIMultiDictProxy[str],
    window_seconds: float,
) -> None:
    """Return when the request may be accepted; raise ``AuthenticationError`` otherwise."""
    stored = await db.get(SigningSecret, org_id)
    if stored is None:
        return
    signature = headers.get(SIGNATURE_HEADER, "")
    stamp = headers.get(TIMESTAMP_HEADER, "")
    if not signature or not stamp:
        raise _refuse(
            f"this org signs its ingest: send {SIGNATURE_HEADER} and {TIMESTAMP_HEADER}",
            "missing_signature",
        )
    if not stamp.isdigit() or len(stamp) > 12:
        raise _refuse(f"{TIMESTAMP_HEADER} must be unix seconds", "invalid_signature")
    if not hmac.compare_digest(sign(stored.secret, stamp, body), signature):
        raise _refuse("the signature does not match the body", "invalid_signature")
    if abs(time.time() - int(stamp)) > window_seconds:
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
