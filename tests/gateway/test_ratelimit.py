"""Per-key and per-org rate limits (GCRA), in memory and in Redis, with OpenAI's headers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from redis import Redis as SyncRedis
from redis.exceptions import RedisError

from core.errors import RateLimitError, ServiceUnavailableError
from core.settings import ProxyRateLimitsConfig, RequestLimits
from gateway.auth import Principal
from gateway.budgets.estimate import RequestSize
from gateway.ratelimit import (
    MemoryRateStore,
    RateStore,
    RedisRateStore,
    RequestRateLimiter,
    duration,
)
from gateway.redis_client import connect_redis
from tests.gateway.budgets.conftest import TEST_REDIS_TIMEOUT_SECONDS
from tests.services import REDIS_URL, missing


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def principal(key: str = "k1", org: str | None = None) -> Principal:
    return Principal(key, org or "org", "slug", None, frozenset())


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[RateStore]:
    if request.param == "memory":
        yield MemoryRateStore()
        return
    try:
        SyncRedis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except (RedisError, OSError) as error:
        missing(f"Redis is not reachable at {REDIS_URL} ({type(error).__name__})")
    # Test-only waits, as the budget tests': a hundred checks at once open 64 connections in
    # one burst, which a loaded CI machine may take over the gateway's 1 s for.
    redis = connect_redis(
        REDIS_URL, timeout=TEST_REDIS_TIMEOUT_SECONDS, pool_wait=TEST_REDIS_TIMEOUT_SECONDS
    )
    yield RedisRateStore(redis, prefix=f"governs-test-{uuid.uuid4().hex[:12]}")
    await redis.aclose()


@pytest.fixture
def limiter(store: RateStore) -> Callable[..., Any]:
    def make(**config: Any) -> tuple[RequestRateLimiter, Clock]:
        clock = Clock()
        return RequestRateLimiter(ProxyRateLimitsConfig.model_validate(config), store, clock), clock

    return make


async def test_requests_per_minute_with_openai_headers(limiter: Callable[..., Any]) -> None:
    rate, clock = limiter(per_key={"requests_per_minute": 3})
    statuses = [await rate.check(principal()) for _ in range(3)]
    assert [s.requests.remaining for s in statuses] == [2, 1, 0]
    assert statuses[0].tokens is None
    assert statuses[-1].headers() == {
        "x-ratelimit-limit-requests": "3",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "1m0s",
    }
    with pytest.raises(RateLimitError) as refused:
        await rate.check(principal())
    error = refused.value
    assert error.http_status == 429 and error.code == "rate_limit_exceeded"
    assert error.headers["Retry-After"] == "20" and error.headers["retry-after-ms"] == "20000"
    assert error.headers["x-ratelimit-remaining-requests"] == "0"
    assert "3 requests per minute for this API key" in error.message
    clock.now += 20
    assert (await rate.check(principal())).requests.remaining == 0
    assert await rate.check(principal("another-key")) is not None  # its own cell


async def test_a_refused_request_takes_nothing(limiter: Callable[..., Any]) -> None:
    rate, _ = limiter(per_key={"requests_per_minute": 1}, per_org={"requests_per_minute": 3})
    await rate.check(principal("a"))
    for _ in range(5):
        with pytest.raises(RateLimitError):
            await rate.check(principal("a"))
    # The org cell was not charged by a's refusals: two more keys fit, the third does not.
    await rate.check(principal("b"))
    status = await rate.check(principal("c"))
    assert status.requests.remaining == 0  # the org's cell is the tighter one now
    with pytest.raises(RateLimitError, match="for this org"):
        await rate.check(principal("d"))


async def test_tokens_per_minute_count_prompt_then_output(limiter: Callable[..., Any]) -> None:
    rate, clock = limiter(per_org={"tokens_per_minute": 1000})
    status = await rate.check(principal(), RequestSize.fixed(400, None))
    assert status.tokens.remaining == 600 and status.requests is None
    assert status.headers()["x-ratelimit-reset-tokens"] == "24s"
    await rate.add_tokens(principal(), 700)  # the output: over the limit now
    with pytest.raises(RateLimitError) as refused:
        await rate.check(principal(), RequestSize.fixed(1, None))
    assert refused.value.headers["Retry-After"] == "7"  # 100 tokens over + 1 at 16.7 per second
    clock.now += 7
    assert (await rate.check(principal(), RequestSize.fixed(1, None))) is not None


async def test_a_request_larger_than_the_limit_is_refused_outright(
    limiter: Callable[..., Any],
) -> None:
    rate, _ = limiter(per_key={"tokens_per_minute": 100})
    with pytest.raises(RateLimitError, match="more than the limit of 100 tokens per minute"):
        await rate.check(principal(), RequestSize.fixed(101, None))


async def test_concurrent_checks_let_exactly_the_limit_through(
    limiter: Callable[..., Any],
) -> None:
    rate, _ = limiter(per_key={"requests_per_minute": 10})
    results = await asyncio.gather(
        *(rate.check(principal()) for _ in range(100)), return_exceptions=True
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 10
    assert all(isinstance(r, RateLimitError) for r in results if isinstance(r, BaseException))


async def test_off_by_default_and_nothing_is_counted(limiter: Callable[..., Any]) -> None:
    rate, _ = limiter()

    def never() -> int:
        raise AssertionError("no limit: no counting")

    assert not rate.enabled
    assert await rate.check(principal(), RequestSize(never, text="x", output_tokens=0)) is None
    await rate.add_tokens(principal(), 10)
    rate.add_tokens_nowait(principal(), 10)
    await rate.aclose()


async def test_redis_down_fails_closed_unless_allowed() -> None:
    dead = connect_redis("redis://127.0.0.1:9/0")
    try:
        limits = {"per_key": {"requests_per_minute": 5}}
        closed = RequestRateLimiter(
            ProxyRateLimitsConfig.model_validate(limits), RedisRateStore(dead)
        )
        with pytest.raises(ServiceUnavailableError) as down:
            await closed.check(principal())
        assert down.value.http_status == 503 and down.value.code == "rate_limit_unavailable"
        opened = RequestRateLimiter(
            ProxyRateLimitsConfig.model_validate({**limits, "on_unavailable": "allow"}),
            RedisRateStore(dead),
        )
        assert await opened.check(principal()) is None
        await opened.add_tokens(principal(), 5)  # never raises
    finally:
        await dead.aclose()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0ms"), (0.12, "120ms"), (1, "1s"), (1.5, "1.5s"), (8.641, "8.641s"), (60, "1m0s"),
     (360, "6m0s"), (61.25, "1m1.25s")],
)  # fmt: skip
def test_durations_are_written_as_openai_writes_them(seconds: float, text: str) -> None:
    assert duration(seconds) == text


async def test_a_keys_own_limits_replace_per_key_one_by_one(limiter: Callable[..., Any]) -> None:
    rate, _ = limiter(per_key={"requests_per_minute": 100, "tokens_per_minute": 1000})
    own = Principal("own", "org", "slug", None, frozenset(), limits=RequestLimits(
        requests_per_minute=1
    ))  # fmt: skip
    status = await rate.check(own, RequestSize.fixed(400, None))
    assert status is not None and status.requests is not None and status.tokens is not None
    assert (status.requests.limit, status.tokens.limit) == (1, 1000)  # tokens: the config's
    with pytest.raises(RateLimitError):
        await rate.check(own, RequestSize.fixed(1, None))
    # Without a limit in the config, a key's own limit still holds (and only for that key).
    off, _ = limiter()
    only = Principal("only", "org", "slug", None, frozenset(), limits=RequestLimits(
        tokens_per_minute=50
    ))  # fmt: skip
    with pytest.raises(RateLimitError):
        await off.check(only, RequestSize.fixed(60, None))
    assert await off.check(principal("plain"), RequestSize.fixed(60, None)) is None
