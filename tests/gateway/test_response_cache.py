"""The response cache through the running gateway: the official SDKs as clients, a fake upstream
counting what reaches it, the in-process store and Redis (shared, and away)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest
from redis.asyncio import Redis

from core.storage import keys as key_queries
from core.storage.database import create_engine, session_factory
from governs.cli_policies import PolicyBody, apply_policy
from tests.conftest import TEST_BOOTSTRAP_KEY, proxy_config
from tests.fakes.server import FakeUpstream
from tests.governs.test_cli import free_port
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway
from tests.services import REDIS_URL

EMAIL = "jane.doe@example.com"


def _start(
    thread: ServiceThread,
    fakes: dict[str, FakeUpstream],
    directory: Path,
    **extra: Any,
) -> RunningGateway:
    raw = proxy_config(
        fakes, f"sqlite+aiosqlite:///{directory / 'governs.db'}", directory / "spool"
    )
    raw.update(extra)
    return start_gateway(thread, gateway_settings(raw, bootstrap_key=TEST_BOOTSTRAP_KEY))


@pytest.fixture(scope="module")
def cached(
    service_thread: ServiceThread,
    fakes: dict[str, FakeUpstream],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    """The default: answers kept in this process."""
    running = _start(
        service_thread,
        fakes,
        tmp_path_factory.mktemp("cache-memory"),
        response_cache={"models": {"gpt-4o-mini-tools": {"enabled": False}}},
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def shared(
    service_thread: ServiceThread,
    fakes: dict[str, FakeUpstream],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    """Answers kept in Redis."""
    running = _start(
        service_thread,
        fakes,
        tmp_path_factory.mktemp("cache-redis"),
        redis={"url": REDIS_URL},
        response_cache={"backend": "redis"},
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def redis_away(
    service_thread: ServiceThread,
    fakes: dict[str, FakeUpstream],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    """Configured for Redis, which nothing answers: the cache is skipped."""
    running = _start(
        service_thread,
        fakes,
        tmp_path_factory.mktemp("cache-away"),
        redis={"url": f"redis://127.0.0.1:{free_port()}/0"},
        response_cache={"backend": "redis"},
        # Budgets and rate limits stay in this process: only the cache meets the dead Redis.
        budgets={"enabled": False},
    )
    yield running
    running.stop()


def _client(gateway: RunningGateway, key: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=gateway.openai_base_url, api_key=key or gateway.api_key, max_retries=0
    )


def _prompt() -> list[dict[str, str]]:
    return [{"role": "user", "content": f"cache me {uuid.uuid4().hex}"}]


def _usage_rows(gateway: RunningGateway, correlation_id: str) -> list[dict[str, Any]]:
    return gateway.rows("usage_records", correlation_id=correlation_id)


def _ask(
    client: openai.OpenAI, messages: list[dict[str, str]], **extra: Any
) -> tuple[Any, httpx.Response]:
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=messages, **extra
    )
    return raw.parse(), raw.http_response


def test_a_repeat_is_served_from_the_cache_at_no_cost(
    cached: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client = _client(cached)
    messages = _prompt()
    before = len(fake_openai.received)
    first, first_http = _ask(client, messages, extra_body={"cache": {"ttl": 60}})
    assert first_http.headers["x-governs-cache"] == "miss"
    assert "cache" not in fake_openai.received[-1].body  # the gateway's, never the provider's
    correlation = f"hit-{uuid.uuid4().hex}"
    second, second_http = _ask(
        client,
        messages,
        extra_body={"cache": {"ttl": 60}},
        extra_headers={"X-Request-ID": correlation},
    )
    assert second_http.headers["x-governs-cache"] == "hit"
    assert len(fake_openai.received) == before + 1
    assert second.choices[0].message.content == first.choices[0].message.content
    assert second.usage is not None and first.usage is not None
    assert second.usage.prompt_tokens == first.usage.prompt_tokens
    # What the call cost, in the headers and in the usage rows: a hit is free, and says what
    # it saved.
    cost = Decimal(first_http.headers["x-governs-cost"])
    assert cost > 0
    assert second_http.headers["x-governs-cost"] == "0.00"
    (hit,) = _usage_rows(cached, correlation)
    assert hit["cost"] == 0 and hit["saved"] == cost and hit["cost_type"] == "cache"
    (decision,) = [
        d
        for d in cached.rows("decisions", correlation_id=correlation)
        if d["direction"] == "postcheck"
    ]
    assert "cache:hit" in decision["tags"]


def test_a_request_that_does_not_ask_is_never_cached(
    cached: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client = _client(cached)
    messages = _prompt()
    before = len(fake_openai.received)
    for _ in range(2):
        _, http = _ask(client, messages, temperature=0)
        assert "x-governs-cache" not in http.headers
    assert len(fake_openai.received) == before + 2


def test_a_stream_is_replayed_as_a_stream(
    cached: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client = _client(cached)
    messages = _prompt()
    before = len(fake_openai.received)
    texts = []
    for expected in ("miss", "hit"):
        with client.chat.completions.with_streaming_response.create(
            model="gpt-4o-mini",
            messages=messages,
            stream=True,
            stream_options={"include_usage": True},
            extra_headers={"x-governs-cache-ttl": "60"},
        ) as response:
            assert response.headers["x-governs-cache"] == expected
            assert "x-governs-cost" not in response.headers  # unknown when headers go out
            chunks = list(response.parse())
        assert len(chunks) > 2  # word by word, as the upstream sent it
        assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
        texts.append("".join(c.choices[0].delta.content or "" for c in chunks if c.choices))
    assert texts[0] == texts[1] and texts[0]
    assert len(fake_openai.received) == before + 1
    # A stream and a whole answer are different entries.
    _, http = _ask(client, messages, extra_headers={"x-governs-cache-ttl": "60"})
    assert http.headers["x-governs-cache"] == "miss"


def test_the_anthropic_api_asks_with_the_header(
    cached: RunningGateway, fake_anthropic: FakeUpstream
) -> None:
    client = anthropic.Anthropic(base_url=cached.base_url, api_key=cached.api_key, max_retries=0)
    messages = [{"role": "user", "content": f"cache me {uuid.uuid4().hex}"}]
    before = len(fake_anthropic.received)
    answers = []
    for expected in ("miss", "hit"):
        raw = client.messages.with_raw_response.create(
            model="claude",
            max_tokens=100,
            messages=messages,  # type: ignore[arg-type]
            extra_headers={"x-governs-cache-ttl": "60"},
        )
        assert raw.http_response.headers["x-governs-cache"] == expected
        answers.append(raw.parse())
    assert answers[0].content == answers[1].content
    assert answers[1].usage.input_tokens == answers[0].usage.input_tokens
    assert len(fake_anthropic.received) == before + 1


def _create_key(gateway: RunningGateway, **fields: Any) -> str:
    created = httpx.post(
        f"{gateway.base_url}/api/v1/keys",
        headers={"Authorization": f"Bearer {gateway.api_key}"},
        json={"name": f"cache-{uuid.uuid4().hex[:8]}", "scopes": ["precheck:invoke"], **fields},
    )
    assert created.status_code == 201, created.text
    assert created.json()["cacheTtlSeconds"] == fields.get("cacheTtlSeconds")
    return str(created.json()["keyValue"])


def test_a_key_s_ttl_caches_only_its_temperature_0_requests(
    cached: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client = _client(cached, _create_key(cached, cacheTtlSeconds=60))
    deterministic, sampled = _prompt(), _prompt()
    before = len(fake_openai.received)
    assert _ask(client, deterministic, temperature=0)[1].headers["x-governs-cache"] == "miss"
    assert _ask(client, deterministic, temperature=0)[1].headers["x-governs-cache"] == "hit"
    for _ in range(2):  # sampled: not cached unless the request itself asks
        assert "x-governs-cache" not in _ask(client, sampled, temperature=0.7)[1].headers
    assert len(fake_openai.received) == before + 3
    # Asked explicitly, a sampled request is cached too.
    for expected in ("miss", "hit"):
        _, http = _ask(client, sampled, temperature=0.7, extra_body={"cache": {"ttl": 30}})
        assert http.headers["x-governs-cache"] == expected


def test_a_model_can_be_left_out_of_the_cache(cached: RunningGateway) -> None:
    client = _client(cached)
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini-tools",
        messages=_prompt(),
        extra_body={"cache": {"ttl": 60}},
    )
    assert "x-governs-cache" not in raw.http_response.headers


@pytest.mark.parametrize(
    ("body", "headers", "param"),
    [
        ({"cache": {"ttl": -1}}, {}, "cache.ttl"),
        ({"cache": {"ttl": "60"}}, {}, "cache.ttl"),
        ({"cache": 60}, {}, "cache.ttl"),
        ({"cache": {"ttl": 60, "mode": "x"}}, {}, "cache.ttl"),
        ({}, {"x-governs-cache-ttl": "soon"}, "x-governs-cache-ttl"),
    ],
)
def test_a_bad_ttl_is_a_400_naming_it(
    cached: RunningGateway, body: dict[str, Any], headers: dict[str, str], param: str
) -> None:
    client = _client(cached)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=_prompt(), extra_body=body, extra_headers=headers
        )
    error = caught.value.response.json()["error"]
    assert error["code"] == "invalid_cache_ttl" and error["param"] == param


async def _org_with_policy(gateway: RunningGateway, policy: dict[str, Any]) -> str:
    slug = f"cache-{uuid.uuid4().hex[:10]}"
    engine = create_engine(gateway.settings.database)
    try:
        async with session_factory(engine).begin() as session:
            org = await key_queries.get_or_create_org(session, slug)
            _, secret = await key_queries.create_key(
                session, org, label="cache", scopes=("precheck:invoke",)
            )
    finally:
        await engine.dispose()
    await apply_policy(gateway.settings, slug, PolicyBody.model_validate({"name": "t", **policy}))
    return secret


async def _redis_values() -> list[bytes]:
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter(match="governs:cache:*")]
        return [v for v in await redis.mget(keys) if v is not None] if keys else []
    finally:
        await redis.aclose()


def test_redis_shares_entries_and_they_hold_no_raw_pii(
    shared: RunningGateway, fake_openai: FakeUpstream
) -> None:
    key = asyncio.run(
        _org_with_policy(shared, {"toolAccessMatrix": {"ai.generate": {"email": "tokenize"}}})
    )
    shared.thread.run(shared.gateway.policies.refresh())
    client = _client(shared, key)
    messages = [{"role": "user", "content": f"write to {EMAIL} {uuid.uuid4().hex}"}]
    before = len(fake_openai.received)
    answers = []
    for expected in ("miss", "hit"):
        answer, http = _ask(client, messages, extra_body={"cache": {"ttl": 60}})
        assert http.headers["x-governs-cache"] == expected
        answers.append(answer.choices[0].message.content)
    assert len(fake_openai.received) == before + 1
    assert EMAIL not in str(fake_openai.received[-1].body)
    # The upstream saw a token; each answer comes back with the value restored.
    assert answers[0] == answers[1] and EMAIL in answers[1]
    shared.thread.run(asyncio.sleep(0.05))
    values = asyncio.run(_redis_values())
    assert values and not any(EMAIL.encode() in v for v in values)


def test_redis_away_skips_the_cache_without_an_error(
    redis_away: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client = _client(redis_away)
    messages = _prompt()
    before = len(fake_openai.received)
    for _ in range(2):
        answer, http = _ask(client, messages, extra_body={"cache": {"ttl": 60}})
        assert http.status_code == 200 and answer.choices[0].message.content
        assert http.headers["x-governs-cache"] == "miss"
    assert len(fake_openai.received) == before + 2


def _embed(client: openai.OpenAI, text: str, **extra: Any) -> tuple[Any, httpx.Response]:
    raw = client.embeddings.with_raw_response.create(
        model="text-embedding-3-small", input=[text, "a second chunk"], **extra
    )
    return raw.parse(), raw.http_response


def test_a_repeated_embedding_is_served_from_the_cache_at_no_cost(
    cached: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client = _client(cached)
    text = f"embed me {uuid.uuid4().hex}"
    before = len(fake_openai.received)
    first, first_http = _embed(client, text, extra_body={"cache": {"ttl": 60}})
    assert first_http.headers["x-governs-cache"] == "miss"
    assert fake_openai.received[-1].path.endswith("/embeddings")
    assert "cache" not in fake_openai.received[-1].body  # the gateway's, never the provider's
    correlation = f"embed-hit-{uuid.uuid4().hex}"
    second, second_http = _embed(
        client,
        text,
        extra_body={"cache": {"ttl": 60}},
        extra_headers={"X-Request-ID": correlation},
    )
    assert second_http.headers["x-governs-cache"] == "hit"
    assert len(fake_openai.received) == before + 1  # the repeat never reached the provider
    assert [d.embedding for d in second.data] == [d.embedding for d in first.data]
    assert second.usage.prompt_tokens == first.usage.prompt_tokens > 0
    cost = Decimal(first_http.headers["x-governs-cost"])
    assert cost > 0
    assert second_http.headers["x-governs-cost"] == "0.00"
    (hit,) = _usage_rows(cached, correlation)
    assert hit["cost"] == 0 and hit["saved"] == cost and hit["cost_type"] == "cache"
    assert hit["input_tokens"] == first.usage.prompt_tokens
    # Other input is another entry; the header asks as the body field does.
    for expected in ("miss", "hit"):
        _, http = _embed(client, f"{text}!", extra_headers={"x-governs-cache-ttl": "60"})
        assert http.headers["x-governs-cache"] == expected
    assert len(fake_openai.received) == before + 2


def test_a_key_s_ttl_caches_its_embeddings(
    cached: RunningGateway, fake_openai: FakeUpstream
) -> None:
    # An embedding is the same for the same input: no temperature to ask for.
    client = _client(cached, _create_key(cached, cacheTtlSeconds=60))
    text = f"embed me {uuid.uuid4().hex}"
    before = len(fake_openai.received)
    assert _embed(client, text)[1].headers["x-governs-cache"] == "miss"
    assert _embed(client, text)[1].headers["x-governs-cache"] == "hit"
    assert len(fake_openai.received) == before + 1
    # Without a TTL of its own or of its key, nothing is cached.
    for _ in range(2):
        assert "x-governs-cache" not in _embed(_client(cached), text)[1].headers
    assert len(fake_openai.received) == before + 3


@pytest.mark.parametrize("stream", [False, True])
def test_native_responses_are_cached_too(
    cached: RunningGateway, fake_openai: FakeUpstream, stream: bool
) -> None:
    """``/v1/responses`` sent as it came to OpenAI's own Responses API: a repeat is replayed
    (whole, or as the same event stream) without reaching the provider."""
    client = _client(cached)
    question = f"cache me natively {uuid.uuid4().hex}"
    before = len(fake_openai.received)
    texts = []
    for expected in ("miss", "hit"):
        with client.responses.with_streaming_response.create(
            model="gpt-4o-mini",
            input=question,
            stream=stream,
            extra_headers={"x-governs-cache-ttl": "60"},
        ) as response:
            assert response.headers["x-governs-cache"] == expected
            if stream:
                events = list(response.parse())
                assert events[-1].type == "response.completed"
                texts.append(events[-1].response.output_text)
            else:
                texts.append(response.parse().output_text)
    assert texts == [f"echo: {question}"] * 2
    assert len(fake_openai.received) == before + 1
    assert fake_openai.received[-1].path == "/v1/responses"
