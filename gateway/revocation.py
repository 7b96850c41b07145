"""Telling every instance at once that API keys changed (disabled, revoked, re-scoped) or
sessions ended.

The ``KeyStore`` caches each key for ``auth.key_cache_seconds``, so the proxy reads the
database at most once per key per interval. Without more, a key disabled through one instance
kept working on the others until their entry expired. ``Revocations.announce(hashes)`` drops
the entries in this process at once and publishes the keys' SHA-256 hashes (never a secret) on
the Redis channel ``governs:auth:changed``; every instance's subscriber drops them too, within
milliseconds. Nothing is added to the request path.

The cache's expiry stays the backstop: without Redis, or while it is unreachable, a change
reaches the other instances within ``auth.key_cache_seconds``. Messages sent while a subscriber
was disconnected are lost, so on every (re)subscription every cached key is read again on its
next use (kept meanwhile only as the fallback for a database outage, as an expired entry is).

User sessions are read from the database on every admin API call, so they need no cache
dropped; but the live feed checks an open ``/ws`` connection's key or session only every
``live.reauth_seconds``, so every announcement (a session ended too) has the feed of every
instance check its open sockets again at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable

import orjson
from redis.asyncio import Redis

from gateway.auth import KeyStore

log = logging.getLogger(__name__)

CHANNEL = "governs:auth:changed"
BACKOFF_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)


async def publish_key_changes(
    redis: Redis, key_hashes: Iterable[str], *, origin: str = "cli"
) -> None:
    """Announce changed keys (their ``hash_key`` hashes) to every running instance, from a
    process that serves nothing (the command line), after the change is committed. Raises
    what Redis raises; without Redis the instances follow within ``auth.key_cache_seconds``."""
    message = {"origin": origin, "keys": sorted(set(key_hashes))}
    await redis.publish(CHANNEL, orjson.dumps(message))


class Revocations:
    def __init__(self, keys: KeyStore, redis: Redis | None) -> None:
        self._keys = keys
        self._redis = redis
        self._task: asyncio.Task[None] | None = None
        self._origin = uuid.uuid4().hex  # our own messages come back; they are skipped
        self.subscribed = asyncio.Event()
        # Called after every change, here or on another instance: the live feed checks its
        # open sockets' keys and sessions again at once (``gateway.live``).
        self.listeners: list[Callable[[], None]] = []

    async def start(self) -> None:
        """Start the subscriber. Start-up does not wait for it (an unreachable Redis must not
        slow it down): a key cached before the subscription holds is read again once it does."""
        if self._redis is not None:
            self._task = asyncio.create_task(self._subscriber(), name="auth-revocations")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def announce(self, key_hashes: Iterable[str] = ()) -> None:
        """The keys behind ``key_hashes`` changed (none: only sessions ended): forget them here
        and on every instance, and have open live sockets checked again. Call it after the
        change is committed, or an instance may cache the old row again."""
        hashes = sorted(set(key_hashes))
        self._changed(hashes)
        if self._redis is None:
            return
        try:
            await publish_key_changes(self._redis, hashes, origin=self._origin)
        except Exception as error:  # the cache's expiry still ends the key on the others
            log.warning(
                "cannot announce changed API keys to other instances (they follow within "
                "auth.key_cache_seconds): %s",
                type(error).__name__,
            )

    async def _subscriber(self) -> None:
        assert self._redis is not None
        failures = 0
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CHANNEL)
                self._keys.expire_all()  # what was announced while we were away is unknown
                self.subscribed.set()
                if failures:
                    log.info("subscribed again to API key changes")
                failures = 0
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._take(message["data"])
            except Exception as error:
                self.subscribed.clear()
                if failures == 0:
                    log.warning(
                        "lost the subscription to API key changes: %s", type(error).__name__
                    )
                failures += 1
                await asyncio.sleep(BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS)) - 1])
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _take(self, raw: bytes) -> None:
        try:
            message = orjson.loads(raw)
            hashes = message["keys"]
            if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
                raise TypeError("keys is not a list of strings")
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            log.warning("ignored a malformed API key change message: %s", type(error).__name__)
            return
        if message.get("origin") != self._origin:
            self._changed(hashes)

    def _changed(self, hashes: list[str]) -> None:
        if hashes:
            self._keys.forget(hashes)
        for listener in self.listeners:
            listener()
