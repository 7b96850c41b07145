"""GeminiAdapter: on recorded JSON and SSE bytes, then over HTTP against the fake upstream.

The recorded fixtures in ``data/gemini`` follow the Gemini API's documented wire format and are
checked against the ``google-genai`` SDK's types (which reject unknown fields); translated
answers are checked against the OpenAI SDK's types. The fake upstream is checked with the
``google-genai`` SDK as its client.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from google import genai
from google.genai import types
from openai.types.chat import ChatCompletion

from core.errors import InvalidRequestError, UpstreamError, UpstreamUnavailableError
from core.settings import ProviderConfig
from providers.base import Usage
from providers.gemini import GeminiAdapter
from providers.openai_shapes import SseDecoder
from tests.fakes.gemini_upstream import THOUGHT_SIGNATURE, FakeUpstream, start_fake_gemini
from tests.providers.forwarding import (
    assemble,
    complete,
    complete_stream,
    sse_payloads,
    translate,
)

DATA = Path(__file__).parent / "data"
CREATED = 1_750_000_000
CALL_ID = re.compile(r"call_[0-9a-f]{24}")
SIGNATURE = "CiQBVKhc7vB8zOq1xWWP3iPuMdGJ6o8HhEzt0ezWyLsuE9kuCXsKYgFUqFzu"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    },
}


def make_adapter(base_url: str = "http://gemini.test", **config: Any) -> GeminiAdapter:
    settings = {"name": "gemini", "kind": "gemini", "base_url": base_url, "api_key": "g-key"}
    return GeminiAdapter(ProviderConfig(**settings | config), clock=lambda: CREATED)


def fixture(name: str) -> bytes:
    return (DATA / "gemini" / name).read_bytes()


def body_of(chat: dict[str, Any]) -> dict[str, Any]:
    return orjson.loads(make_adapter().build_chat_request(chat, "gemini-test", stream=False).body)


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def assistant_calls(*calls: tuple[str, str, str]) -> dict[str, Any]:
    """An assistant turn with OpenAI tool calls given as (id, name, arguments)."""
    tool_calls = [
        {"id": i, "type": "function", "function": {"name": n, "arguments": a}} for i, n, a in calls
    ]
    return {"role": "assistant", "content": None, "tool_calls": tool_calls}


def tool(call_id: str, content: Any) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": content}


# --- request translation -----------------------------------------------------------------------


def test_recorded_chat_request_translates_to_recorded_generate_content_body() -> None:
    chat = json.loads((DATA / "chat_request.json").read_text())
    adapter = make_adapter("http://gemini.test/", headers={"x-goog-user-project": "p"})
    upstream = adapter.build_chat_request(chat, "gemini-2.5-flash", stream=True)
    assert upstream.method == "POST"
    assert upstream.url == (
        "http://gemini.test/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    )
    assert upstream.headers == {
        "x-goog-api-key": "g-key",
        "content-type": "application/json",
        "x-goog-user-project": "p",
    }
    assert orjson.loads(upstream.body) == json.loads(fixture("request_generate_content.json"))


@pytest.mark.parametrize(
    ("api_version", "model", "path"),
    [
        (None, "gemini-2.5-pro", "/v1beta/models/gemini-2.5-pro:generateContent"),
        ("v1", "models/gemini-2.0-flash", "/v1/models/gemini-2.0-flash:generateContent"),
        ("v1beta", "tunedModels/my-model", "/v1beta/tunedModels/my-model:generateContent"),
    ],
)
def test_url_takes_the_api_version_and_model(
    api_version: str | None, model: str, path: str
) -> None:
    request = make_adapter(api_version=api_version).build_chat_request(
        {"messages": [user("hi")]}, model, stream=False
    )
    assert request.url == "http://gemini.test" + path


def test_generation_config() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}
    chat = {
        "messages": [user("hi")],
        "n": 2,
        "stop": "END",
        "max_tokens": 100,
        "temperature": 0,
        "presence_penalty": 0.5,
        "frequency_penalty": 0.25,
        "seed": 7,
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}},
    }
    assert body_of(chat)["generationConfig"] == {
        "candidateCount": 2,
        "stopSequences": ["END"],
        "maxOutputTokens": 100,
        "temperature": 0,
        "presencePenalty": 0.5,
        "frequencyPenalty": 0.25,
        "seed": 7,
        "responseMimeType": "application/json",
        "responseJsonSchema": schema,
    }
    json_mode = {"messages": [user("hi")], "response_format": {"type": "json_object"}}
    assert body_of(json_mode)["generationConfig"] == {"responseMimeType": "application/json"}
    assert "generationConfig" not in body_of({"messages": [user("hi")]})


@pytest.mark.parametrize(
    ("tool_choice", "expected"),
    [
        ("auto", {"mode": "AUTO"}),
        ("none", {"mode": "NONE"}),
        ("required", {"mode": "ANY"}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            {"mode": "ANY", "allowedFunctionNames": ["get_weather"]},
        ),
    ],
)
def test_tool_choice(tool_choice: Any, expected: dict[str, Any]) -> None:
    body = body_of({"messages": [user("hi")], "tools": [WEATHER_TOOL], "tool_choice": tool_choice})
    assert body["toolConfig"] == {"functionCallingConfig": expected}
    assert "toolConfig" not in body_of({"messages": [user("hi")], "tools": [WEATHER_TOOL]})


def test_tool_results_find_their_function_and_thought_signatures_go_back() -> None:
    call = assistant_calls(("c1", "get_weather", '{"city": "Paris"}'), ("c2", "now", ""))
    call["tool_calls"][0]["extra_content"] = {"google": {"thought_signature": SIGNATURE}}
    chat = {"messages": [user("hi"), call, tool("c2", "12:00"), tool("c1", '{"temp": 18}')]}
    model_turn, results_turn = body_of(chat)["contents"][1:]
    assert model_turn == {
        "role": "model",
        "parts": [
            {
                "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                "thoughtSignature": SIGNATURE,
            },
            {"functionCall": {"name": "now", "args": {}}},
        ],
    }
    assert results_turn == {
        "role": "user",
        "parts": [
            {"functionResponse": {"name": "now", "response": {"result": "12:00"}}},
            {"functionResponse": {"name": "get_weather", "response": {"temp": 18}}},
        ],
    }


def test_audio_and_file_parts_become_inline_data() -> None:
    audio = {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
    pdf_file = {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"}
    pdf = {"type": "file", "file": pdf_file}
    (content,) = body_of({"messages": [{"role": "user", "content": [audio, pdf]}]})["contents"]
    assert content["parts"] == [
        {"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}},
        {"inlineData": {"mimeType": "application/pdf", "data": "JVBERi0="}},
    ]


UNSERVABLE_CHATS = {
    "messages[0].role": {"messages": [{"role": "function", "content": "x"}]},
    "messages[1].tool_calls[0].function.arguments": {
        "messages": [user("hi"), assistant_calls(("c", "f", "[1"))]
    },
    "messages[1].tool_call_id": {"messages": [user("hi"), tool("unknown", "x")]},
    "messages[0].content[0]": {"messages": [{"role": "user", "content": [{"type": "video"}]}]},
    "tools[0].type": {"messages": [user("hi")], "tools": [{"type": "custom", "custom": {}}]},
    "tool_choice": {"messages": [user("hi")], "tools": [WEATHER_TOOL], "tool_choice": "maybe"},
}


@pytest.mark.parametrize("param", list(UNSERVABLE_CHATS))
def test_requests_gemini_cannot_serve_are_rejected_clearly(param: str) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        body_of(UNSERVABLE_CHATS[param])
    assert raised.value.param == param


# --- response translation ----------------------------------------------------------------------


def test_recorded_fixtures_are_valid_gemini_wire_format() -> None:
    for name in (
        "response_text.json",
        "response_function_call.json",
        "response_two_candidates.json",
        "response_safety.json",
        "response_prompt_blocked.json",
    ):
        types.GenerateContentResponse.model_validate_json(fixture(name))
    for name in ("stream_text.sse", "stream_function_call.sse"):
        for event in SseDecoder().feed(fixture(name)):
            types.GenerateContentResponse.model_validate_json(event.data)


def test_text_response_with_cached_and_thinking_tokens() -> None:
    response = make_adapter().parse_chat_response(fixture("response_text.json"))
    ChatCompletion.model_validate(response.document)
    assert orjson.loads(response.body) == response.document
    assert response.document == {
        "id": "mJ4QaPXhBrqvnvgPxOvx2Qg",
        "object": "chat.completion",
        "created": CREATED,
        "model": "gemini-2.5-flash",
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Il fait 18 °C à Paris, avec des nuages.",
                    "refusal": None,
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 2070,
            "completion_tokens": 67,
            "total_tokens": 2137,
            "prompt_tokens_details": {"cached_tokens": 2048},
            "completion_tokens_details": {"reasoning_tokens": 52},
        },
    }
    assert response.usage == Usage(2070, 67, cached_input_tokens=2048)
    assert response.completion_text == "Il fait 18 °C à Paris, avec des nuages."


def test_function_call_response() -> None:
    response = make_adapter().parse_chat_response(fixture("response_function_call.json"))
    ChatCompletion.model_validate(response.document)
    (choice,) = response.document["choices"]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    first, second = choice["message"]["tool_calls"]
    assert CALL_ID.fullmatch(first["id"]) and CALL_ID.fullmatch(second["id"])
    assert first["id"] != second["id"]
    assert first["function"] == {"name": "get_weather", "arguments": '{"city":"Paris"}'}
    assert first["extra_content"] == {"google": {"thought_signature": SIGNATURE}}
    assert json.loads(second["function"]["arguments"]) == {"city": "Rome", "unit": "celsius"}
    assert "extra_content" not in second
    assert response.usage == Usage(61, 99)


def test_several_candidates_become_choices() -> None:
    document = make_adapter().parse_chat_response(fixture("response_two_candidates.json")).document
    choices = [
        (c["index"], c["message"]["content"], c["finish_reason"]) for c in document["choices"]
    ]
    assert choices == [
        (0, "Sunny.", "stop"),
        (1, "The weather in Rome is sunny and", "length"),
    ]


@pytest.mark.parametrize("name", ["response_safety.json", "response_prompt_blocked.json"])
def test_blocked_answers_are_content_filtered(name: str) -> None:
    response = make_adapter().parse_chat_response(fixture(name))
    ChatCompletion.model_validate(response.document)
    (choice,) = response.document["choices"]
    assert choice["finish_reason"] == "content_filter"
    assert choice["message"]["content"] == ""
    assert response.usage is not None and response.usage.output_tokens == 0


def test_a_body_that_is_not_json_is_a_bad_upstream_response() -> None:
    with pytest.raises(UpstreamUnavailableError):
        make_adapter().parse_chat_response(b"<html>502</html>")


# --- stream translation ------------------------------------------------------------------------


def test_text_stream() -> None:
    out, translator = translate(make_adapter(), fixture("stream_text.sse"))
    payloads = sse_payloads(out)
    assert payloads[-1] == "[DONE]"
    first_delta = payloads[0]["choices"][0]["delta"]
    assert first_delta == {"role": "assistant", "content": "", "refusal": None}
    assert {p["id"] for p in payloads[:-1]} == {"Nq4QaLTKCM7TnvgP2q2cuQk"}
    assert payloads[-2] == {
        "id": "Nq4QaLTKCM7TnvgP2q2cuQk",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "gemini-2.5-flash",
        "system_fingerprint": None,
        "choices": [],
        "usage": {
            "prompt_tokens": 24,
            "completion_tokens": 59,
            "total_tokens": 83,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 38},
        },
    }
    result = assemble(payloads)
    # The thought summary is not part of the answer.
    assert result["text"] == "Il fait 18 °C à Paris ☁️, et 24 °C à Rome — 東京 est plus chaud."
    assert result["finish_reason"] == "stop"
    assert translator.finished
    assert translator.completion_text == result["text"]
    assert translator.usage == Usage(24, 59)


def test_function_call_stream() -> None:
    out, translator = translate(make_adapter(), fixture("stream_function_call.sse"))
    result = assemble(sse_payloads(out))
    assert result["finish_reason"] == "tool_calls"
    first, second = result["tool_calls"]
    assert CALL_ID.fullmatch(first["id"]) and first["name"] == "get_weather"
    assert json.loads(first["arguments"]) == {"city": "Paris"}
    assert first["extra_content"] == {"google": {"thought_signature": SIGNATURE}}
    assert json.loads(second["arguments"]) == {"city": "Rome"}
    assert translator.usage == Usage(61, 99)


@pytest.mark.parametrize("name", ["stream_text.sse", "stream_function_call.sse"])
@pytest.mark.parametrize("seed", range(8))
def test_stream_output_is_the_same_for_any_byte_split(name: str, seed: int) -> None:
    def without_ids(data: bytes) -> bytes:  # tool call ids are made up afresh on each run
        return CALL_ID.sub("call_id", data.decode()).encode()

    whole, _ = translate(make_adapter(), fixture(name))
    split, _ = translate(make_adapter(), fixture(name), splits=random.Random(seed))
    assert without_ids(split) == without_ids(whole)
    lf_only, _ = translate(
        make_adapter(), fixture(name).replace(b"\r\n", b"\n"), splits=random.Random(seed)
    )
    assert without_ids(lf_only) == without_ids(whole)


def test_stream_without_usage_for_the_client() -> None:
    out, translator = translate(make_adapter(), fixture("stream_text.sse"), wants_usage=False)
    payloads = sse_payloads(out)
    assert payloads[-1] == "[DONE]"
    assert all("usage" not in p for p in payloads[:-1])
    assert translator.usage == Usage(24, 59)


def test_a_cut_stream_ends_without_done_but_keeps_what_was_produced() -> None:
    data = fixture("stream_text.sse")
    out, translator = translate(make_adapter(), data[: data.index(b'"finishReason"')])
    payloads = sse_payloads(out)
    assert "[DONE]" not in payloads
    assert not translator.finished
    assert translator.completion_text == "Il fait 18 °C à Paris ☁️, et 24 °C à"
    assert assemble(payloads)["finish_reason"] is None
    assert translator.usage == Usage(24, 0)  # the prompt, as the last whole event reported it


def test_an_error_event_ends_the_stream_with_an_openai_error() -> None:
    data = fixture("stream_text.sse").split(b"\r\n\r\n")
    error = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    broken = b"\r\n\r\n".join([*data[:2], b"data: " + orjson.dumps(error), b""])
    out, translator = translate(make_adapter(), broken)
    payloads = sse_payloads(out)
    assert payloads[-1] == {
        "error": {
            "message": "The model is overloaded.",
            "type": "api_error",
            "param": None,
            "code": "upstream_unavailable",
        }
    }
    assert not translator.finished
    assert isinstance(getattr(translator, "error", None), UpstreamError)
    assert translator.feed(data[3] + b"\r\n\r\n") == b""


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name", "error_type", "code", "retry_after"),
    [
        (400, "error_invalid_argument.json", "invalid_request_error", None, None),
        (400, "error_api_key_invalid.json", "invalid_request_error", "invalid_api_key", None),
        (429, "error_resource_exhausted.json", "rate_limit_error", "rate_limit_exceeded", "37"),
        (503, "error_unavailable.json", "api_error", "upstream_unavailable", None),
    ],
)
def test_errors_keep_status_and_take_openai_shape(
    status: int, name: str, error_type: str, code: str | None, retry_after: str | None
) -> None:
    error = make_adapter().parse_error(status, fixture(name), {})
    message = orjson.loads(fixture(name))["error"]["message"]
    assert error.http_status == status
    assert error.to_body() == {
        "error": {"message": message, "type": error_type, "param": None, "code": code}
    }
    assert error.headers.get("retry-after") == retry_after


def test_error_bodies_in_a_list_or_not_json_still_map() -> None:
    wrapped = b"[" + fixture("error_unavailable.json") + b"]"
    assert make_adapter().parse_error(503, wrapped, {}).message.startswith("The model is")
    error = make_adapter().parse_error(502, b"<html>bad gateway</html>", {"Retry-After": "3"})
    assert error.http_status == 502
    assert error.to_body()["error"]["type"] == "api_error"
    assert error.headers == {"retry-after": "3"}


# --- against the fake upstream, over HTTP ------------------------------------------------------


@pytest.fixture(scope="module")
async def fake() -> AsyncIterator[FakeUpstream]:
    upstream = await start_fake_gemini(slow_seconds=0.2)
    yield upstream
    await upstream.close()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def test_text_through_the_fake(fake: FakeUpstream, session: aiohttp.ClientSession) -> None:
    chat = {
        "messages": [{"role": "system", "content": "Be brief."}, user("hello from the gateway")]
    }
    response = await complete(session, make_adapter(fake.base_url), chat, "gemini-test-thinking")
    ChatCompletion.model_validate(response.document)
    assert response.completion_text == "hello from the gateway"
    assert response.usage == Usage(input_tokens=6, output_tokens=4 + 12)
    received = fake.received[-1]
    assert received.path == "/v1beta/models/gemini-test-thinking:generateContent"
    assert received.headers["x-goog-api-key"] == "g-key"
    assert received.body["systemInstruction"] == {"parts": [{"text": "Be brief."}]}


async def test_two_choices_through_the_fake(
    fake: FakeUpstream, session: aiohttp.ClientSession
) -> None:
    chat = {"messages": [user("twice")], "n": 2}
    response = await complete(session, make_adapter(fake.base_url), chat, "gemini-test")
    assert [c["message"]["content"] for c in response.document["choices"]] == ["twice", "twice"]
    payloads, _ = await complete_stream(session, make_adapter(fake.base_url), chat, "gemini-test")
    assert assemble(payloads, 1)["text"] == "twice"
    assert assemble(payloads, 1)["finish_reason"] == "stop"


async def test_tool_round_trip_through_the_fake(
    fake: FakeUpstream, session: aiohttp.ClientSession
) -> None:
    adapter = make_adapter(fake.base_url)
    chat: dict[str, Any] = {"messages": [user("Paris")], "tools": [WEATHER_TOOL]}
    first = await complete(session, adapter, chat, "gemini-test-tools")
    message = first.document["choices"][0]["message"]
    (call,) = message["tool_calls"]
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    # The client answers with the message as it got it: the signature goes back to Gemini.
    chat["messages"] += [message, tool(call["id"], '{"temperature_c": 18}')]
    second = await complete(session, adapter, chat, "gemini-test-tools")
    assert second.completion_text == 'The tool said: {"temperature_c": 18}'
    model_turn = fake.received[-1].body["contents"][1]
    assert model_turn["parts"][0]["thoughtSignature"] == THOUGHT_SIGNATURE


async def test_streams_through_the_fake(fake: FakeUpstream, session: aiohttp.ClientSession) -> None:
    adapter = make_adapter(fake.base_url)
    chat: dict[str, Any] = {"messages": [user("stream these five words please")]}
    payloads, translator = await complete_stream(session, adapter, chat, "gemini-test-cached")
    assert assemble(payloads)["text"] == "stream these five words please"
    assert payloads[-1] == "[DONE]"
    assert translator.finished
    assert translator.usage == Usage(5, 5, cached_input_tokens=5)
    assert fake.received[-1].path.endswith(":streamGenerateContent")
    assert fake.received[-1].query == {"alt": "sse"}

    chat["tools"] = [WEATHER_TOOL]
    payloads, _ = await complete_stream(session, adapter, chat, "gemini-test-tools")
    result = assemble(payloads)
    assert result["finish_reason"] == "tool_calls"
    arguments = json.loads(result["tool_calls"][0]["arguments"])
    assert arguments == {"city": "stream these five words please"}


async def test_cut_and_broken_streams_through_the_fake(
    fake: FakeUpstream, session: aiohttp.ClientSession
) -> None:
    adapter = make_adapter(fake.base_url)
    chat = {"messages": [user("a stream that will not finish")]}
    payloads, translator = await complete_stream(session, adapter, chat, "gemini-test-cut")
    assert "[DONE]" not in payloads
    assert not translator.finished
    assert translator.completion_text == "a stream that will "
    payloads, translator = await complete_stream(session, adapter, chat, "gemini-stream-error")
    assert payloads[-1]["error"]["code"] == "upstream_unavailable"
    assert not translator.finished


@pytest.mark.parametrize(
    ("model", "status", "error_type", "retry_after"),
    [
        ("gemini-error-500", 500, "api_error", None),
        ("gemini-error-429", 429, "rate_limit_error", "7"),
        ("gemini-overloaded", 503, "api_error", None),
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
    request = adapter.build_chat_request({"messages": [user("x")]}, "gemini-slow", stream=False)
    timeout = aiohttp.ClientTimeout(total=0.05)
    with pytest.raises(TimeoutError):
        await session.post(request.url, headers=request.headers, data=request.body, timeout=timeout)
    response = await complete(session, adapter, {"messages": [user("late")]}, "gemini-slow")
    assert response.completion_text == "late"


def turn(role: str, *parts: dict[str, Any]) -> dict[str, Any]:
    return {"role": role, "parts": list(parts)}


def request_body(*turns: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"contents": list(turns), **fields}


CALL = {"functionCall": {"name": "f", "args": {}}}
RESPONSE = {"functionResponse": {"name": "f", "response": {}}}
HELLO = turn("user", {"text": "hello"})


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (request_body(), 400, "contents is not specified"),
        (request_body(turn("assistant", {"text": "x"})), 400, "valid role: user, model"),
        (request_body(turn("user", {"text": ""})), 400, "empty text parameter"),
        (request_body(turn("user", {})), 400, "oneof field 'data'"),
        (request_body(HELLO, turn("user", RESPONSE)), 400, "immediately after a function"),
        (request_body(turn("model", CALL)), 400, "immediately after a user turn"),
        (
            request_body(HELLO, turn("model", CALL), turn("user", RESPONSE, RESPONSE)),
            400,
            "number of function response parts is equal to the number of function call parts",
        ),
        (request_body(HELLO, temperature=1), 400, 'Unknown name "temperature"'),
        (request_body(HELLO, turn("model", CALL), turn("user", RESPONSE)), 200, ""),
        (request_body(HELLO, generation_config={"max_output_tokens": 5}), 200, ""),
    ],
)
async def test_the_fake_rejects_what_the_real_api_rejects(
    fake: FakeUpstream,
    session: aiohttp.ClientSession,
    body: dict[str, Any],
    status: int,
    message: str,
) -> None:
    url = f"{fake.base_url}/v1beta/models/gemini-test:generateContent?key=k"
    async with session.post(url, json=body) as response:
        assert response.status == status
        if status == 200:
            return
        error = make_adapter().parse_error(status, await response.read(), response.headers)
    assert message in error.message


async def test_the_fake_wants_a_key(fake: FakeUpstream, session: aiohttp.ClientSession) -> None:
    url = f"{fake.base_url}/v1beta/models/gemini-test:generateContent"
    async with session.post(url, json=request_body(HELLO)) as response:
        assert response.status == 403
        assert (await response.json())["error"]["status"] == "PERMISSION_DENIED"


# --- the official SDK as ground truth for the fake --------------------------------------------


@pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning")
async def test_the_google_genai_sdk_talks_to_the_fake(fake: FakeUpstream) -> None:
    client = genai.Client(api_key="g-key", http_options=types.HttpOptions(base_url=fake.base_url))
    response = await client.aio.models.generate_content(model="gemini-test", contents="hello sdk")
    assert response.text == "hello sdk"
    assert response.usage_metadata is not None
    assert response.usage_metadata.candidates_token_count == 2

    pieces = []
    async for chunk in await client.aio.models.generate_content_stream(
        model="gemini-test", contents="one two three four five"
    ):
        pieces.append(chunk.text)
    assert "".join(pieces) == "one two three four five" and len(pieces) == 3
    assert chunk.candidates and chunk.candidates[0].finish_reason == types.FinishReason.STOP

    declaration = types.FunctionDeclaration(
        name="get_weather",
        parameters_json_schema={"type": "object", "properties": {"city": {"type": "string"}}},
    )
    config = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[declaration])])
    response = await client.aio.models.generate_content(
        model="gemini-test-tools", contents="Rome", config=config
    )
    assert response.function_calls and response.function_calls[0].args == {"city": "Rome"}

    with pytest.raises(genai.errors.ClientError) as raised:
        await client.aio.models.generate_content(model="gemini-error-429", contents="x")
    assert raised.value.code == 429 and raised.value.status == "RESOURCE_EXHAUSTED"
    with pytest.raises(genai.errors.ServerError) as server_error:
        await client.aio.models.generate_content(model="gemini-overloaded", contents="x")
    assert server_error.value.code == 503
    await client.aio.aclose()
