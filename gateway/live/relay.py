"""Decisions between instances, through Redis pub/sub.

Each instance publishes the decisions it makes once, on one Redis channel
(``live.redis_channel``), tagged with its own random instance id, and subscribes to that
channel: what other instances publish goes to its hub (``LiveHub.receive``); its own messages
come back too and are skipped.

The live feed is best effort next to the database, which keeps every record: while Redis is
unreachable, messages that cannot be published are dropped (counted in ``dropped``) and the
subscriber reconnects with a capped backoff. Publishing never blocks a request: ``publish``
only appends to a bounded in-memory queue that one task drains.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any

import orjson
from redis.asyncio import Redis

from gateway.live.hub import DecisionEvent

log = logging.getLogger(__name__)

MAX_PENDING = 10_000
PUBLISH_BATCH = 200
BACKOFF_SECONDS = (0.1, 0.5, 1.0, 2.0, 5.0)
CLOSE_TIMEOUT_SECONDS = 2.0


class RedisRelay:
    def __init__(
        self, redis: Redis, channel: str, receive: Callable[[DecisionEvent], None]
    ) -> None:
        self._redis = redis
        self._channel = channel
        self._receive = receive
        self.instance_id = uuid.uuid4().hex
        self._pending: deque[DecisionEvent] = deque()
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.subscribed = asyncio.Event()
        self.published = 0
        self.dropped = 0

    def publish(self, event: DecisionEvent) -> None:
        if len(self._pending) >= MAX_PENDING:
            self._pending.popleft()
            self.dropped += 1
        self._pending.append(event)
        self._drained.clear()
        self._wake.set()

    async def start(self, wait_seconds: float) -> None:
        """Start both tasks; wait up to ``wait_seconds`` for the subscription, so an instance
        that answers requests also hears the others (an unreachable Redis does not stop the
        start: the subscriber keeps retrying)."""
        self._tasks = [
            asyncio.create_task(self._publisher(), name="live-relay-publisher"),
            asyncio.create_task(self._subscriber(), name="live-relay-subscriber"),
        ]
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait_seconds):
                await self.subscribed.wait()

    async def close(self) -> None:
        """Publish what is queued (for up to a second), then stop."""
        if self._pending and not self._tasks[0].done():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await self._drained.wait()
        for task in self._tasks:
            task.cancel()
        # Bounded: a task whose cancellation a library swallowed must not hold shutdown.
        await asyncio.wait(self._tasks, timeout=CLOSE_TIMEOUT_SECONDS)

    # -- publishing ------------------------------------------------------------------------

    async def _publisher(self) -> None:
        failures = 0
        while True:
            _stop_if_cancelled()
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = [
                    self._pending.popleft() for _ in range(min(PUBLISH_BATCH, len(self._pending)))
                ]
                try:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for event in batch:
                            pipe.publish(self._channel, self._envelope(event))
                        await pipe.execute()
                except Exception as error:  # Redis down: the database still has every record
                    _stop_if_cancelled()
                    self.dropped += len(batch)
                    if failures == 0:
                        log.warning("live relay cannot publish: %s", type(error).__name__)
                    failures += 1
                    await asyncio.sleep(BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS)) - 1])
                    continue
                if failures:
                    log.info("live relay publishes again")
                failures = 0
                self.published += len(batch)
            self._drained.set()

    def _envelope(self, event: DecisionEvent) -> bytes:
        return orjson.dumps(
            {
                "origin": self.instance_id,
                "id": event.id,
                "orgId": event.org_id,
                "userId": event.user_id,
                "apiKeyId": event.api_key_id,
                "data": orjson.Fragment(event.data_json),
            }
        )

    # -- subscribing -----------------------------------------------------------------------

    async def _subscriber(self) -> None:
        failures = 0
        while True:
            _stop_if_cancelled()
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self._channel)
                self.subscribed.set()
                if failures:
                    log.info("live relay subscribed again")
                failures = 0
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._take(message["data"])
            except Exception as error:
                _stop_if_cancelled()
                self.subscribed.clear()
                if failures == 0:
                    log.warning("live relay lost its subscription: %s", type(error).__name__)
                failures += 1
                await asyncio.sleep(BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS)) - 1])
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    def _take(self, raw: bytes) -> None:
        try:
            envelope: dict[str, Any] = orjson.loads(raw)
            if envelope["origin"] == self.instance_id:
                return
            event = DecisionEvent(
                id=envelope["id"],
                org_id=envelope["orgId"],
                user_id=envelope.get("userId"),
                api_key_id=envelope.get("apiKeyId"),
                data_json=orjson.dumps(envelope["data"]).decode(),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError) as error:
            log.warning("live relay ignored a malformed message: %s", type(error).__name__)
            return
        self._receive(event)


def _stop_if_cancelled() -> None:
    """Re-raise a cancellation the Redis client swallowed (a call cancelled as its own timeout
    fires ends in ``TimeoutError``, or normally): the loop would go on and hang shutdown."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
