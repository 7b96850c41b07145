"""The Responses front on recorded bytes: requests to chat bodies, chat answers and chunk
streams to Response objects and events, each checked against the ``openai`` SDK's own types."""

from __future__ import annotations

import copy
import json
import random
import re
from typing import Any

import pydantic
import pytest
from openai.types.responses import Response, ResponseStreamEvent

from core.errors import InvalidRequestError
from fronts.responses import (
    ChunksToResponseEvents,
    completion_to_response,
    request_echo,
    responses_to_chat,
)
from providers.base import Usage
from providers.openai_shapes import SseDecoder
from tests.fronts.test_anthropic_messages import (
    ERROR_STREAM,
    OPENAI_COMPLETION,
    TEXT_STREAM,
    TOOL_STREAM,
    USAGE,
)
from tests.providers.forwarding import split_feed

STREAM_EVENTS: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(ResponseStreamEvent)
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    "strict": True,
}
IMAGE = "data:image/png;base64,iVBORw0KGgo="

# --- request translation -------------------------------------------------------------------------


def test_a_string_input_with_instructions_and_settings() -> None:
    chat = responses_to_chat(
        {
            "model": "gpt-4o-mini",
            "instructions": "Be brief.",
            "input": "hello",
            "max_output_tokens": 50,
            "temperature": 0.2,
            "top_p": 0.9,
            "user": "u-1",
            "metadata": {"tool": "support.reply"},
            "stream": True,
            "include": ["message.output_text.logprobs"],  # accepted, dropped
        }
    )
    assert chat == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hello"},
        ],
        "max_completion_tokens": 50,
        "temperature": 0.2,
        "top_p": 0.9,
        "user": "u-1",
        "metadata": {"tool": "support.reply"},
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_items_messages_images_files_calls_and_outputs() -> None:
    chat = responses_to_chat(
        {
            "model": "m",
            "input": [
                {"role": "developer", "content": "Use tools."},
                {
                    "type": "message",
                    "role": "user",
                    "content": [
                        {"type": "input_text", "text": "weather here?"},
                        {"type": "input_image", "image_url": IMAGE, "detail": "high"},
                        {"type": "input_file", "file_data": "data:application/pdf;base64,JVBE"},
                    ],
                },
                {
                    "type": "message",
                    "role": "assistant",
                    "id": "msg_1",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": "Checking.", "annotations": []}],
                },
                {"type": "reasoning", "id": "rs_1", "summary": []},
                {
                    "type": "function_call",
                    "call_id": "c1",
                    "name": "get_weather",
                    "arguments": "{}",
                },
                {
                    "type": "function_call",
                    "call_id": "c2",
                    "name": "get_weather",
                    "arguments": "{}",
                },
                {"type": "function_call_output", "call_id": "c1", "output": "sunny"},
                {
                    "type": "function_call_output",
                    "call_id": "c2",
                    "output": [{"type": "input_text", "text": "rain"}],
                },
            ],
            "tools": [WEATHER],
            "tool_choice": {"type": "function", "name": "get_weather"},
            "parallel_tool_calls": False,
        }
    )
    call = {"type": "function", "function": {"name": "get_weather", "arguments": "{}"}}
    assert chat["messages"] == [
        {"role": "developer", "content": "Use tools."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "weather here?"},
                {"type": "image_url", "image_url": {"url": IMAGE, "detail": "high"}},
                {
                    "type": "file",
                    "file": {
                        "file_data": "data:application/pdf;base64,JVBE",
                        "filename": "file.pdf",
                    },
                },
            ],
        },
        # The calls of one turn join the assistant's text, as chat.completions has them.
        {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [{"id": "c1", **call}, {"id": "c2", **call}],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        {"role": "tool", "tool_call_id": "c2", "content": [{"type": "text", "text": "rain"}]},
    ]
    assert chat["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather in a city",
                "parameters": WEATHER["parameters"],
                "strict": True,
            },
        }
    ]
    assert chat["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert chat["parallel_tool_calls"] is False


@pytest.mark.parametrize(
    ("text", "response_format"),
    [
        ({"format": {"type": "text"}}, None),
        ({"format": {"type": "json_object"}}, {"type": "json_object"}),
        (
            {"format": {"type": "json_schema", "name": "city", "schema": {"type": "object"}}},
            {"type": "json_schema", "json_schema": {"name": "city", "schema": {"type": "object"}}},
        ),
    ],
)
def test_text_format(text: dict[str, Any], response_format: dict[str, Any] | None) -> None:
    chat = responses_to_chat({"model": "m", "input": "x", "text": text})
    assert chat.get("response_format") == response_format
    assert request_echo(chat)["text"] == text


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"input": "x"}, "model", "missing_required_parameter"),
        ({"model": "m"}, "input", "missing_required_parameter"),
        ({"model": "m", "input": 3}, "input", "invalid_type"),
        (
            {"model": "m", "input": "x", "previous_response_id": "resp_1"},
            "previous_response_id",
            "stored_responses_unsupported",
        ),
        ({"model": "m", "input": "x", "store": True}, "store", "stored_responses_unsupported"),
        (
            {"model": "m", "input": "x", "conversation": "conv_1"},
            "conversation",
            "stored_responses_unsupported",
        ),
        (
            {"model": "m", "input": [{"type": "item_reference", "id": "msg_1"}]},
            "input[0].id",
            "stored_responses_unsupported",
        ),
        ({"model": "m", "input": "x", "background": True}, "background", "unsupported_parameter"),
        ({"model": "m", "input": "x", "frobnicate": 1}, "frobnicate", "unknown_parameter"),
        (
            {"model": "m", "input": [{"role": "tool", "content": "x"}]},
            "input[0].role",
            "invalid_value",
        ),
        (
            {
                "model": "m",
                "input": [
                    {"role": "user", "content": [{"type": "input_image", "file_id": "file_1"}]}
                ],
            },
            "input[0].content[0].image_url",
            "unsupported_value",
        ),
        (
            {"model": "m", "input": [{"type": "function_call", "name": "f", "arguments": "{}"}]},
            "input[0].call_id",
            "missing_required_parameter",
        ),
        (
            {"model": "m", "input": [{"type": "computer_call"}]},
            "input[0].type",
            "unsupported_value",
        ),
        (
            {"model": "m", "input": "x", "tools": [{"type": "web_search"}]},
            "tools[0].type",
            "unsupported_value",
        ),
        (
            {"model": "m", "input": "x", "tool_choice": {"type": "mcp"}},
            "tool_choice",
            "unsupported_value",
        ),
        ({"model": "m", "input": "x", "max_output_tokens": 0}, "max_output_tokens", "invalid_type"),
        (
            {"model": "m", "input": "x", "text": {"format": {"type": "json_schema", "name": "n"}}},
            "text.format.schema",
            "missing_required_parameter",
        ),
        (
            {"model": "m", "input": "x", "text": {"format": {"type": "xml"}}},
            "text.format.type",
            "invalid_value",
        ),
    ],
)
def test_invalid_requests_name_the_field(body: dict[str, Any], param: str, code: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        responses_to_chat(body)
    assert (caught.value.param, caught.value.code) == (param, code)


def test_store_false_and_null_state_are_fine() -> None:
    chat = responses_to_chat(
        {"model": "m", "input": "x", "store": False, "previous_response_id": None}
    )
    assert chat["messages"] == [{"role": "user", "content": "x"}]


# --- response translation ------------------------------------------------------------------------


def test_a_recorded_completion_becomes_a_response() -> None:
    chat = responses_to_chat({"model": "front", "input": "x", "tools": [WEATHER]})
    document = completion_to_response(copy.deepcopy(OPENAI_COMPLETION), "front", request_echo(chat))
    response = Response.model_validate(document)
    assert response.id == "resp_B9MHDbslfkBeAs8l4bebGdFOJ6PeG"
    assert response.status == "completed" and response.model == "front"
    message, call = document["output"]
    assert message["type"] == "message" and message["id"].startswith("msg_")
    assert message["content"] == [
        {"type": "output_text", "text": "Let me check.", "annotations": [], "logprobs": []}
    ]
    assert {k: v for k, v in call.items() if k != "id"} == {
        "type": "function_call",
        "status": "completed",
        "call_id": "call_FthC9qRpsL5kBpwwyw6c7j4k",
        "name": "get_weather",
        "arguments": '{"city":"Paris"}',
    }
    assert response.output_text == "Let me check."
    assert document["usage"] == {
        "input_tokens": 1117,
        "input_tokens_details": {"cached_tokens": 1024, "cache_write_tokens": 0},
        "output_tokens": 46,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 1163,
    }
    assert document["tools"][0]["name"] == "get_weather"


def test_a_cut_answer_is_incomplete_and_given_usage_wins() -> None:
    document = copy.deepcopy(OPENAI_COMPLETION)
    document["choices"][0]["finish_reason"] = "length"
    del document["choices"][0]["message"]["tool_calls"]
    response = completion_to_response(
        document, "front", request_echo({"model": "m"}), usage=Usage(5, 6, estimated=True)
    )
    Response.model_validate(response)
    assert response["status"] == "incomplete"
    assert response["incomplete_details"] == {"reason": "max_output_tokens"}
    assert response["usage"]["total_tokens"] == 11


# --- stream translation --------------------------------------------------------------------------


def events_of(data: bytes) -> list[dict[str, Any]]:
    """The events in ``data``, each checked: its ``event:`` name is its type, and it is one of
    the SDK's Responses stream events."""
    assert data == b"" or data.endswith(b"\n\n")
    events = []
    for event in SseDecoder().feed(data):
        payload = json.loads(event.data)
        assert event.event == payload["type"]
        STREAM_EVENTS.validate_python(payload)
        events.append(payload)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    return events


def translate(data: bytes, splits: random.Random | None = None) -> tuple[bytes, Any]:
    translator = ChunksToResponseEvents("front", request_echo({"model": "m"}))
    return split_feed(translator, data, splits), translator


def test_a_recorded_text_stream() -> None:
    out, translator = translate(TEXT_STREAM)
    events = events_of(out)
    assert [e["type"] for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    text = "Bonjour ! Il fait 18 °C ☁️ — 東京"
    assert events[0]["response"]["status"] == "in_progress"
    assert events[6]["text"] == text
    assert len({e.get("item_id") for e in events[3:8]}) == 1
    completed = Response.model_validate(events[-1]["response"])
    assert completed.output_text == text and completed.status == "completed"
    assert completed.id == "resp_BaRTz1"
    assert events[-1]["response"]["usage"]["input_tokens"] == USAGE["prompt_tokens"]
    assert translator.finished and translator.usage == Usage(84, 40, cached_input_tokens=64)


def test_a_recorded_tool_call_stream() -> None:
    out, _ = translate(TOOL_STREAM)
    events = events_of(out)
    kinds = [e["type"] for e in events]
    assert kinds.count("response.output_item.added") == 3
    deltas = [e for e in events if e["type"] == "response.function_call_arguments.delta"]
    assert [(e["output_index"], e["delta"]) for e in deltas] == [
        (1, '{"ci'),
        (1, 'ty": "Paris"}'),
        (2, '{"city": "Rome"}'),
    ]
    done = [e for e in events if e["type"] == "response.function_call_arguments.done"]
    assert [e["arguments"] for e in done] == ['{"city": "Paris"}', '{"city": "Rome"}']
    output = events[-1]["response"]["output"]
    assert [item["type"] for item in output] == ["message", "function_call", "function_call"]
    assert [item.get("call_id") for item in output[1:]] == ["call_paris", "call_rome"]
    assert output[0]["content"][0]["text"] == "Checking both."


def _without_ids(data: bytes) -> bytes:
    # Item ids are new per translation: compare the events around them.
    return re.sub(rb'"(msg|fc)_[0-9a-f]{24}"', b'"id"', data)


@pytest.mark.parametrize("stream", [TEXT_STREAM, TOOL_STREAM, ERROR_STREAM])
@pytest.mark.parametrize("seed", range(6))
def test_any_byte_split_gives_the_same_events(stream: bytes, seed: int) -> None:
    whole, _ = translate(stream)
    split, _ = translate(stream, random.Random(seed))
    assert _without_ids(split) == _without_ids(whole)


def test_an_in_band_error_fails_the_response_and_ends_the_stream() -> None:
    out, translator = translate(ERROR_STREAM)
    events = events_of(out)
    error, failed = events[-2:]
    assert error["type"] == "error" and error["message"] == "Overloaded"
    assert error["code"] == "upstream_overloaded"
    assert failed["type"] == "response.failed"
    assert failed["response"]["status"] == "failed"
    assert failed["response"]["error"] == {"code": "server_error", "message": "Overloaded"}
    assert not translator.finished
    assert translator.feed(b"data: [DONE]\n\n") == b""


def test_a_cut_stream_gets_no_completed_event() -> None:
    out, translator = translate(TEXT_STREAM[: TEXT_STREAM.index(b"data: [DONE]")])
    assert "response.completed" not in [e["type"] for e in events_of(out)]
    assert not translator.finished


def test_the_final_usage_comes_from_the_provider_when_given() -> None:
    translator = ChunksToResponseEvents(
        "front", request_echo({"model": "m"}), final_usage=lambda: Usage(9, 3, 0, 4)
    )
    events = events_of(split_feed(translator, TEXT_STREAM))
    assert events[-1]["response"]["usage"]["input_tokens_details"]["cache_write_tokens"] == 4
    assert events[-1]["response"]["usage"]["total_tokens"] == 12
