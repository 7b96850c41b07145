"""Authentication of gateway API keys, with a short-lived in-memory cache.

A key is looked up by its SHA-256 hash. Results (found or not) are cached for
``auth.key_cache_seconds`` so the request path reads the database at most once per key per
interval; a key revoked from any process stops working within that time. Concurrent misses for
the same key share one query. ``last_used`` is written in the background, in one statement per
interval, never on the request path.

A key also brings what it may use, read with it and so cached alike: the models its org and the
key itself allow (``Principal.require_model``: a set lookup per request) and its own rate
limits. A disabled, expired or revoked key that is still used is audited (``on_refused``), once
per lookup, so at most once per key per ``key_cache_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from gateway.errors import AuthenticationError, PermissionDeniedError, ServiceUnavailableError
from gateway.scopes import Scope
from gateway.settings import RequestLimits
from gateway.storage.database import session_factory
from gateway.storage.keys import KeyRecord, find_key_by_hash, hash_key
from gateway.storage.models import ApiKey

log = logging.getLogger(__name__)

LAST_USED_FLUSH_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: one API key of one org."""

    key_id: str
    org_id: str
    org_slug: str
    user_id: str | None
    scopes: frozenset[str]
    models: frozenset[str] | None = None  # None: every configured model
    limits: RequestLimits | None = None  # None: the config's rate_limits.per_key

    def require(self, scope: Scope) -> None:
        if scope not in self.scopes and Scope.ADMIN not in self.scopes:
            raise PermissionDeniedError(
                f"this API key lacks the scope {scope.value!r}", code="insufficient_scope"
            )

    def require_model(self, model: str) -> None:
        """403 ``model_not_allowed`` unless this key (and its org) may use ``model``."""
        if self.models is not None and model not in self.models:
            raise PermissionDeniedError(
                f"this API key may not use the model {model!r}"
                + ("" if self.models else ": its org has not been granted any model yet"),
                code="model_not_allowed",
                param="model",
            )


def principal_of(record: KeyRecord) -> Principal:
    limits = None
    if record.requests_per_minute is not None or record.tokens_per_minute is not None:
        limits = RequestLimits(
            requests_per_minute=record.requests_per_minute,
            tokens_per_minute=record.tokens_per_minute,
        )
    return Principal(
        key_id=record.id,
        org_id=record.org_id,
        org_slug=record.org_slug,
        user_id=record.user_id,
        scopes=frozenset(record.scopes),
        models=record.models,
        limits=limits,
    )


