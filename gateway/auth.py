"""Authentication of gateway API keys, from in-process state that outlives a database outage.

A key is looked up by its SHA-256 hash. Every live key is read at start-up; results (found or
not) are re-checked after ``auth.key_cache_seconds``, so the request path reads the database at
most once per key per interval and a key revoked from any process stops working within that
time. Concurrent misses for the same key share one query. While the database cannot answer, a
key is judged by its last known state for ``auth.stale_key_seconds``; a key never seen gets 503
``auth_unavailable``. ``last_used`` is written in the background, in one statement per interval,
never on the request path.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from gateway.errors import AuthenticationError, PermissionDeniedError, ServiceUnavailableError
from gateway.scopes import Scope
from gateway.storage.database import session_factory
from gateway.storage.keys import KeyRecord, all_live_keys, find_key_by_hash, hash_key
from gateway.storage.models import ApiKey

log = logging.getLogger(__name__)

LAST_USED_FLUSH_SECONDS = 30.0
# A lookup slower than this counts as a database outage (the key's last state is used).
LOOKUP_TIMEOUT_SECONDS = 3.0
# How long a request for a key seen before waits on the database before its last state is used.
KNOWN_KEY_WAIT_SECONDS = 0.5
# After a failed lookup the database is left alone this long; lookups use the last state.
DOWN_RECHECK_SECONDS = 1.0
RETRY_AFTER_SECONDS = 5
MAX_REMEMBERED_MISSES = 100_000


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: one API key of one org."""

    key_id: str
    org_id: str
    org_slug: str
    user_id: str | None
    scopes: frozenset[str]

    def require(self, scope: Scope) -> None:
        if scope not in self.scopes and Scope.ADMIN not in self.scopes:
            raise PermissionDeniedError(
                f"this API key lacks the scope {scope.value!r}", code="insufficient_scope"
            )


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class KeyStore:
    """API keys by hash, checked against the database at most once per ``cache_seconds``.

    Every live key is read at start-up (``load``), so a key is known before its first use. When
    the database cannot answer, a key is judged by its last known state for up to
    ``stale_seconds`` after that state was read; a key never seen gets 503 ``auth_unavailable``
    with ``Retry-After``. Once the database answers again every key is re-read on its next use,
    so a revocation made meanwhile applies at once.
    """

    def __init__(
        self, engine: AsyncEngine, cache_seconds: float, stale_seconds: float = 600.0
    ) -> None:
        self._sessions: async_sessionmaker = session_factory(engine)
        self._cache_seconds = cache_seconds
        self._stale_seconds = stale_seconds
        self._known: dict[str, _Known] = {}
        self._pending: dict[str, asyncio.Task[KeyRecord | None]] = {}
        self._used: dict[str, datetime] = {}
        self._down_until = 0.0  # monotonic: until then the database is not asked
        self._misses = 0  # hashes remembered as "no such key"

    async def load(self) -> None:
        """Read every live key once; a database that cannot answer leaves the store empty
        (each key is then read on its first use)."""
        try:
            async with self._sessions() as session:
                records = await all_live_keys(session)
        except Exception as error:
            log.warning("API keys could not be loaded at start-up: %s", type(error).__name__)
            return
        checked = time.monotonic()
        for key_hash, record in records:
            self._known[key_hash] = _Known(_with_utc_expiry(record), checked)
        log.info("loaded %d API keys", len(records))

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
        record = await self._lookup(hash_key(secret))
        if record is None:
            raise AuthenticationError("invalid API key", code="invalid_api_key")
        if not record.is_active:
            raise AuthenticationError("this API key is disabled", code="inactive_api_key")
        if record.expires_at is not None and record.expires_at <= datetime.now(UTC):
            raise AuthenticationError("this API key has expired", code="expired_api_key")
        self._used[record.id] = datetime.now(UTC)
        return Principal(
            key_id=record.id,
            org_id=record.org_id,
            org_slug=record.org_slug,
            user_id=record.user_id,
            scopes=frozenset(record.scopes),
        )

    async def _lookup(self, key_hash: str) -> KeyRecord | None:
        now = time.monotonic()
        known = self._known.get(key_hash)
        if known is not None:
            age = now - known.checked
            if age < self._cache_seconds:
                return known.record
            if now < self._down_until and age <= self._stale_seconds:
                return known.record  # do not make every request wait on a dead database
        pending = self._pending.get(key_hash)
        if pending is None:  # concurrent misses for one key share one query
            pending = asyncio.ensure_future(self._read(key_hash))
            self._pending[key_hash] = pending
            pending.add_done_callback(partial(self._read_done, key_hash))
        # A key seen before waits only briefly on a slow database (the read goes on and
        # updates the store); a key never seen can only wait for the answer.
        usable = known is not None and now - known.checked <= self._stale_seconds
        wait = KNOWN_KEY_WAIT_SECONDS if usable else LOOKUP_TIMEOUT_SECONDS
        try:
            async with asyncio.timeout(wait):
                return await asyncio.shield(pending)
        except (DatabaseUnreachable, TimeoutError):
            return self._last_known(key_hash, time.monotonic())

    async def _read(self, key_hash: str) -> KeyRecord | None:
        try:
            async with asyncio.timeout(LOOKUP_TIMEOUT_SECONDS):
                async with self._sessions() as session:
                    record = await find_key_by_hash(session, key_hash)
        except Exception as error:
            self._down_until = time.monotonic() + DOWN_RECHECK_SECONDS
            log.warning(
                "key lookup failed, judging by the last known state: %s", type(error).__name__
            )
            raise DatabaseUnreachable() from error
        self._down_until = 0.0
        record = None if record is None else _with_utc_expiry(record)
        self._remember(key_hash, record)
        return record

    def _read_done(self, key_hash: str, task: asyncio.Task[KeyRecord | None]) -> None:
        self._pending.pop(key_hash, None)
        if not task.cancelled():
            task.exception()  # retrieved here: waiters handle it, nobody else must

    def _remember(self, key_hash: str, record: KeyRecord | None) -> None:
        if record is None and key_hash not in self._known:
            self._misses += 1
            if self._misses > MAX_REMEMBERED_MISSES:
                # Unknown keys sent in bulk must not grow memory without end: forget the misses
                # (one pass per MAX_REMEMBERED_MISSES of them, so cheap however many come).
                self._known = {h: k for h, k in self._known.items() if k.record is not None}
                self._misses = 1
        self._known[key_hash] = _Known(record, time.monotonic())

    def _last_known(self, key_hash: str, now: float) -> KeyRecord | None:
        known = self._known.get(key_hash)
        if known is not None and now - known.checked <= self._stale_seconds:
            return known.record
        raise ServiceUnavailableError(
            "cannot verify the API key: the database is unreachable; retry shortly",
            code="auth_unavailable",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

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


@dataclass(frozen=True, slots=True)
class _Known:
    record: KeyRecord | None  # None: no such live key
    checked: float  # monotonic time the database said so


class DatabaseUnreachable(Exception):
    """A key lookup failed; callers fall back to the last known state."""


def _with_utc_expiry(record: KeyRecord) -> KeyRecord:
    # SQLite returns naive datetimes; every timestamp the gateway writes is UTC.
    if record.expires_at is None or record.expires_at.tzinfo is not None:
        return record
    return replace(record, expires_at=record.expires_at.replace(tzinfo=UTC))
