"""The response cache's own rules, without a server: who is cached for how long, per-model
limits, the in-process LRU's bounds and expiry, and entries that survive any bytes."""

from __future__ import annotations

import asyncio

import pytest

from core.errors import InvalidRequestError
from core.settings import ResponseCacheConfig
from gateway.response_cache import (
    CachedAnswer,
    CacheLookup,
    MemoryStore,
    ResponseCache,
    requested_ttl,
)

BODY = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0}


def cache(**config: object) -> ResponseCache:
    return ResponseCache(ResponseCacheConfig.model_validate(config), MemoryStore(100, 10**6))


def lookup(
    c: ResponseCache,
    *,
    body: dict[str, object] = BODY,
    asked: int | None = None,
    key: int | None = None,
    org: str = "o1",
    model: str = "m",
) -> CacheLookup | None:
    return c.lookup_for(
        org_id=org, api="openai", model=model, body=body, asked_ttl=asked, key_ttl=key
    )


def test_ttls_are_capped_per_model_and_zero_means_no_cache() -> None:
    c = cache(max_ttl_seconds=600, models={"short": {"max_ttl_seconds": 30}})
    assert (found := lookup(c, asked=3600)) is not None and found.ttl == 600
    assert (found := lookup(c, asked=3600, model="short")) is not None and found.ttl == 30
    assert lookup(c, asked=0) is None
    assert lookup(c, asked=0, key=60) is None  # the request's own 0 wins over its key's TTL


def test_a_key_s_ttl_needs_temperature_0() -> None:
    c = cache()
    assert lookup(c, key=60) is not None
    assert lookup(c, key=60, body={**BODY, "temperature": 0.2}) is None
    assert lookup(c, key=60, body={k: v for k, v in BODY.items() if k != "temperature"}) is None
    assert lookup(c, asked=60, body={**BODY, "temperature": 0.2}) is not None


def test_keys_differ_by_org_model_and_body_only() -> None:
    c = cache()
    first = lookup(c, asked=60)
    assert first is not None
    same = lookup(c, asked=60, body=dict(reversed(list(BODY.items()))))  # key order: no matter
    assert same is not None and same.key == first.key
    for other in (
        lookup(c, asked=60, org="o2"),
        lookup(c, asked=60, model="m2"),
        lookup(c, asked=60, body={**BODY, "messages": [{"role": "user", "content": "hi!"}]}),
    ):
        assert other is not None and other.key != first.key


def test_off_and_per_model_off() -> None:
    assert lookup(cache(enabled=False), asked=60) is None
    assert lookup(cache(models={"m": {"enabled": False}}), asked=60) is None


async def test_the_memory_store_evicts_the_least_recently_used_and_expires() -> None:
    store = MemoryStore(max_entries=2, max_bytes=100)
    await store.set("a", b"1" * 10, 60)
    await store.set("b", b"2" * 10, 60)
    assert await store.get("a") == b"1" * 10  # a is now the most recently used
    await store.set("c", b"3" * 10, 60)
    assert await store.get("b") is None and await store.get("a") is not None
    await store.set("big", b"4" * 95, 60)  # over the byte bound with the others: they go
    assert len(store) == 1 and await store.get("big") is not None
    await store.set("huge", b"5" * 101, 60)  # bigger than the whole store: not kept
    assert await store.get("huge") is None
    await store.set("short", b"6", 1)
    await asyncio.sleep(1.05)
    assert await store.get("short") is None


async def test_an_answer_too_big_for_its_model_is_not_stored() -> None:
    c = cache(max_entry_bytes=2048)
    found = lookup(c, asked=60)
    assert found is not None
    c.put_nowait(found, CachedAnswer((b"x" * 4096,), False, "p/m"))
    await c.wait_idle()
    assert await c.get(found) is None
    c.put_nowait(found, CachedAnswer((b"x" * 100,), False, "p/m"))
    await c.wait_idle()
    assert await c.get(found) is not None


def test_entries_keep_any_bytes_and_their_pieces() -> None:
    snowman = "☃".encode()
    pieces = (b'data: {"x": "' + snowman[:1], snowman[1:] + b'"}\n\n', b"data: [DONE]\n\n")
    answer = CachedAnswer(pieces, True, "fake-openai/gpt-4o-mini")
    assert CachedAnswer.decode(answer.encode()) == answer
    assert CachedAnswer.decode(b"not json\n") is None
    assert CachedAnswer.decode(answer.encode()[:-3]) is None  # cut short: a miss, not junk


@pytest.mark.parametrize(
    ("body", "headers", "expected"),
    [
        ({"cache": {"ttl": 60}}, {}, 60),
        ({}, {"x-governs-cache-ttl": "30"}, 30),
        ({"cache": {"ttl": 60}}, {"x-governs-cache-ttl": "5"}, 5),  # the header is the later
        ({}, {}, None),
    ],
)
def test_requested_ttl(body: dict[str, object], headers: dict[str, str], expected: int) -> None:
    assert requested_ttl(headers, body) == expected
    assert "cache" not in body  # never forwarded


def test_a_ttl_too_long_to_be_seconds_is_refused() -> None:
    with pytest.raises(InvalidRequestError):
        requested_ttl({"x-governs-cache-ttl": "9" * 12}, {})