# Called with a refused key and why ("revoked", "disabled", "expired").
RefusedKeyHook = Callable[[KeyRecord, str], None]


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class KeyStore:
    def __init__(
        self,
        engine: AsyncEngine,
        cache_seconds: float,
        on_refused: RefusedKeyHook | None = None,
    ) -> None:
        self._sessions: async_sessionmaker = session_factory(engine)
        self._cache_seconds = cache_seconds
        self._on_refused = on_refused
        self._cache: dict[str, tuple[float, KeyRecord | None, Principal | None]] = {}
        self._pending: dict[str, asyncio.Future[tuple[KeyRecord | None, Principal | None]]] = {}
        self._used: dict[str, datetime] = {}
        # Bumped by forget(): a lookup that started before it must not cache what it read.
        self._epoch = 0

    async def authenticate(self, secret: str | None, scope: Scope) -> Principal:
        """The key behind ``secret``, which must hold ``scope`` (401 / 403 otherwise)."""
        if not secret:
            raise AuthenticationError(
                "missing API key: send it as 'Authorization: Bearer <key>'",
                code="missing_api_key",
            )
        principal = await self.principal(secret)
        principal.require(scope)
        return principal

    async def principal(self, secret: str) -> Principal:
        """The key behind ``secret``, whatever its scopes (the caller decides what they allow).

        Same cache, same checks and same ``last_used`` tracking as ``authenticate``: one
        database read per key per ``key_cache_seconds``, and a key revoked from any process
        stops working within that time. 401 for an unknown, disabled or expired key.
        """
        record, principal = await self._lookup(hash_key(secret))
        if record is None or principal is None:
            raise AuthenticationError("invalid API key", code="invalid_api_key")
        if record.revoked:
            raise AuthenticationError("this API key has been revoked", code="invalid_api_key")
        if not record.is_active:
            raise AuthenticationError("this API key is disabled", code="inactive_api_key")
        if record.expires_at is not None and record.expires_at <= datetime.now(UTC):
            raise AuthenticationError("this API key has expired", code="expired_api_key")
        self._used[record.id] = datetime.now(UTC)
        return principal

    async def _lookup(self, key_hash: str) -> tuple[KeyRecord | None, Principal | None]:
        now = time.monotonic()
        cached = self._cache.get(key_hash)
        if cached is not None and cached[0] > now:
            return cached[1], cached[2]
        pending = self._pending.get(key_hash)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[tuple[KeyRecord | None, Principal | None]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending[key_hash] = future
        epoch = self._epoch
        try:
            async with self._sessions() as session:
                record = await find_key_by_hash(session, key_hash)
        except Exception as error:
            future.set_exception(error)
            future.exception()  # retrieved here, so waiters alone re-raise it
            if cached is not None:
                # The database is down: a key seen recently keeps working.
                log.warning("key lookup failed, using the cached result: %s", type(error).__name__)
                return cached[1], cached[2]
            raise ServiceUnavailableError(
                "cannot verify the API key: the database is unreachable",
                code="auth_unavailable",
            ) from error
        finally:
            del self._pending[key_hash]
        if (
            record is not None
            and record.expires_at is not None
            and record.expires_at.tzinfo is None
        ):
            record = _with_utc_expiry(record)
        principal = None if record is None else principal_of(record)
        if epoch == self._epoch:
            self._cache[key_hash] = (now + self._cache_seconds, record, principal)
        future.set_result((record, principal))
        if record is not None and self._on_refused is not None:
            refusal = _refusal(record)
            if refusal is not None:
                self._on_refused(record, refusal)
        return record, principal

    def forget(self, key_hashes: Iterable[str]) -> None:
        """Drop these keys from the cache: the next use reads the database (see
        ``gateway.revocation``, which calls this on every instance)."""
        self._epoch += 1
        for key_hash in key_hashes:
            self._cache.pop(key_hash, None)

    def expire_all(self) -> None:
        """Read every key from the database on its next use; while the database is down, the
        entries still serve as they do after expiring (only ``forget`` drops a key outright)."""
        self._epoch += 1
        self._cache = {
            key_hash: (0.0, record, principal)
            for key_hash, (_, record, principal) in self._cache.items()
        }

    async def flush_last_used(self) -> None:
        if not self._used:
            return
        used, self._used = self._used, {}
        try:
            async with self._sessions.begin() as session:
                for key_id, when in used.items():
                    await session.execute(
                        update(ApiKey).where(ApiKey.id == key_id).values(last_used=when)
                    )
        except Exception as error:  # best effort: last_used is informative only
            log.warning("could not record last_used of API keys: %s", type(error).__name__)

    async def run_last_used_flusher(self) -> None:
        while True:
            await asyncio.sleep(LAST_USED_FLUSH_SECONDS)
            await self.flush_last_used()


def _refusal(record: KeyRecord) -> str | None:
    if record.revoked:
        return "revoked"
    if not record.is_active:
        return "disabled"
    if record.expires_at is not None and record.expires_at <= datetime.now(UTC):
        return "expired"
    return None


def _with_utc_expiry(record: KeyRecord) -> KeyRecord:
    # SQLite returns naive datetimes; every timestamp the gateway writes is UTC.
    assert record.expires_at is not None
    return replace(record, expires_at=record.expires_at.replace(tzinfo=UTC))
