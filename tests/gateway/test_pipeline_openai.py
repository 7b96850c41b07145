"""The openai SDK through the gateway to a fake OpenAI upstream, on SQLite and PostgreSQL.

Checks that the client gets exactly what the upstream sent, and that the decision and usage
rows appear with the right tokens and cost.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import httpx
import openai
import orjson
import pytest

from tests.fakes.openai_upstream import FAKE_OPENAI_KEY
from tests.fakes.server import FakeUpstream
from tests.harness import RunningGateway

MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "say hello to the gateway"},
]
# The fake counts 10 tokens per message plus one per word.
PROMPT_TOKENS = (10 + 3) + (10 + 5)
COMPLETION = "echo: say hello to the gateway"
COMPLETION_TOKENS = 6


def cost(input_tokens: int, output_tokens: int) -> Decimal:
    return (input_tokens * Decimal("0.15") + output_tokens * Decimal("0.60")) / Decimal(1_000_000)


def request_id() -> str:
    return f"test-{uuid.uuid4().hex}"


def sync_client(gateway: RunningGateway, **headers: str) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=gateway.openai_base_url,
        api_key=gateway.api_key,
        max_retries=0,
        default_headers=headers,
    )


def async_client(gateway: RunningGateway, **headers: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        base_url=gateway.openai_base_url,
        api_key=gateway.api_key,
        max_retries=0,
        default_headers=headers,
    )


def assert_records(
    gateway: RunningGateway,
    correlation_id: str,
    input_tokens: int,
    output_tokens: int,
    *,
    estimated: bool = False,
) -> None:
    decisions = gateway.rows("decisions", correlation_id=correlation_id)
    assert sorted(d["direction"] for d in decisions) == ["postcheck", "precheck"]
    assert {d["decision"] for d in decisions} == {"allow"}
    assert all(d["tool"] == "ai.generate" for d in decisions)
    usage = gateway.rows("usage_records", correlation_id=correlation_id)
    assert len(usage) == 1
    record = usage[0]
    assert (record["input_tokens"], record["output_tokens"]) == (input_tokens, output_tokens)
    assert record["provider"] == "fake-openai"
    assert record["cost"] == cost(input_tokens, output_tokens)
    assert record["metadata"]["estimated"] is estimated


def test_sync_sdk_gets_the_upstream_body_and_records_are_written(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    correlation_id = request_id()
    client = sync_client(gateway, **{"X-Request-ID": correlation_id})
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
    assert raw.http_response.content == fake_openai.sent[-1]
    assert raw.headers["x-request-id"] == correlation_id
    completion = raw.parse()
    assert completion.choices[0].message.content == COMPLETION
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == PROMPT_TOKENS
    assert_records(gateway, correlation_id, PROMPT_TOKENS, COMPLETION_TOKENS)


def test_the_provider_key_and_body_reach_the_upstream(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client = sync_client(gateway)
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=MESSAGES,
        temperature=0.5,
        extra_body={"vendor_field": {"a": 1}},
    )
    received = fake_openai.received[-1]
    assert received.headers["Authorization"] == f"Bearer {FAKE_OPENAI_KEY}"
    assert gateway.api_key not in str(received.headers)
    assert received.body["messages"] == MESSAGES
    assert received.body["temperature"] == 0.5
    assert received.body["vendor_field"] == {"a": 1}


def test_cookies_an_upstream_sets_are_never_sent_back(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    """One client session serves every org: a cookie jar would hand one caller's upstream
    cookies to the next."""
    client = sync_client(gateway)
    for _ in range(2):
        client.chat.completions.create(model="gpt-4o-mini-by-hostname", messages=MESSAGES)
        received = fake_openai.received[-1]
        assert received.headers["Host"].startswith("localhost:")
        assert "Cookie" not in received.headers


def test_upstream_connections_go_back_to_the_pool(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    """A call read to its end, streamed or not, leaves its upstream connection open for the
    next one: calls one after another open at most one new connection (the pool may already
    hold idle ones from earlier tests, taken in turn)."""
    client = sync_client(gateway)
    known = {r.client_port for r in fake_openai.received}
    first = len(fake_openai.received)
    for _ in range(3):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        for _chunk in client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        ):
            pass
    ports = [r.client_port for r in fake_openai.received[first:]]
    assert len(ports) == 6 and None not in ports
    assert len(set(ports) - known) <= 1, ports


async def test_async_sdk_stream_with_usage_is_byte_identical(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    correlation_id = request_id()
    client = async_client(gateway, **{"X-Request-ID": correlation_id})
    async with client.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        body = b"".join([chunk async for chunk in response.iter_bytes()])
    assert body == fake_openai.sent[-1]
    assert_records(gateway, correlation_id, PROMPT_TOKENS, COMPLETION_TOKENS)


async def test_async_sdk_stream_parses_text_and_usage(gateway: RunningGateway) -> None:
    client = async_client(gateway)
    stream = await client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    text, usage = "", None
    async for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
        if chunk.usage:
            usage = chunk.usage
    assert text == COMPLETION
    assert usage is not None and usage.completion_tokens == COMPLETION_TOKENS


def test_stream_without_include_usage_hides_usage_but_still_bills(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    correlation_id = request_id()
    client = sync_client(gateway, **{"X-Request-ID": correlation_id})
    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    ) as response:
        body = b"".join(response.iter_bytes())
    # The gateway asked the upstream for usage; the client did not, so it gets OpenAI's plain
    # stream: no usage chunk and no "usage" field.
    assert fake_openai.received[-1].body["stream_options"] == {"include_usage": True}
    assert b'"usage"' not in body
    usage_event = next(e for e in fake_openai.sent[-1].split(b"\n\n") if b'"choices":[]' in e)
    expected = fake_openai.sent[-1].replace(usage_event + b"\n\n", b"")
    assert body == expected.replace(b',"usage":null', b"")
    events = [e for e in body.split(b"\n\n") if e]
    assert events[-1] == b"data: [DONE]"
    assert_records(gateway, correlation_id, PROMPT_TOKENS, COMPLETION_TOKENS)


def test_sync_sdk_stream_iterates_chunks(gateway: RunningGateway) -> None:
    client = sync_client(gateway)
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text == COMPLETION


def test_tool_calls_pass_through(gateway: RunningGateway) -> None:
    client = sync_client(gateway)
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    completion = client.chat.completions.create(
        model="gpt-4o-mini-tools", messages=MESSAGES, tools=tools
    )
    call = completion.choices[0].message.tool_calls[0]
    assert (call.function.name, orjson.loads(call.function.arguments)) == (
        "get_weather",
        {"city": "Paris"},
    )
    assert completion.choices[0].finish_reason == "tool_calls"


def test_upstream_without_usage_is_counted_with_tiktoken(gateway: RunningGateway) -> None:
    correlation_id = request_id()
    client = sync_client(gateway, **{"X-Request-ID": correlation_id})
    completion = client.chat.completions.create(model="gpt-4o-mini-no-usage", messages=MESSAGES)
    assert completion.usage is None
    tokens = gateway.gateway.tokens
    expected_input = tokens.count_chat_prompt(MESSAGES, "gpt-4o-mini-no-usage")
    expected_output = tokens.count_text(COMPLETION, "gpt-4o-mini-no-usage")
    assert_records(gateway, correlation_id, expected_input, expected_output, estimated=True)


@pytest.mark.parametrize(
    ("model", "status", "error_class"),
    [
        ("gpt-4o-mini-error-500", 500, openai.InternalServerError),
        ("gpt-4o-mini-error-429", 429, openai.RateLimitError),
        ("gpt-4o-mini-error-400", 400, openai.BadRequestError),
    ],
)
def test_upstream_errors_keep_their_status_and_shape(
    gateway: RunningGateway, model: str, status: int, error_class: type[openai.APIStatusError]
) -> None:
    correlation_id = request_id()
    client = sync_client(gateway, **{"X-Request-ID": correlation_id})
    with pytest.raises(error_class) as caught:
        client.chat.completions.create(model=model, messages=MESSAGES)
    assert caught.value.status_code == status
    body = caught.value.response.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    if status == 429:
        assert caught.value.response.headers["retry-after"] == "1"
    decisions = gateway.rows("decisions", correlation_id=correlation_id)
    assert {(d["direction"], d["decision"]) for d in decisions} == {
        ("precheck", "allow"),
        ("postcheck", "error"),
    }
    assert gateway.rows("usage_records", correlation_id=correlation_id) == []


def test_streamed_upstream_error_is_an_openai_error(gateway: RunningGateway) -> None:
    client = sync_client(gateway)
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(
            model="gpt-4o-mini-error-500", messages=MESSAGES, stream=True
        )


def test_unreadable_upstream_body_is_a_502(gateway: RunningGateway) -> None:
    response = httpx.post(
        f"{gateway.openai_base_url}/chat/completions",
        headers={"Authorization": f"Bearer {gateway.api_key}"},
        json={"model": "gpt-4o-mini-bad-json", "messages": MESSAGES},
    )
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "bad_upstream_response"


def test_a_stream_cut_short_is_billed_for_what_it_produced(gateway: RunningGateway) -> None:
    correlation_id = request_id()
    client = sync_client(gateway, **{"X-Request-ID": correlation_id})
    received = ""
    with pytest.raises(openai.APIError):  # raised while iterating
        stream = client.chat.completions.create(
            model="gpt-4o-mini-cut", messages=MESSAGES, stream=True
        )
        for chunk in stream:
            if chunk.choices:
                received += chunk.choices[0].delta.content or ""
    assert received == "echo: say"
    tokens = gateway.gateway.tokens
    usage = gateway.rows("usage_records", correlation_id=correlation_id)
    assert len(usage) == 1
    assert usage[0]["output_tokens"] == tokens.count_text("echo: say", "gpt-4o-mini-cut")
    assert usage[0]["input_tokens"] == tokens.count_chat_prompt(MESSAGES, "gpt-4o-mini-cut")
    assert usage[0]["metadata"]["estimated"] is True
    postcheck = [
        d
        for d in gateway.rows("decisions", correlation_id=correlation_id)
        if d["direction"] == "postcheck"
    ]
    assert "stream:upstream_cut" in postcheck[0]["tags"]


def test_unpriced_model_records_unknown_cost(gateway: RunningGateway) -> None:
    correlation_id = request_id()
    sync_client(gateway, **{"X-Request-ID": correlation_id}).chat.completions.create(
        model="unpriced-model", messages=MESSAGES
    )
    (record,) = gateway.rows("usage_records", correlation_id=correlation_id)
    assert record["cost"] is None and record["cost_type"] == "unknown"


def test_request_id_is_generated_when_absent(gateway: RunningGateway) -> None:
    raw = sync_client(gateway).chat.completions.with_raw_response.create(
        model="echo", messages=MESSAGES
    )
    generated = raw.headers["x-request-id"]
    assert len(generated) == 32
    assert len(gateway.rows("decisions", correlation_id=generated)) == 2


def test_payload_hash_is_sha256_of_the_canonical_body(gateway: RunningGateway) -> None:
    import hashlib
    import json

    correlation_id = request_id()
    body = {"messages": MESSAGES, "model": "echo", "temperature": 1}
    httpx.post(
        f"{gateway.openai_base_url}/chat/completions",
        headers={"Authorization": f"Bearer {gateway.api_key}", "X-Request-ID": correlation_id},
        content=json.dumps(body, indent=2),
    ).raise_for_status()
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    expected = hashlib.sha256(canonical.encode()).hexdigest()
    assert {
        d["payload_hash"] for d in gateway.rows("decisions", correlation_id=correlation_id)
    } == {expected}


def test_models_lists_the_configured_models(gateway: RunningGateway) -> None:
    models = sync_client(gateway).models.list()
    ids = [m.id for m in models.data]
    assert "gpt-4o-mini" in ids and "echo" in ids
    assert all(m.object == "model" for m in models.data)
