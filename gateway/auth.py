"""Authentication of gateway API keys, from in-process state that outlives a database outage.

A key is looked up by its SHA-256 hash. Every live key is read at start-up; results (found or
not) are re-checked after ``auth.key_cache_seconds``, so the request path reads the database at
most once per key per interval and a key revoked from any process stops working within that
time (at once with Redis: ``gateway.revocation`` calls ``forget`` on every instance).
Concurrent misses for the same key share one query. While the database cannot answer, a key is
judged by its last known state for ``auth.stale_key_seconds``; a key never seen gets 503
``auth_unavailable``. ``last_used`` is written in the background, in one statement per interval,
never on the request path.

A key also brings what it may use, read with it and so kept alike: the models its org and the
key itself allow (``Principal.require_model``: a set lookup per request) and its own rate
limits. A disabled, expired or revoked key that is still used is audited (``on_refused``), once
per read, so at most once per key per ``key_cache_seconds``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from core.errors import AuthenticationError, PermissionDeniedError, ServiceUnavailableError
from core.scopes import Scope
from core.settings import RequestLimits
from core.storage.database import session_factory
from core.storage.keys import KeyRecord, all_live_keys, find_key_by_hash, hash_key
from core.storage.models import ApiKey

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
    models: frozenset[str] | None = None  # None: every configured model
    limits: RequestLimits | None = None  # None: the config's rate_limits.per_key
    key_name: str | None = None  # shown beside the key's id in decisions
    user_email: str | None = None
    cache_ttl_seconds: int | None = None  # the key's response-cache TTL (gateway.response_cache)

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
        key_name=record.name,
        user_email=record.user_email,
        cache_ttl_seconds=record.cache_ttl_seconds,
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
    """API keys by hash, checked against the database at most once per ``cache_seconds``.

    Every live key is read at start-up (``load``), so a key is known before its first use. When
    the database cannot answer, a key is judged by its last known state for up to
    ``stale_seconds`` after that state was read; a key never seen gets 503 ``auth_unavailable``
    with ``Retry-After``. Once the database answers again every key is re-read on its next use,
    so a revocation made meanwhile applies at once.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        cache_seconds: float,
        stale_seconds: float = 600.0,
        on_refused: RefusedKeyHook | None = None,
    ) -> None:
        self._sessions: async_sessionmaker = session_factory(engine)
        self._cache_seconds = cache_seconds
        self._stale_seconds = stale_seconds
        self._on_refused = on_refused
        self._known: dict[str, _Known] = {}
        self._pending: dict[str, asyncio.Task[_Known]] = {}
        self._used: dict[str, datetime] = {}
        self._down_until = 0.0  # monotonic: until then the database is not asked
        self._misses = 0  # hashes remembered as "no such key"
        # Bumped by forget(): a read that started before it must not store what it read.
        self._epoch = 0

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
            self._known[key_hash] = _known(_with_utc_expiry(record), checked)
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

        Same store, same checks and same ``last_used`` tracking as ``authenticate``: one
        database read per key per ``key_cache_seconds``, and a key revoked from any process
        stops working within that time. 401 for an unknown, disabled or expired key.
        """
        known = await self._lookup(hash_key(secret))
        record, principal = known.record, known.principal
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

    def forget(self, key_hashes: Iterable[str]) -> None:
        """Drop these keys from the store: the next use reads the database (see
        ``gateway.revocation``, which calls this on every instance)."""
        self._epoch += 1
        for key_hash in key_hashes:
            self._known.pop(key_hash, None)

    def expire_all(self) -> None:
        """Read every key from the database on its next use; while the database is down, the
        entries still serve as they do after expiring (only ``forget`` drops a key outright)."""
        self._epoch += 1
        expired = time.monotonic() - self._cache_seconds
        self._known = {
            key_hash: replace(known, checked=min(known.checked, expired))
            for key_hash, known in self._known.items()
        }

    async def _lookup(self, key_hash: str) -> _Known:
        now = time.monotonic()
        known = self._known.get(key_hash)
        if known is not None:
            age = now - known.checked
            if age < self._cache_seconds:
                return known
            if now < self._down_until and age <= self._stale_seconds:
                return known  # do not make every request wait on a dead database
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
        except TimeoutError:
            # A database this slow is treated as down until the read ends (it clears this when
            # it succeeds): the other keys' requests meanwhile take their last known state at
            # once instead of each waiting here again.
            self._down_until = max(self._down_until, time.monotonic() + DOWN_RECHECK_SECONDS)
            return self._last_known(key_hash, time.monotonic())
        except DatabaseUnreachable:
            return self._last_known(key_hash, time.monotonic())

    async def _read(self, key_hash: str) -> _Known:
        epoch = self._epoch
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
        known = _known(None if record is None else _with_utc_expiry(record), time.monotonic())
        if epoch == self._epoch:  # else a revocation came meanwhile: the next use reads again
            self._remember(key_hash, known)
        if known.record is not None and self._on_refused is not None:
            refusal = _refusal(known.record)
            if refusal is not None:
                self._on_refused(known.record, refusal)
        return known

    def _read_done(self, key_hash: str, task: asyncio.Task[_Known]) -> None:
        self._pending.pop(key_hash, None)
        if not task.cancelled():
            task.exception()  # retrieved here: waiters handle it, nobody else must

    def _remember(self, key_hash: str, known: _Known) -> None:
        if known.record is None and key_hash not in self._known:
            self._misses += 1
            if self._misses > MAX_REMEMBERED_MISSES:
                # Unknown keys sent in bulk must not grow memory without end: forget the misses
                # (one pass per MAX_REMEMBERED_MISSES of them, so cheap however many come).
                self._known = {h: k for h, k in self._known.items() if k.record is not None}
                self._misses = 1
        self._known[key_hash] = known

    def _last_known(self, key_hash: str, now: float) -> _Known:
        known = self._known.get(key_hash)
        if known is not None and now - known.checked <= self._stale_seconds:
            return known
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
    record: KeyRecord | None  # None: no such key
    principal: Principal | None  # built once per read, not once per request
    checked: float  # monotonic time the database said so


def _known(record: KeyRecord | None, checked: float) -> _Known:
    return _Known(record, None if record is None else principal_of(record), checked)


class DatabaseUnreachable(Exception):
    """A key lookup failed; callers fall back to the last known state."""


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
    if record.expires_at is None or record.expires_at.tzinfo is not None:
        return record
    return replace(record, expires_at=record.expires_at.replace(tzinfo=UTC))
