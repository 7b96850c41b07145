"""An exact-match cache of answers, opt-in per key or per request.

A request is looked up when it asks (``"cache": {"ttl": SECONDS}`` in an OpenAI chat or
embeddings body, or the ``x-governs-cache-ttl: SECONDS`` header, on any API) or when its API
key has a cache TTL (``cacheTtlSeconds``). A key's TTL caches only requests that ask for
``temperature: 0``, and embeddings: anything sampled is cached only when the request itself
asks. TTLs are capped per model.

The key is a SHA-256 of the org, the client API, the model name and the canonical body as it
is sent upstream, after the PII policy rewrote it: an entry never holds a raw value a policy
removes, and tokenized values come back restored with the asking request's own values. What
is stored is the upstream's answer exactly as it arrived (``CachedAnswer``); a hit replays it
through the same adapter, output policy and client API (a stream as a stream), so its usage
is the original's, billed at 0 with ``saved`` set to what the call would have cost.

Entries live in this process (an LRU bounded by count and bytes) or, with
``response_cache.backend: redis``, in Redis, shared by every instance. Redis away or slow
means the cache is skipped, never an error.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from core.errors import InvalidRequestError
from core.settings import ResponseCacheConfig

log = logging.getLogger(__name__)

TTL_HEADER = "x-governs-cache-ttl"
CACHE_HEADER = "x-governs-cache"
BODY_FIELD = "cache"
HIT = "hit"
MISS = "miss"
_REDIS_PREFIX = "governs:cache:"


@dataclass(frozen=True, slots=True)
class CacheLookup:
    """A request the cache may answer: where its answer is (or goes) and for how long."""

    key: str
    ttl: int
    max_entry_bytes: int


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """An upstream's answer as it arrived: the body's ``pieces`` (one for a whole answer, the
    network's pieces of a stream), and the deployment that gave it (``Route.label``), so a hit
    replays it through the same adapter, output policy and client API as the original."""

    pieces: tuple[bytes, ...]
    stream: bool
    route: str

    def encode(self) -> bytes:
        # A JSON head line, then the bytes as they came: a stream's pieces may cut a UTF-8
        # character in two, which no JSON string can hold.
        head = {
            "v": 1,
            "stream": self.stream,
            "route": self.route,
            "lengths": [len(p) for p in self.pieces],
        }
        return orjson.dumps(head) + b"\n" + b"".join(self.pieces)

    @classmethod
    def decode(cls, raw: bytes) -> CachedAnswer | None:
        """None for an entry this version cannot read (it is then treated as a miss)."""
        head_bytes, _, body = raw.partition(b"\n")
        try:
            head = orjson.loads(head_bytes)
            if head.get("v") != 1 or sum(head["lengths"]) != len(body):
                return None
            pieces, at = [], 0
            for length in head["lengths"]:
                pieces.append(body[at : at + length])
                at += length
            return cls(tuple(pieces), bool(head["stream"]), str(head["route"]))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None


class CacheStore(Protocol):
    """Where entries live. ``get`` returns None for a missing or expired entry; both methods
    may raise ``CacheUnavailable`` (the cache is then skipped for that request)."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl: int) -> None: ...


class CacheUnavailable(Exception):
    """The store cannot answer now: the request goes on without the cache."""


class MemoryStore:
    """An LRU in this process, bounded by entry count and total bytes."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0

    async def get(self, key: str) -> bytes | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires, value = found
        if expires <= time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        if len(value) > self._max_bytes:
            return
        self._drop(key)
        self._entries[key] = (time.monotonic() + ttl, value)
        self._bytes += len(value)
        while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        found = self._entries.pop(key, None)
        if found is not None:
            self._bytes -= len(found[1])

    def __len__(self) -> int:
        return len(self._entries)


class RedisStore:
    """Entries in Redis (``SET ... EX``), shared by every instance; every call is bounded by
    ``timeout`` so a slow Redis costs a request at most that."""

    def __init__(self, redis: Redis, timeout: float) -> None:
        self._redis = redis
        self._timeout = timeout

    async def get(self, key: str) -> bytes | None:
        try:
            async with asyncio.timeout(self._timeout):
                value = await self._redis.get(_REDIS_PREFIX + key)
        except (RedisError, OSError, TimeoutError) as error:
            raise CacheUnavailable(type(error).__name__) from error
        return value if isinstance(value, bytes) else None

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await self._redis.set(_REDIS_PREFIX + key, value, ex=ttl)
        except (RedisError, OSError, TimeoutError) as error:
            raise CacheUnavailable(type(error).__name__) from error


def requested_ttl(headers: Mapping[str, str], body: dict[str, Any]) -> int | None:
    """The TTL a request asks for, taking ``cache`` out of the body (it is the gateway's, never
    the provider's). None: it asks for nothing. A bad value is a 400 naming it."""
    asked: int | None = None
    if BODY_FIELD in body:
        directive = body.pop(BODY_FIELD)
        ttl = directive.get("ttl") if isinstance(directive, dict) else None
        if not isinstance(directive, dict) or set(directive) - {"ttl"} or not _seconds(ttl):
            raise InvalidRequestError(
                'cache must be {"ttl": SECONDS}, a whole number of seconds >= 0',
                code="invalid_cache_ttl",
                param="cache.ttl",
            )
        asked = int(ttl)  # type: ignore[arg-type]
    header = headers.get(TTL_HEADER)
    if header is not None:
        if not header.strip().isdigit() or len(header.strip()) > 9:
            raise InvalidRequestError(
                f"{TTL_HEADER} must be a whole number of seconds >= 0",
                code="invalid_cache_ttl",
                param=TTL_HEADER,
            )
        asked = int(header)
    return asked


def _seconds(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9


class ResponseCache:
    """Plans, looks up and stores answers (see the module docstring)."""

    def __init__(self, config: ResponseCacheConfig, store: CacheStore) -> None:
        self._config = config
        self._store = store
        self._writes: set[asyncio.Task[None]] = set()

    def lookup_for(
        self,
        *,
        org_id: str,
        api: str,
        model: str,
        body: dict[str, Any],
        asked_ttl: int | None,
        key_ttl: int | None,
        deterministic: bool = False,
    ) -> CacheLookup | None:
        """Whether this request uses the cache, and under which key. ``body`` is what goes
        upstream (after the PII policy); ``asked_ttl`` the request's own, ``key_ttl`` its
        key's, which applies to ``temperature: 0`` requests and to ``deterministic`` ones
        (embeddings: the same input always has the same vector). None: it does not."""
        config = self._config
        if not config.enabled:
            return None
        limits = config.models.get(model)
        if limits is not None and not limits.enabled:
            return None
        if asked_ttl is not None:
            ttl = asked_ttl
        elif key_ttl is not None and (deterministic or body.get("temperature") == 0):
            ttl = key_ttl
        else:
            return None
        max_ttl = config.max_ttl_seconds
        max_entry = config.max_entry_bytes
        if limits is not None:
            max_ttl = limits.max_ttl_seconds or max_ttl
            max_entry = limits.max_entry_bytes or max_entry
        ttl = min(ttl, max_ttl)
        if ttl <= 0:
            return None
        canonical = orjson.dumps([org_id, api, model, body], option=orjson.OPT_SORT_KEYS)
        return CacheLookup(hashlib.sha256(canonical).hexdigest(), ttl, max_entry)

    async def get(self, lookup: CacheLookup) -> CachedAnswer | None:
        try:
            raw = await self._store.get(lookup.key)
        except CacheUnavailable as error:
            log.warning("response cache skipped: %s", error)
            return None
        return None if raw is None else CachedAnswer.decode(raw)

    def put_nowait(self, lookup: CacheLookup, answer: CachedAnswer) -> None:
        """Store ``answer`` in the background (the client is not kept waiting for it)."""
        value = answer.encode()
        if len(value) > lookup.max_entry_bytes:
            return
        task = asyncio.get_running_loop().create_task(self._put(lookup, value))
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _put(self, lookup: CacheLookup, value: bytes) -> None:
        try:
            await self._store.set(lookup.key, value, lookup.ttl)
        except CacheUnavailable as error:
            log.warning("response cache not written: %s", error)

    async def wait_idle(self) -> None:
        while self._writes:
            await asyncio.gather(*self._writes, return_exceptions=True)

    async def aclose(self) -> None:
        await self.wait_idle()


def build_response_cache(config: ResponseCacheConfig, redis: Redis | None) -> ResponseCache:
    if config.backend == "redis" and redis is not None:
        return ResponseCache(config, RedisStore(redis, config.redis_timeout_seconds))
    return ResponseCache(config, MemoryStore(config.max_entries, config.max_bytes))
