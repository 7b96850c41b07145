"""Rate limits of proxied requests: requests and tokens per minute, per API key and per org.

Each limit is a GCRA cell (the generic cell rate algorithm: a leaky bucket kept as one
timestamp, the "theoretical arrival time"): a limit of L per minute lets L units through at
once and then one every 60/L seconds. A request takes one unit of each requests cell and its
prompt tokens from each tokens cell, all or nothing; its output tokens are added after the
call (``add_tokens``), which may overdraw a cell, so the next request waits until it has
drained. That is how a provider's tokens-per-minute limit behaves too.

Cells live in this process (``MemoryRateStore``) or in Redis (``RedisRateStore``, one Lua
script, so instances share them). A refusal is a 429 ``rate_limit_exceeded`` with
``Retry-After`` (and ``retry-after-ms``) and OpenAI's ``x-ratelimit-*`` headers, which
``RateLimitStatus.headers()`` also gives for successful responses. When Redis cannot be
reached, ``rate_limits.on_unavailable`` decides: ``block`` (503 ``rate_limit_unavailable``, the
default) or ``allow``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from redis.asyncio import Redis

from core.errors import RateLimitError, ServiceUnavailableError
from core.settings import ProxyRateLimitsConfig, RequestLimits
from gateway.auth import Principal
from gateway.budgets.estimate import RequestSize
from gateway.redis_client import translate_redis_errors

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60.0
REQUESTS, TOKENS = "requests", "tokens"


@dataclass(frozen=True, slots=True)
class Cell:
    """One limit of one scope, and what this request takes from it."""

    name: str  # e.g. "key:<id>:requests"
    org_id: str
    kind: str  # REQUESTS or TOKENS
    limit: int  # per minute
    cost: int

    @property
    def interval(self) -> float:
        return WINDOW_SECONDS / self.limit


@dataclass(frozen=True, slots=True)
class CellState:
    limit: int
    remaining: int
    reset_seconds: float  # until the cell is full again


@dataclass(frozen=True, slots=True)
class RateLimitStatus:
    """The tightest requests and tokens figures of a request's cells (None: no such limit)."""

    requests: CellState | None
    tokens: CellState | None

    def headers(self) -> dict[str, str]:
        """OpenAI's ``x-ratelimit-*`` headers."""
        headers = {}
        for kind, state in ((REQUESTS, self.requests), (TOKENS, self.tokens)):
            if state is not None:
                headers[f"x-ratelimit-limit-{kind}"] = str(state.limit)
                headers[f"x-ratelimit-remaining-{kind}"] = str(state.remaining)
                headers[f"x-ratelimit-reset-{kind}"] = duration(state.reset_seconds)
        return headers


def duration(seconds: float) -> str:
    """A duration as OpenAI writes it: ``120ms``, ``1.5s``, ``6m0s``."""
    if seconds < 1:
        return f"{max(0, math.ceil(seconds * 1000))}ms"
    minutes, rest = divmod(seconds, 60)
    text = f"{rest:.3f}".rstrip("0").rstrip(".") + "s"
    return f"{int(minutes)}m{text}" if minutes else text


class StoreUnavailable(Exception):
    """The rate limit store (Redis) cannot be reached."""


class RateStore(Protocol):
    """Where GCRA cells live. Times are unix seconds.

    * ``acquire(cells, now)``: if every cell has room for its ``cost``, take it from each;
      else take nothing. Atomic. Returns (allowed, each cell's arrival time before the call).
    * ``charge(cells, now)``: add each ``cost`` without checking (after-the-fact tokens).

    Errors of the store itself raise ``StoreUnavailable``.
    """

    async def acquire(self, cells: Sequence[Cell], now: float) -> tuple[bool, list[float]]: ...

    async def charge(self, cells: Sequence[Cell], now: float) -> None: ...


def _fits(cell: Cell, tat: float, now: float) -> bool:
    return tat + cell.cost * cell.interval - now <= WINDOW_SECONDS + 1e-9


class MemoryRateStore:
    """``RateStore`` in this process's memory (atomic: nothing awaits inside)."""

    def __init__(self) -> None:
        self._tats: dict[str, float] = {}

    async def acquire(self, cells: Sequence[Cell], now: float) -> tuple[bool, list[float]]:
        tats = [max(self._tats.get(c.name, 0.0), now) for c in cells]
        allowed = all(_fits(c, t, now) for c, t in zip(cells, tats, strict=True))
        if allowed:
            for cell, tat in zip(cells, tats, strict=True):
                self._tats[cell.name] = tat + cell.cost * cell.interval
        return allowed, tats

    async def charge(self, cells: Sequence[Cell], now: float) -> None:
        for cell in cells:
            self._tats[cell.name] = max(self._tats.get(cell.name, 0.0), now) + (
                cell.cost * cell.interval
            )
        if len(self._tats) > 100_000:  # forget cells that are full again
            self._tats = {k: t for k, t in self._tats.items() if t > now}


