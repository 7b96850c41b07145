"""The budget ledger in Redis, shared by every instance: each operation is one Lua script, so
checking and holding against all of a request's budgets is atomic across instances.

Per bucket (a budget in one period), two keys, both tagged with the org so that one request's
buckets sit in one cluster slot:

    <prefix>:{<org>}:budget:<budget>:<period>        hash: spent, held, r:<rid> -> amount
    <prefix>:{<org>}:budget:<budget>:<period>:holds  sorted set: rid scored by its deadline (ms)

``held`` is the sum of the live ``r:`` amounts. Every reserve first drops the holds whose
deadline has passed (a crashed instance's), then checks. Amounts are integer nano-dollars,
handed to HINCRBY as strings so that Lua's doubles never round them; Lua compares them as
doubles, exact up to 2^53 nano-dollars (9 million USD per budget period).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from redis.asyncio import Redis

from gateway.budgets.ledger import Bucket, LedgerUnavailable, ReserveResult
from gateway.redis_client import translate_redis_errors

# KEYS: hash1, holds1, hash2, holds2, ...
# ARGV: rid, amount, now_ms, deadline_ms, then limit_i, expire_at_i (0: none) per bucket
_RESERVE = """
local rid, amount = ARGV[1], ARGV[2]
local now, deadline = tonumber(ARGV[3]), ARGV[4]
local n = #KEYS / 2
local unseeded = {}
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local expired = redis.call('ZRANGEBYSCORE', z, '-inf', now)
  for _, old in ipairs(expired) do
    local held = redis.call('HGET', h, 'r:' .. old)
    if held then
      redis.call('HINCRBY', h, 'held', '-' .. held)
      redis.call('HDEL', h, 'r:' .. old)
    end
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', z, '-inf', now) end
  if redis.call('HEXISTS', h, 'spent') == 0 then unseeded[#unseeded + 1] = tostring(i) end
end
if #unseeded > 0 then
  table.insert(unseeded, 1, 'unseeded')
  return unseeded
end
local headroom = nil
for i = 1, n do
  local h = KEYS[2 * i - 1]
  local spent = redis.call('HGET', h, 'spent')
  local held = redis.call('HGET', h, 'held') or '0'
  local limit = tonumber(ARGV[3 + 2 * i])
  if tonumber(spent) + tonumber(held) + tonumber(amount) > limit then
    return {'refused', tostring(i), spent, held}
  end
  local room = limit - tonumber(spent) - tonumber(held)
  if headroom == nil or room < headroom then headroom = room end
end
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  redis.call('HSET', h, 'r:' .. rid, amount)
  redis.call('HINCRBY', h, 'held', amount)
  redis.call('ZADD', z, deadline, rid)
  local expire_at = tonumber(ARGV[4 + 2 * i])
  if expire_at > 0 then
    redis.call('EXPIREAT', h, expire_at)
    redis.call('EXPIREAT', z, expire_at)
  end
end
return {'ok', string.format('%d', headroom)}
"""

# ARGV: rid, actual ('' for a release). Returns each bucket's spend ('' when unknown).
_SETTLE = """
local rid, actual = ARGV[1], ARGV[2]
local out = {}
for i = 1, #KEYS / 2 do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local held = redis.call('HGET', h, 'r:' .. rid)
  if held then
    redis.call('HINCRBY', h, 'held', '-' .. held)
    redis.call('HDEL', h, 'r:' .. rid)
    redis.call('ZREM', z, rid)
  end
  out[i] = ''
  if actual ~= '' and redis.call('HEXISTS', h, 'spent') == 1 then
    redis.call('HINCRBY', h, 'spent', actual)
    out[i] = redis.call('HGET', h, 'spent')
  end
end
return out
"""

# ARGV: spent, expire_at (0: none). Sets the spend only if unknown.
_SEED = """
if redis.call('HSETNX', KEYS[1], 'spent', ARGV[1]) == 1 and tonumber(ARGV[2]) > 0 then
  redis.call('EXPIREAT', KEYS[1], ARGV[2])
end
return 1
"""


def _translated() -> contextlib.AbstractAsyncContextManager[None]:
    """Redis's own errors become ``LedgerUnavailable`` here, and nowhere else."""
    return translate_redis_errors(LedgerUnavailable, "the budget ledger in Redis failed")


class RedisLedger:
    """``BudgetLedger`` in Redis; several instances given the same Redis share every budget."""

    def __init__(self, redis: Redis, ttl_seconds: float, prefix: str = "governs") -> None:
        self._redis = redis
        self._ttl_ms = int(ttl_seconds * 1000)
        self._prefix = prefix
        self._reserve = redis.register_script(_RESERVE)
        self._settle = redis.register_script(_SETTLE)
        self._seed = redis.register_script(_SEED)

    def _hash(self, bucket: Bucket) -> str:
        return f"{self._prefix}:{{{bucket.org_id}}}:budget:{bucket.budget_id}:{bucket.period_key}"

    def _keys(self, buckets: Sequence[Bucket]) -> list[str]:
        keys = []
        for bucket in buckets:
            name = self._hash(bucket)
            keys += [name, f"{name}:holds"]
        return keys

    async def reserve(
        self, rid: str, buckets: Sequence[Bucket], amount: int, now: float
    ) -> ReserveResult:
        now_ms = int(now * 1000)
        args: list[str | int] = [rid, amount, now_ms, now_ms + self._ttl_ms]
        for bucket in buckets:
            args += [bucket.limit, bucket.expires_at or 0]
        async with _translated():
            reply = await self._reserve(keys=self._keys(buckets), args=args)
        status, *rest = (_text(part) for part in reply)
        if status == "unseeded":
            return ReserveResult(unseeded=tuple(buckets[int(i) - 1] for i in rest))
        if status == "refused":
            return ReserveResult(
                refused=buckets[int(rest[0]) - 1], spent=int(rest[1]), held=int(rest[2])
            )
        return ReserveResult(headroom=int(rest[0]) if rest else None)

    async def settle(
        self, rid: str, buckets: Sequence[Bucket], actual: int, now: float
    ) -> tuple[int | None, ...]:
        async with _translated():
            reply = await self._settle(keys=self._keys(buckets), args=[rid, actual])
        return tuple(int(_text(v)) if _text(v) else None for v in reply)

    async def release(self, rid: str, buckets: Sequence[Bucket]) -> None:
        async with _translated():
            await self._settle(keys=self._keys(buckets), args=[rid, ""])

    async def seed(self, bucket: Bucket, spent: int) -> None:
        async with _translated():
            await self._seed(keys=[self._hash(bucket)], args=[spent, bucket.expires_at or 0])

    async def spend(self, buckets: Sequence[Bucket]) -> tuple[tuple[int, int] | None, ...]:
        async with _translated():
            async with self._redis.pipeline(transaction=False) as pipe:
                for bucket in buckets:
                    pipe.hmget(self._hash(bucket), "spent", "held")
                replies = await pipe.execute()
        return tuple(
            None if spent is None else (int(spent), int(held or 0)) for spent, held in replies
        )

    async def aclose(self) -> None:
        """The Redis client belongs to whoever made it; nothing to close here."""


def _text(value: bytes | str | int) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
