"""AnthropicAdapter: on recorded JSON and SSE bytes, then over HTTP against the fake upstream.

The recorded fixtures in ``data/anthropic`` follow Anthropic's documented wire format and are
checked against the official SDK's types; translated answers are checked against the OpenAI
SDK's types. The fake upstream is checked with the official ``anthropic`` SDK as its client.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import anthropic
import orjson
import pydantic
import pytest
from anthropic.types import Message, RawMessageStreamEvent, ToolUseBlock
from openai.types.chat import ChatCompletion

from core.errors import InvalidRequestError, UpstreamError, UpstreamUnavailableError
from core.settings import ProviderConfig
from providers.anthropic import AnthropicAdapter
from providers.base import Usage
from providers.openai_shapes import SseDecoder
from tests.fakes.anthropic_upstream import FakeUpstream, start_fake_anthropic
from tests.providers.forwarding import (
    assemble,
    complete,
    complete_stream,
    sse_payloads,
    translate,
)

DATA = Path(__file__).parent / "data"
CREATED = 1_750_000_000
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def make_adapter(base_url: str = "http://anthropic.test", **config: Any) -> AnthropicAdapter:
    settings = {"name": "anthropic", "kind": "anthropic", "base_url": base_url, "api_key": "sk-k"}
    return AnthropicAdapter(ProviderConfig(**settings | config), clock=lambda: CREATED)


def fixture(name: str) -> bytes:
    return (DATA / "anthropic" / name).read_bytes()


def body_of(chat: dict[str, Any], *, stream: bool = False) -> dict[str, Any]:
    return orjson.loads(make_adapter().build_chat_request(chat, "claude-test", stream=stream).body)


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def user_parts(*parts: dict[str, Any]) -> dict[str, Any]:
    return {"role": "user", "content": list(parts)}


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def assistant_calls(*calls: tuple[str, str, str]) -> dict[str, Any]:
    """An assistant turn with OpenAI tool calls given as (id, name, arguments)."""
    tool_calls = [
        {"id": i, "type": "function", "function": {"name": n, "arguments": a}} for i, n, a in calls
    ]
    return {"role": "assistant", "content": None, "tool_calls": tool_calls}


# --- request translation -----------------------------------------------------------------------


def test_recorded_chat_request_translates_to_recorded_messages_body() -> None:
    chat = json.loads((DATA / "chat_request.json").read_text())
    request = make_adapter("http://anthropic.test/", headers={"anthropic-beta": "x"})
    upstream = request.build_chat_request(chat, "claude-sonnet-4-5", stream=True)
    assert upstream.method == "POST"
    assert upstream.url == "http://anthropic.test/v1/messages"
    assert upstream.headers == {
        "x-api-key": "sk-k",
        "anthropic-version": "2023-06-01",
        "content-type": "application/json",
        "anthropic-beta": "x",
    }
    assert orjson.loads(upstream.body) == json.loads(fixture("request_messages.json"))


def test_max_tokens_defaults_and_prefers_max_completion_tokens() -> None:
    assert body_of({"messages": [user("hi")]})["max_tokens"] == 4096
    assert body_of({"messages": [user("hi")], "max_tokens": 20})["max_tokens"] == 20
    chat = {"messages": [user("hi")], "max_tokens": 20, "max_completion_tokens": 30}
    assert body_of(chat)["max_tokens"] == 30


def test_same_role_turns_merge_and_a_leading_assistant_turn_gets_a_user_turn() -> None:
    chat = {
        "messages": [
            {"role": "assistant", "content": "Hello, how can I help?"},
            user("one"),
            {"role": "user", "content": [{"type": "text", "text": "two"}]},
            {"role": "user", "content": ""},
        ]
    }
    assert body_of(chat)["messages"] == [
        {"role": "user", "content": [text(".")]},
        {"role": "assistant", "content": [text("Hello, how can I help?")]},
        {"role": "user", "content": [text("one"), text("two")]},
    ]


@pytest.mark.parametrize(
    ("tool_choice", "parallel", "expected"),
    [
        (None, None, None),
        ("auto", None, {"type": "auto"}),
        ("none", None, {"type": "none"}),
        ("required", None, {"type": "any"}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            None,
            {"type": "tool", "name": "get_weather"},
        ),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
    ],
)
def test_tool_choice(tool_choice: Any, parallel: bool | None, expected: Any) -> None:
    chat: dict[str, Any] = {"messages": [user("hi")], "tools": [WEATHER_TOOL]}
    if tool_choice is not None:
        chat["tool_choice"] = tool_choice
    if parallel is not None:
        chat["parallel_tool_calls"] = parallel
    assert body_of(chat).get("tool_choice") == expected


def test_sampling_options_stop_user_and_structured_output() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    chat = {
        "messages": [user("hi")],
        "stop": "END",
        "temperature": 0,
        "user": "u-1",
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}},
    }
    body = body_of(chat, stream=True)
    assert body["stop_sequences"] == ["END"]
    assert body["temperature"] == 0
    assert body["stream"] is True
    assert body["metadata"] == {"user_id": "u-1"}
    assert body["output_config"] == {"format": {"type": "json_schema", "schema": schema}}
    assert "stream" not in body_of({"messages": [user("hi")]})


def test_tool_without_parameters_gets_an_empty_object_schema() -> None:
    tool = {"type": "function", "function": {"name": "now"}}
    assert body_of({"messages": [user("hi")], "tools": [tool]})["tools"] == [
        {"name": "now", "input_schema": {"type": "object", "properties": {}}}
    ]


UNSERVABLE_CHATS = {
    "n": {"messages": [user("hi")], "n": 2},
    "messages[0].role": {"messages": [{"role": "function", "content": "x"}]},
    "messages[0].content[0]": {
        "messages": [user_parts({"type": "input_audio", "input_audio": {}})]
    },
    "messages[0].content[1]": {
        "messages": [
            user_parts(text("see"), {"type": "image_url", "image_url": {"url": "ftp://x"}})
        ]
    },
    "messages[1].tool_calls[0].function.arguments": {
        "messages": [user("hi"), assistant_calls(("c", "f", "[1"))]
    },
    "tools[0].type": {"messages": [user("hi")], "tools": [{"type": "custom", "custom": {}}]},
}


@pytest.mark.parametrize("param", list(UNSERVABLE_CHATS))
def test_requests_anthropic_cannot_serve_are_rejected_clearly(param: str) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        body_of(UNSERVABLE_CHATS[param])
    assert raised.value.param == param


# --- response translation ----------------------------------------------------------------------


def test_recorded_fixtures_are_valid_anthropic_wire_format() -> None:
    for name in ("message_text.json", "message_tool_use.json", "message_max_tokens.json"):
        Message.model_validate_json(fixture(name))
    events = pydantic.TypeAdapter(RawMessageStreamEvent)
    for name in ("stream_text.sse", "stream_tool_use.sse"):
        for event in SseDecoder().feed(fixture(name)):
            if event.event not in ("ping", "error"):
                events.validate_json(event.data)


def test_text_response() -> None:
    response = make_adapter().parse_chat_response(fixture("message_text.json"))
    ChatCompletion.model_validate(response.document)
    assert orjson.loads(response.body) == response.document
    assert response.document == {
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "object": "chat.completion",
        "created": CREATED,
        "model": "claude-sonnet-4-5-20250929",
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Bonjour ! Il fait 18 °C à Paris.",
                    "refusal": None,
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 21,
            "completion_tokens": 14,
            "total_tokens": 35,
            "prompt_tokens_details": {"cached_tokens": 0},
        },
    }
    assert response.completion_text == "Bonjour ! Il fait 18 °C à Paris."
    assert response.usage == Usage(input_tokens=21, output_tokens=14)


def test_tool_use_response_with_prompt_cache_usage() -> None:
    response = make_adapter().parse_chat_response(fixture("message_tool_use.json"))
    ChatCompletion.model_validate(response.document)
    choice = response.document["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == "I'll check the weather in both cities."
    calls = choice["message"]["tool_calls"]
    assert [(c["id"], c["type"], c["function"]["name"]) for c in calls] == [
        ("toolu_01A09q90qw90lq917835lq9", "function", "get_weather"),
        ("toolu_01B2k3j4h5g6f7d8s9a0p1o2", "function", "get_weather"),
    ]
    assert json.loads(calls[1]["function"]["arguments"]) == {"city": "Rome", "unit": "celsius"}
    # 180 uncached + 1536 read from the cache + 248 written to it
    assert response.usage == Usage(
        1964, 104, cached_input_tokens=1536, cache_write_input_tokens=248
    )
    assert response.document["usage"] == {
        "prompt_tokens": 1964,
        "completion_tokens": 104,
        "total_tokens": 2068,
        "prompt_tokens_details": {"cached_tokens": 1536},
    }


def test_max_tokens_stop_is_length_and_null_cache_counts_are_zero() -> None:
    response = make_adapter().parse_chat_response(fixture("message_max_tokens.json"))
    assert response.document["choices"][0]["finish_reason"] == "length"
    assert response.usage == Usage(input_tokens=12, output_tokens=5)


def test_a_body_that_is_not_a_message_is_a_bad_upstream_response() -> None:
    with pytest.raises(UpstreamUnavailableError):
        make_adapter().parse_chat_response(b"<html>502 Bad Gateway</html>")


# --- stream translation ------------------------------------------------------------------------


def test_text_stream() -> None:
    out, translator = translate(make_adapter(), fixture("stream_text.sse"))
    payloads = sse_payloads(out)
    assert payloads[-1] == "[DONE]"
    first_delta = payloads[0]["choices"][0]["delta"]
    assert first_delta == {"role": "assistant", "content": "", "refusal": None}
    assert {p["id"] for p in payloads[:-1]} == {"msg_014p7gG3wDgGV9EUtLvnow3U"}
    assert {p["created"] for p in payloads[:-1]} == {CREATED}
    usage_chunk = payloads[-2]
    assert usage_chunk["choices"] == []
    assert usage_chunk["usage"] == {
        "prompt_tokens": 2520,
        "completion_tokens": 57,
        "total_tokens": 2577,
        "prompt_tokens_details": {"cached_tokens": 2048},
    }
    assert all(p["usage"] is None for p in payloads[:-2])
    result = assemble(payloads)
    # The thinking block is not part of the answer.
    assert result["text"] == "Bonjour ! Il fait 18 °C à Paris ☁️ — 東京 est plus chaud."
    assert result["roles"] == ["assistant"]
    assert result["finish_reason"] == "stop"
    assert translator.finished
    assert translator.completion_text == result["text"]
    assert translator.usage == Usage(2520, 57, cached_input_tokens=2048)


def test_tool_use_stream() -> None:
    out, translator = translate(make_adapter(), fixture("stream_tool_use.sse"))
    payloads = sse_payloads(out)
    result = assemble(payloads)
    assert result["text"] == "Let me check both cities."
    assert result["finish_reason"] == "tool_calls"
    assert [(c["id"], c["name"], json.loads(c["arguments"])) for c in result["tool_calls"]] == [
        ("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather", {"city": "Paris"}),
        ("toolu_01WcHy9xZs7pG1VvRmk3QBXu", "get_weather", {"city": "Rome"}),
    ]
    deltas = [p["choices"][0]["delta"] for p in payloads[:-1] if p["choices"]]
    first_call = next(delta for delta in deltas if "tool_calls" in delta)
    assert first_call["tool_calls"] == [
        {
            "index": 0,
            "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
            "type": "function",
            "function": {"name": "get_weather", "arguments": ""},
        }
    ]
    assert translator.usage == Usage(384, 89)


STREAMS = ("stream_text.sse", "stream_tool_use.sse", "stream_overloaded.sse")


@pytest.mark.parametrize("name", STREAMS)
@pytest.mark.parametrize("seed", range(8))
def test_stream_output_is_the_same_for_any_byte_split(name: str, seed: int) -> None:
    whole, _ = translate(make_adapter(), fixture(name))
    assert translate(make_adapter(), fixture(name), splits=random.Random(seed))[0] == whole


def test_stream_one_byte_at_a_time_with_crlf_line_ends() -> None:
    whole, _ = translate(make_adapter(), fixture("stream_text.sse"))
    crlf = fixture("stream_text.sse").replace(b"\n", b"\r\n")
    translator = make_adapter().open_stream(client_wants_usage=True)
    out = b"".join(translator.feed(crlf[i : i + 1]) for i in range(len(crlf))) + translator.close()
    assert out == whole


def test_stream_without_usage_for_the_client() -> None:
    out, translator = translate(make_adapter(), fixture("stream_text.sse"), wants_usage=False)
    payloads = sse_payloads(out)
    assert payloads[-1] == "[DONE]"
    assert all("usage" not in p for p in payloads[:-1])
    assert translator.usage == Usage(2520, 57, cached_input_tokens=2048)


def test_a_cut_stream_ends_without_done_but_keeps_what_was_produced() -> None:
    data = fixture("stream_text.sse")
    cut = data[: data.index("à Paris".encode())]  # mid-way through the last text delta
    out, translator = translate(make_adapter(), cut)
    payloads = sse_payloads(out)
    assert "[DONE]" not in payloads
    assert not translator.finished
    assert translator.completion_text == "Bonjour ! Il fait 18 °C "
    assert assemble(payloads)["finish_reason"] is None
    assert translator.usage == Usage(2520, 2, cached_input_tokens=2048)  # as message_start said


def test_an_error_event_ends_the_stream_with_an_openai_error() -> None:
    out, translator = translate(make_adapter(), fixture("stream_overloaded.sse"))
    payloads = sse_payloads(out)
    assert assemble(payloads)["text"] == "Once upon"
    assert payloads[-1] == {
        "error": {
            "message": "Overloaded",
            "type": "api_error",
            "param": None,
            "code": "upstream_overloaded",
        }
    }
    assert not translator.finished
    error = getattr(translator, "error", None)
    assert isinstance(error, UpstreamError)
    assert error.http_status == 529
    assert translator.feed(b'event: message_stop\ndata: {"type":"message_stop"}\n\n') == b""


def test_a_malformed_event_ends_the_stream_with_an_error() -> None:
    out, translator = translate(make_adapter(), b"event: message_start\ndata: {not json\n\n")
    assert sse_payloads(out)[-1]["error"]["type"] == "api_error"
    assert not translator.finished


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name", "error_type", "code"),
    [
        (400, "error_invalid_request.json", "invalid_request_error", None),
        (401, "error_authentication.json", "invalid_request_error", "invalid_api_key"),
        (429, "error_rate_limit.json", "rate_limit_error", "rate_limit_exceeded"),
        (529, "error_overloaded.json", "api_error", "upstream_overloaded"),
    ],
)
def test_errors_keep_status_and_take_openai_shape(
    status: int, name: str, error_type: str, code: str | None
) -> None:
    headers = {"Retry-After": "12"} if status == 429 else {}
    error = make_adapter().parse_error(status, fixture(name), headers)
    message = orjson.loads(fixture(name))["error"]["message"]
    assert error.http_status == status
    assert error.to_body() == {
        "error": {"message": message, "type": error_type, "param": None, "code": code}
    }
    assert error.headers == ({"retry-after": "12"} if status == 429 else {})


def test_an_error_body_that_is_not_anthropic_json_still_maps_by_status() -> None:
    error = make_adapter().parse_error(502, b"<html>bad gateway</html>", {})
    assert error.http_status == 502
    assert error.to_body()["error"]["type"] == "api_error"
    assert "502" in error.message


# --- against the fake upstream, over HTTP ------------------------------------------------------


@pytest.fixture(scope="module")
async def fake() -> AsyncIterator[FakeUpstream]:
    upstream = await start_fake_anthropic(slow_seconds=0.2)
    yield upstream
    await upstream.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def test_text_through_the_fake(fake: FakeUpstream, session: aiohttp.ClientSession) -> None:
    chat = {
        "messages": [
            {"role": "system", "content": "Be brief."},
            user("first part,"),
            user("hello from the gateway"),
        ]
    }
    response = await complete(session, make_adapter(fake.base_url), chat, "claude-test")
    ChatCompletion.model_validate(response.document)
    assert response.completion_text == "first part, hello from the gateway"
    assert response.document["choices"][0]["finish_reason"] == "stop"
    assert response.usage == Usage(input_tokens=8, output_tokens=6)  # the fake counts words
    received = fake.received[-1]
    assert received.headers["x-api-key"] == "sk-k"
    assert received.headers["anthropic-version"] == "2023-06-01"
    assert received.body["system"] == [{"type": "text", "text": "Be brief."}]
    assert received.body["max_tokens"] == 4096


async def test_tool_round_trip_through_the_fake(
    fake: FakeUpstream, session: aiohttp.ClientSession
) -> None:
    adapter = make_adapter(fake.base_url)
    chat: dict[str, Any] = {"messages": [user("Paris")], "tools": [WEATHER_TOOL]}
    first = await complete(session, adapter, chat, "claude-test-tools")
    message = first.document["choices"][0]["message"]
    assert first.document["choices"][0]["finish_reason"] == "tool_calls"
    (call,) = message["tool_calls"]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    # The client answers the call: the fake checks tool_result follows its tool_use.
    chat["messages"] += [message, {"role": "tool", "tool_call_id": call["id"], "content": "18C"}]
    second = await complete(session, adapter, chat, "claude-test-tools")
    assert second.completion_text == "The tool said: 18C"


async def test_streams_through_the_fake(fake: FakeUpstream, session: aiohttp.ClientSession) -> None:
    adapter = make_adapter(fake.base_url)
    chat: dict[str, Any] = {"messages": [user("stream these five words please")]}
    payloads, translator = await complete_stream(session, adapter, chat, "claude-test-cached")
    result = assemble(payloads)
    assert result["text"] == "stream these five words please"
    assert payloads[-1] == "[DONE]"
    assert result["usage"]["prompt_tokens_details"] == {"cached_tokens": 1024}
    assert translator.finished
    assert translator.usage == Usage(5 + 1024 + 96, 5, 1024, 96)

    chat["tools"] = [WEATHER_TOOL]
    payloads, _ = await complete_stream(session, adapter, chat, "claude-test-tools")
    result = assemble(payloads)
    assert result["finish_reason"] == "tool_calls"
    arguments = json.loads(result["tool_calls"][0]["arguments"])
    assert arguments == {"city": "stream these five words please"}


async def test_cut_and_broken_streams_through_the_fake(
    fake: FakeUpstream, session: aiohttp.ClientSession
) -> None:
    adapter = make_adapter(fake.base_url)
    chat = {"messages": [user("a stream that will not finish")]}
    payloads, translator = await complete_stream(session, adapter, chat, "claude-test-cut")
    assert "[DONE]" not in payloads
    assert not translator.finished
    assert translator.completion_text == "a "
    payloads, translator = await complete_stream(session, adapter, chat, "claude-stream-error")
    assert payloads[-1]["error"]["code"] == "upstream_overloaded"
    assert not translator.finished


@pytest.mark.parametrize(
    ("model", "status", "error_type", "retry_after"),
    [
        ("claude-error-500", 500, "api_error", None),
        ("claude-error-429", 429, "rate_limit_error", "7"),
        ("claude-overloaded", 529, "api_error", None),
    ],
)
async def test_upstream_errors_through_the_fake(
    fake: FakeUpstream,
    session: aiohttp.ClientSession,
    model: str,
    status: int,
    error_type: str,
    retry_after: str | None,
) -> None:
    with pytest.raises(UpstreamError) as raised:
        await complete(session, make_adapter(fake.base_url), {"messages": [user("x")]}, model)
    assert raised.value.http_status == status
    assert raised.value.to_body()["error"]["type"] == error_type
    assert raised.value.headers.get("retry-after") == retry_after


async def test_slow_model_answers_late(fake: FakeUpstream, session: aiohttp.ClientSession) -> None:
    adapter = make_adapter(fake.base_url)
    request = adapter.build_chat_request({"messages": [user("x")]}, "claude-slow", stream=False)
    timeout = aiohttp.ClientTimeout(total=0.05)
    with pytest.raises(TimeoutError):
        await session.post(request.url, headers=request.headers, data=request.body, timeout=timeout)
    response = await complete(session, adapter, {"messages": [user("late")]}, "claude-slow")
    assert response.completion_text == "late"


def request_body(*messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"model": "claude-test", "max_tokens": 5, "messages": list(messages), **fields}


TOOL_USE = {
    "role": "assistant",
    "content": [{"type": "tool_use", "id": "t1", "name": "f", "input": {}}],
}
TOOL_RESULT = user_parts({"type": "tool_result", "tool_use_id": "t1"})
VALID = request_body(user("x"))


@pytest.mark.parametrize(
    ("body", "headers", "status", "message"),
    [
        ({"model": "m", "messages": [user("x")]}, {}, 400, "max_tokens: Field required"),
        (request_body(user("x"), max_tokens=0), {}, 400, "max_tokens"),
        (request_body(), {}, 400, "at least one message"),
        (request_body({"role": "assistant", "content": "x"}), {}, 400, "first message"),
        (request_body(user("x"), user("y")), {}, 400, "must alternate"),
        (request_body(user("x"), stop=["y"]), {}, 400, "Extra inputs are not permitted"),
        (request_body(user_parts(text(""))), {}, 400, "must be non-empty"),
        (request_body(TOOL_RESULT), {}, 400, "unexpected `tool_use_id`"),
        (request_body(user("x"), TOOL_USE, user("y")), {}, 400, "without `tool_result`"),
        (request_body(user("x"), TOOL_USE, TOOL_RESULT), {}, 200, ""),
        (VALID, {"x-api-key": ""}, 401, "x-api-key"),
        (VALID, {"anthropic-version": ""}, 400, "anthropic-version"),
    ],
)
async def test_the_fake_rejects_what_the_real_api_rejects(
    fake: FakeUpstream,
    session: aiohttp.ClientSession,
    body: dict[str, Any],
    headers: dict[str, str],
    status: int,
    message: str,
) -> None:
    sent = {"x-api-key": "k", "anthropic-version": "2023-06-01"} | headers
    async with session.post(f"{fake.base_url}/v1/messages", json=body, headers=sent) as response:
        assert response.status == status
        if status == 200:
            return
        error = make_adapter().parse_error(status, await response.read(), response.headers)
    assert message in error.message
    assert error.to_body()["error"]["type"] == "invalid_request_error"


# --- the official SDK as ground truth for the fake --------------------------------------------


async def test_the_anthropic_sdk_talks_to_the_fake(fake: FakeUpstream) -> None:
    client = anthropic.AsyncAnthropic(api_key="sk-k", base_url=fake.base_url, max_retries=0)
    message = await client.messages.create(
        model="claude-test", max_tokens=64, messages=[user("hello sdk")]
    )
    assert message.content[0].type == "text" and message.content[0].text == "hello sdk"
    assert message.stop_reason == "end_turn"

    tool = {"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {}}}}
    async with client.messages.stream(
        model="claude-test-tools", max_tokens=64, messages=[user("Rome")], tools=[tool]
    ) as stream:
        final = await stream.get_final_message()
    assert [block.type for block in final.content] == ["text", "tool_use"]
    assert isinstance(final.content[1], ToolUseBlock)
    assert final.content[1].input == {"city": "Rome"}
    assert final.usage.output_tokens > 0

    with pytest.raises(anthropic.RateLimitError):
        await client.messages.create(model="claude-error-429", max_tokens=8, messages=[user("x")])
    with pytest.raises(anthropic.APIStatusError) as raised:
        await client.messages.create(model="claude-overloaded", max_tokens=8, messages=[user("x")])
    assert raised.value.status_code == 529
    with pytest.raises(anthropic.APIStatusError):
        async with client.messages.stream(
            model="claude-stream-error", max_tokens=8, messages=[user("x y z")]
        ) as stream:
            await stream.get_final_message()
    await client.close()