# KEYS: cells. ARGV: now, window, then interval_i, cost_i per cell.
_ACQUIRE = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local tats, allowed = {}, 1
for i = 1, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  tats[i] = tat
  if tat + tonumber(ARGV[2 + 2 * i]) * tonumber(ARGV[1 + 2 * i]) - now > window + 1e-9 then
    allowed = 0
  end
end
if allowed == 1 then
  for i = 1, #KEYS do
    local new = tats[i] + tonumber(ARGV[2 + 2 * i]) * tonumber(ARGV[1 + 2 * i])
    redis.call('SET', KEYS[i], string.format('%.6f', new), 'PX',
               math.ceil((new - now) * 1000) + 1000)
  end
end
local out = {allowed}
for i = 1, #KEYS do out[#out + 1] = string.format('%.6f', tats[i]) end
return out
"""

_CHARGE = """
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local tat = tonumber(redis.call('GET', KEYS[i]) or '0')
  if tat < now then tat = now end
  local new = tat + tonumber(ARGV[2 + 2 * i]) * tonumber(ARGV[1 + 2 * i])
  redis.call('SET', KEYS[i], string.format('%.6f', new), 'PX',
             math.ceil((new - now) * 1000) + 1000)
end
return 1
"""


def _translated() -> contextlib.AbstractAsyncContextManager[None]:
    return translate_redis_errors(StoreUnavailable, "the rate limit store in Redis failed")


class RedisRateStore:
    """``RateStore`` in Redis: every instance given the same Redis shares the limits."""

    def __init__(self, redis: Redis, prefix: str = "governs") -> None:
        self._prefix = prefix
        self._acquire = redis.register_script(_ACQUIRE)
        self._charge = redis.register_script(_CHARGE)

    def _call(self, cells: Sequence[Cell], now: float) -> tuple[list[str], list[Any]]:
        keys = [f"{self._prefix}:{{{c.org_id}}}:rl:{c.name}" for c in cells]
        args: list[Any] = [f"{now:.6f}", WINDOW_SECONDS]
        for cell in cells:
            args += [repr(cell.interval), cell.cost]
        return keys, args

    async def acquire(self, cells: Sequence[Cell], now: float) -> tuple[bool, list[float]]:
        keys, args = self._call(cells, now)
        async with _translated():
            allowed, *tats = await self._acquire(keys=keys, args=args)
        return bool(int(allowed)), [float(t) for t in tats]

    async def charge(self, cells: Sequence[Cell], now: float) -> None:
        keys, args = self._call(cells, now)
        async with _translated():
            await self._charge(keys=keys, args=args)


class RequestRateLimiter:
    """Per-key and per-org limits from ``rate_limits``; the request path's one entry."""

    def __init__(
        self,
        config: ProxyRateLimitsConfig,
        store: RateStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._config = config
        self._store = store
        self._clock = clock
        self._background: set[asyncio.Task[None]] = set()
        self._merged: dict[RequestLimits, RequestLimits] = {}
        scopes = (config.per_key, config.per_org)
        self.enabled = any(s.requests_per_minute or s.tokens_per_minute for s in scopes)
        self.counts_tokens = any(s.tokens_per_minute for s in scopes)

    def _key_limits(self, principal: Principal) -> RequestLimits:
        """The key's own limits, each one it leaves unset taken from ``per_key`` (merged once
        per set of limits, not per request)."""
        own = principal.limits
        if own is None:
            return self._config.per_key
        merged = self._merged.get(own)
        if merged is None:
            base = self._config.per_key
            merged = RequestLimits(
                requests_per_minute=own.requests_per_minute or base.requests_per_minute,
                tokens_per_minute=own.tokens_per_minute or base.tokens_per_minute,
            )
            if len(self._merged) < 10_000:
                self._merged[own] = merged
        return merged

    def _cells(self, principal: Principal, requests: int, tokens: int) -> list[Cell]:
        cells = []
        scopes: tuple[tuple[str, RequestLimits], ...] = (
            (f"key:{principal.key_id}", self._key_limits(principal)),
            (f"org:{principal.org_id}", self._config.per_org),
        )
        for scope, limits in scopes:
            org = principal.org_id
            if limits.requests_per_minute and requests:
                limit = limits.requests_per_minute
                cells.append(Cell(f"{scope}:{REQUESTS}", org, REQUESTS, limit, requests))
            if limits.tokens_per_minute:
                limit = limits.tokens_per_minute
                cells.append(Cell(f"{scope}:{TOKENS}", org, TOKENS, limit, tokens))
        return cells

    async def check(
        self, principal: Principal, size: RequestSize | None = None
    ) -> RateLimitStatus | None:
        """Count one request (and its prompt tokens, when a tokens limit applies) or raise
        ``RateLimitError``. Returns the figures for the response's headers; None when no limit
        applies (or the store is down and ``on_unavailable`` is ``allow``)."""
        own = principal.limits  # the key's own limits override rate_limits.per_key
        if not self.enabled and own is None:
            return None
        counts_tokens = self.counts_tokens or (own is not None and bool(own.tokens_per_minute))
        tokens = await size.prompt_tokens() if size is not None and counts_tokens else 0
        cells = self._cells(principal, 1, tokens)
        for cell in cells:
            if cell.cost > cell.limit:
                raise RateLimitError(
                    f"this request has {cell.cost} prompt {cell.kind}, more than the limit of "
                    f"{cell.limit} {cell.kind} per minute ({cell.name.split(':')[0]})",
                    code="rate_limit_exceeded",
                )
        now = self._clock()
        try:
            allowed, tats = await self._store.acquire(cells, now)
        except StoreUnavailable as error:
            if self._config.on_unavailable == "allow":
                log.warning("rate limits unavailable, letting requests pass: %s", error)
                return None
            raise ServiceUnavailableError(
                "rate limits cannot be checked right now: their store is unreachable",
                code="rate_limit_unavailable",
            ) from error
        status = _status(cells, tats, now, taken=allowed)
        if allowed:
            return status
        wait = max(
            tat + cell.cost * cell.interval - WINDOW_SECONDS - now
            for cell, tat in zip(cells, tats, strict=True)
        )
        refused = next(c for c, t in zip(cells, tats, strict=True) if not _fits(c, t, now))
        seconds = max(1, math.ceil(wait))
        raise RateLimitError(
            f"rate limit reached: {refused.limit} {refused.kind} per minute for this "
            f"{'API key' if refused.name.startswith('key:') else 'org'}; "
            f"try again in {duration(max(wait, 0.001))}",
            code="rate_limit_exceeded",
            headers={
                "Retry-After": str(seconds),
                "retry-after-ms": str(max(1, math.ceil(wait * 1000))),
                **status.headers(),
            },
        )

    async def add_tokens(self, principal: Principal, tokens: int) -> None:
        """Count tokens used after the fact (a call's output). Never raises."""
        if not self._counts_tokens_of(principal) or tokens <= 0:
            return
        try:
            await self._store.charge(self._cells(principal, 0, tokens), self._clock())
        except StoreUnavailable as error:
            log.warning("counting tokens against rate limits failed: %s", error)

    def add_tokens_nowait(self, principal: Principal, tokens: int) -> None:
        """``add_tokens`` in the background: for synchronous code and ``finally`` blocks."""
        if tokens > 0 and self._counts_tokens_of(principal):
            self._spawn(self.add_tokens(principal, tokens))

    def _counts_tokens_of(self, principal: Principal) -> bool:
        own = principal.limits
        return self.counts_tokens or (own is not None and bool(own.tokens_per_minute))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def aclose(self) -> None:
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)


def _status(
    cells: Sequence[Cell], tats: Sequence[float], now: float, *, taken: bool
) -> RateLimitStatus:
    """Each kind's tightest cell: remaining units and time until full, after this request if
    it was taken, before it otherwise."""
    tightest: dict[str, CellState] = {}
    for cell, tat in zip(cells, tats, strict=True):
        after = tat + cell.cost * cell.interval if taken else tat
        backlog = max(0.0, after - now)
        state = CellState(
            limit=cell.limit,
            remaining=max(0, math.floor((WINDOW_SECONDS - backlog) / cell.interval + 1e-9)),
            reset_seconds=backlog,
        )
        known = tightest.get(cell.kind)
        if known is None or state.remaining < known.remaining:
            tightest[cell.kind] = state
    return RateLimitStatus(requests=tightest.get(REQUESTS), tokens=tightest.get(TOKENS))
