"""Fixed-window attempt counters for login, signup and password reset.

``RateLimiter.hit(bucket, limit, window)`` counts one attempt and raises ``RateLimitError``
(429, with ``Retry-After``) once a bucket is over its limit. Buckets name a hash of the email
or client address, never the address. Counters live in Redis when
``redis.url`` is set, so every instance shares them; otherwise in this process's memory.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Protocol

from redis.asyncio import Redis

from core.errors import RateLimitError
from core.settings import RateLimitRule


def _too_many(retry_after: float) -> RateLimitError:
    seconds = max(1, math.ceil(retry_after))
    return RateLimitError(
        f"too many attempts; try again in {seconds} seconds",
        code="too_many_attempts",
        headers={"Retry-After": str(seconds)},
    )


class RateLimiter(Protocol):
    async def hit(self, bucket: str, limit: int, window_seconds: float) -> None:
        """Count one attempt in ``bucket``; raise ``RateLimitError`` past ``limit``."""
        ...


class MemoryRateLimiter:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[float, int]] = {}

    async def hit(self, bucket: str, limit: int, window_seconds: float) -> None:
        now = time.monotonic()
        if len(self._windows) > 100_000:  # forget finished windows now and then
            self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
        ends, count = self._windows.get(bucket, (0.0, 0))
        if ends <= now:
            ends, count = now + window_seconds, 0
        count += 1
        self._windows[bucket] = (ends, count)
        if count > limit:
            raise _too_many(ends - now)


class RedisRateLimiter:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def hit(self, bucket: str, limit: int, window_seconds: float) -> None:
        key = f"governs:ratelimit:{bucket}"
        milliseconds = max(1, int(window_seconds * 1000))
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.pexpire(key, milliseconds, nx=True)
            pipe.pttl(key)
            count, _, ttl = await pipe.execute()
        if count > limit:
            raise _too_many((ttl if ttl > 0 else milliseconds) / 1000)


def _digest(value: str) -> str:
    # Bucket names end up as Redis keys, which anyone with access to Redis can list: they hold
    # a hash of the email address or client address, never the value itself.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


async def check_attempt(
    limiter: RateLimiter, action: str, rule: RateLimitRule, ip: str, account: str | None
) -> None:
    await limiter.hit(f"{action}:ip:{_digest(ip)}", rule.per_ip, rule.window_seconds)
    if account:
        await limiter.hit(
            f"{action}:account:{_digest(account.lower())}", rule.per_account, rule.window_seconds
        )
