"""fronts.anthropic_messages: Anthropic's Messages API in front of the OpenAI-shaped pipeline.

On recorded bytes both ways (Anthropic requests in, OpenAI completions and chunk streams back),
checked with the official ``anthropic`` SDK's types; then through a small front app that serves
``/v1/messages`` the way the gateway will, over the OpenAI, Anthropic and Gemini fakes, with the
``anthropic`` SDK itself as the client.
"""

from __future__ import annotations

import copy
import functools
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
from aiohttp import web
from anthropic.types import ErrorResponse, Message, RawMessageStreamEvent
from anthropic.types.message_create_params import MessageCreateParamsStreaming
from openai.types.chat import ChatCompletionMessageParam
from openai.types.chat.completion_create_params import CompletionCreateParamsStreaming

from core.errors import (
    AuthenticationError,
    GatewayError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestTooLargeError,
    ServiceUnavailableError,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from core.settings import ProviderConfig
from fronts.anthropic_messages import (
    ChunksToAnthropicEvents,
    anthropic_error_body,
    completion_to_message,
    messages_to_chat,
)
from fronts.chat_request import parse_chat_request
from providers.anthropic import AnthropicAdapter
from providers.base import ProviderAdapter, Usage
from providers.gemini import GeminiAdapter
from providers.openai import OpenAIAdapter
from providers.openai_shapes import SseDecoder
from tests.fakes.anthropic_upstream import start_fake_anthropic
from tests.fakes.gemini_upstream import start_fake_gemini
from tests.fakes.openai_upstream import FAKE_OPENAI_KEY, start_fake_openai
from tests.fakes.server import FakeUpstream, start_fake
from tests.providers.forwarding import complete, forward_stream, split_feed

DATA = Path(__file__).parent.parent / "providers" / "data"  # recorded bytes, shared
STREAM_EVENTS = pydantic.TypeAdapter(RawMessageStreamEvent)
ANTHROPIC_REQUEST = pydantic.TypeAdapter(MessageCreateParamsStreaming)
OPENAI_REQUEST = pydantic.TypeAdapter(CompletionCreateParamsStreaming)
OPENAI_MESSAGE = pydantic.TypeAdapter(ChatCompletionMessageParam)

# --- recorded bytes ----------------------------------------------------------------------------

# A request as Claude Code sends it (trimmed): system blocks with a cache breakpoint, thinking
# blocks sent back, parallel tool calls, an error tool result, an image and a PDF.
CODE_REQUEST: dict[str, Any] = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 32000,
    "system": [
        {"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude."},
        {
            "type": "text",
            "text": "Working directory: /repo",
            "cache_control": {"type": "ephemeral"},
        },
    ],
    "messages": [
        {"role": "user", "content": [{"type": "text", "text": "List the files, read README.md"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "List, then read.", "signature": "EqQBCgIYAh"},
                {"type": "text", "text": "I'll look."},
                {"type": "tool_use", "id": "toolu_01A", "name": "Bash", "input": {"command": "ls"}},
                {
                    "type": "tool_use",
                    "id": "toolu_01B",
                    "name": "Read",
                    "input": {"file_path": "/repo/README.md"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01A", "content": "README.md\nsrc"},
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_01B",
                    "content": [{"type": "text", "text": "File does not exist."}],
                    "is_error": True,
                    "cache_control": {"type": "ephemeral"},
                },
                {"type": "text", "text": "Also, what is in this screenshot?"},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
                },
                {
                    "type": "document",
                    "source": {
                        "type": "base64",
                        "media_type": "application/pdf",
                        "data": "JVBERi0xLjQ=",
                    },
                    "title": "spec.pdf",
                },
            ],
        },
    ],
    "tools": [
        {
            "name": "Bash",
            "description": "Run a shell command",
            "input_schema": {
                "type": "object",
                "properties": {"command": {"type": "string"}},
                "required": ["command"],
            },
        },
        {
            "name": "Read",
            "description": "Read a file",
            "input_schema": {"type": "object", "properties": {"file_path": {"type": "string"}}},
            "cache_control": {"type": "ephemeral"},
        },
    ],
    "tool_choice": {"type": "auto", "disable_parallel_tool_use": True},
    "metadata": {"user_id": "user_abc_account_123", "tool": "code.assist"},
    "temperature": 1,
    "top_k": 40,
    "stop_sequences": ["</done>"],
    "thinking": {"type": "enabled", "budget_tokens": 1024},
    "stream": True,
}

CODE_CHAT: dict[str, Any] = {
    "model": "claude-sonnet-4-5",
    "messages": [
        {
            "role": "system",
            "content": [
                {
                    "type": "text",
                    "text": "You are Claude Code, Anthropic's official CLI for Claude.",
                },
                {
                    "type": "text",
                    "text": "Working directory: /repo",
                    "cache_control": {"type": "ephemeral"},
                },
            ],
        },
        {"role": "user", "content": [{"type": "text", "text": "List the files, read README.md"}]},
        {
            "role": "assistant",
            "content": [{"type": "text", "text": "I'll look."}],
            "tool_calls": [
                {
                    "id": "toolu_01A",
                    "type": "function",
                    "function": {"name": "Bash", "arguments": '{"command":"ls"}'},
                },
                {
                    "id": "toolu_01B",
                    "type": "function",
                    "function": {"name": "Read", "arguments": '{"file_path":"/repo/README.md"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "toolu_01A", "content": "README.md\nsrc"},
        {
            "role": "tool",
            "tool_call_id": "toolu_01B",
            "content": [
                {"type": "text", "text": "Error:"},
                {
                    "type": "text",
                    "text": "File does not exist.",
                    "cache_control": {"type": "ephemeral"},
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Also, what is in this screenshot?"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                {
                    "type": "file",
                    "file": {
                        "file_data": "data:application/pdf;base64,JVBERi0xLjQ=",
                        "filename": "spec.pdf",
                    },
                },
            ],
        },
    ],
    "max_tokens": 32000,
    "temperature": 1,
    "stop": ["</done>"],
    "stream": True,
    "stream_options": {"include_usage": True},
    "user": "user_abc_account_123",
    "metadata": {"tool": "code.assist"},
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "Bash",
                "description": "Run a shell command",
                "parameters": {
                    "type": "object",
                    "properties": {"command": {"type": "string"}},
                    "required": ["command"],
                },
            },
        },
        {
            "type": "function",
            "function": {
                "name": "Read",
                "description": "Read a file",
                "parameters": {"type": "object", "properties": {"file_path": {"type": "string"}}},
            },
        },
    ],
    "tool_choice": "auto",
    "parallel_tool_calls": False,
}

# A chat completion as OpenAI returns it, with a tool call and a prompt-cache hit.
OPENAI_COMPLETION: dict[str, Any] = {
    "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
    "object": "chat.completion",
    "created": 1741570283,
    "model": "gpt-4o-2024-08-06",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Let me check.",
                "refusal": None,
                "tool_calls": [
                    {
                        "id": "call_FthC9qRpsL5kBpwwyw6c7j4k",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    }
                ],
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {
        "prompt_tokens": 1117,
        "completion_tokens": 46,
        "total_tokens": 1163,
        "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    },
    "service_tier": "default",
    "system_fingerprint": "fp_fc9f1d7035",
}


def _chunk(delta: dict[str, Any] | None, finish: str | None = None, usage: Any = None) -> bytes:
    chunk = {
        "id": "chatcmpl-BaRTz1",
        "object": "chat.completion.chunk",
        "created": 1748000000,
        "model": "gpt-4o-mini-2024-07-18",
        "service_tier": "default",
        "system_fingerprint": "fp_34a54ae93c",
        "choices": []
        if delta is None
        else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        "usage": usage,
    }
    return b"data: " + orjson.dumps(chunk) + b"\n\n"


def _call(index: int, call_id: str | None, arguments: str) -> dict[str, Any]:
    call: dict[str, Any] = {"index": index, "function": {"arguments": arguments}}
    if call_id:
        call |= {"id": call_id, "type": "function"}
        call["function"] = {"name": "get_weather", "arguments": arguments}
    return {"tool_calls": [call]}


USAGE = {
    "prompt_tokens": 84,
    "completion_tokens": 40,
    "total_tokens": 124,
    "prompt_tokens_details": {"cached_tokens": 64, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
}
# Streams as OpenAI sends them with stream_options.include_usage.
TEXT_STREAM = b"".join(
    [
        _chunk({"role": "assistant", "content": "", "refusal": None}),
        _chunk({"content": "Bonjour"}),
        _chunk({"content": " ! Il fait 18 °C ☁️ — 東京"}),
        _chunk({}, "stop"),
        _chunk(None, usage=USAGE),
        b"data: [DONE]\n\n",
    ]
)
TOOL_STREAM = b"".join(
    [
        _chunk({"role": "assistant", "content": None, "refusal": None}),
        _chunk({"content": "Checking both."}),
        _chunk(_call(0, "call_paris", "")),
        _chunk(_call(0, None, '{"ci')),
        _chunk(_call(0, None, 'ty": "Paris"}')),
        _chunk(_call(1, "call_rome", "")),
        _chunk(_call(1, None, '{"city": "Rome"}')),
        _chunk({}, "tool_calls"),
        _chunk(None, usage=USAGE),
        b"data: [DONE]\n\n",
    ]
)
ERROR_STREAM = (
    TEXT_STREAM[: TEXT_STREAM.index(b"data: ", 10)]
    + _chunk({"content": "Once upon"})
    + b'data: {"error":{"message":"Overloaded","type":"api_error","param":null,'
    b'"code":"upstream_overloaded"}}\n\n'
)

START_USAGE = {
    "input_tokens": 0,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 0,
    "output_tokens": 0,
}
END_USAGE = {
    "input_tokens": 20,
    "cache_creation_input_tokens": 0,
    "cache_read_input_tokens": 64,
    "output_tokens": 40,
}


def message_start(model: str = "claude-front") -> dict[str, Any]:
    message = {
        "id": "msg_BaRTz1",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": START_USAGE,
    }
    return {"type": "message_start", "message": message}


def block_start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def text_delta(index: int, text: str) -> dict[str, Any]:
    return {
        "type": "content_block_delta",
        "index": index,
        "delta": {"type": "text_delta", "text": text},
    }


def json_delta(index: int, partial: str) -> dict[str, Any]:
    delta = {"type": "input_json_delta", "partial_json": partial}
    return {"type": "content_block_delta", "index": index, "delta": delta}


def block_stop(index: int) -> dict[str, Any]:
    return {"type": "content_block_stop", "index": index}


def message_end(stop_reason: str) -> list[dict[str, Any]]:
    delta = {"stop_reason": stop_reason, "stop_sequence": None}
    return [
        {"type": "message_delta", "delta": delta, "usage": END_USAGE},
        {"type": "message_stop"},
    ]


def tool_block(call_id: str) -> dict[str, Any]:
    return {"type": "tool_use", "id": call_id, "name": "get_weather", "input": {}}


# --- helpers -----------------------------------------------------------------------------------


def events_of(data: bytes) -> list[dict[str, Any]]:
    """The Anthropic events in ``data``, each checked: its ``event:`` name is its type, and it
    is one of the SDK's stream event types (or an error response)."""
    assert data == b"" or data.endswith(b"\n\n")
    events = []
    for event in SseDecoder().feed(data):
        payload = json.loads(event.data)
        assert event.event == payload["type"]
        if event.event == "error":
            ErrorResponse.model_validate(payload)
        else:
            STREAM_EVENTS.validate_python(payload)
        events.append(payload)
    return events


def translate_chunks(
    data: bytes, splits: random.Random | None = None, **options: Any
) -> tuple[bytes, ChunksToAnthropicEvents]:
    translator = ChunksToAnthropicEvents("claude-front", **options)
    return split_feed(translator, data, splits), translator


def final_message(events: list[dict[str, Any]]) -> dict[str, Any]:
    """What an Anthropic client rebuilds from the events (thinking left out)."""
    message: dict[str, Any] = {}
    blocks: dict[int, dict[str, Any]] = {}
    for event in events:
        if event["type"] == "message_start":
            message = copy.deepcopy(event["message"])
        elif event["type"] == "content_block_start":
            blocks[event["index"]] = {**event["content_block"], "json": ""}
        elif event["type"] == "content_block_delta":
            block, delta = blocks[event["index"]], event["delta"]
            block["text"] = block.get("text", "") + delta.get("text", "")
            block["json"] += delta.get("partial_json", "")
        elif event["type"] == "message_delta":
            message |= event["delta"]
            message["usage"] |= event["usage"]
    for index in sorted(blocks):
        block = blocks[index]
        if block["type"] == "text":
            message["content"].append({"type": "text", "text": block["text"]})
        elif block["type"] == "tool_use":
            tool_input = json.loads(block["json"] or "{}")
            message["content"].append({**tool_block(block["id"]), "name": block["name"]})
            message["content"][-1]["input"] = tool_input
    return message


def anthropic_round_trip(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` -> OpenAI chat -> the Anthropic body providers.anthropic builds from it."""
    adapter = AnthropicAdapter(ProviderConfig(name="a", kind="anthropic", base_url="http://a"))
    chat = messages_to_chat(body)
    upstream = adapter.build_chat_request(chat, body["model"], stream=bool(body.get("stream")))
    return orjson.loads(upstream.body)


def as_blocks(content: Any) -> list[dict[str, Any]]:
    return [{"type": "text", "text": content}] if isinstance(content, str) else content


# --- request translation -----------------------------------------------------------------------


def test_the_recorded_requests_are_valid_for_the_anthropic_sdk() -> None:
    for body in (
        CODE_REQUEST,
        json.loads((DATA / "anthropic" / "request_messages.json").read_text()),
    ):
        ANTHROPIC_REQUEST.validate_python(body)


def test_a_claude_code_request_translates_to_the_recorded_chat_body() -> None:
    chat = messages_to_chat(copy.deepcopy(CODE_REQUEST))
    assert chat == CODE_CHAT
    OPENAI_REQUEST.validate_python(chat)
    for message in chat["messages"]:
        OPENAI_MESSAGE.validate_python(message)
    # ... and the pipeline reads it as any OpenAI request, asking for usage on the stream.
    parsed = parse_chat_request(orjson.dumps(chat))
    assert (parsed.model, parsed.stream, parsed.include_usage) == ("claude-sonnet-4-5", True, True)
    assert parsed.max_output_tokens == 32000


def test_the_recorded_request_comes_back_unchanged_through_the_anthropic_adapter() -> None:
    body = json.loads((DATA / "anthropic" / "request_messages.json").read_text())
    assert anthropic_round_trip(copy.deepcopy(body)) == body


def test_a_claude_code_request_comes_back_through_the_anthropic_adapter() -> None:
    back = anthropic_round_trip(copy.deepcopy(CODE_REQUEST))
    assert back["system"] == CODE_REQUEST["system"]
    assert back["tool_choice"] == CODE_REQUEST["tool_choice"]
    assert back["metadata"] == {"user_id": "user_abc_account_123"}  # the gateway's own stays
    for name in ("model", "max_tokens", "temperature", "stop_sequences", "stream"):
        assert back[name] == CODE_REQUEST[name]
    # Tools come back without their cache breakpoint (the system's covers them: caching is by
    # prefix, and tools come first).
    assert back["tools"] == [
        {k: v for k, v in tool.items() if k != "cache_control"} for tool in CODE_REQUEST["tools"]
    ]
    first, assistant, results = CODE_REQUEST["messages"]
    assert back["messages"][0] == first
    # Thinking is not asked for, so the thinking sent back is dropped.
    assert back["messages"][1] == {**assistant, "content": assistant["content"][1:]}
    error_result = {
        "type": "tool_result",
        "tool_use_id": "toolu_01B",
        "content": [
            {"type": "text", "text": "Error:"},
            {
                "type": "text",
                "text": "File does not exist.",
                "cache_control": {"type": "ephemeral"},
            },
        ],
    }
    document = {k: v for k, v in results["content"][4].items() if k != "title"}
    assert back["messages"][2] == {
        "role": "user",
        "content": [results["content"][0], error_result, *results["content"][2:4], document],
    }
    assert set(back) == set(CODE_REQUEST) - {"top_k", "thinking"}


def request(*messages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"model": "claude-x", "max_tokens": 16, "messages": list(messages), **fields}


def user(content: Any) -> dict[str, Any]:
    return {"role": "user", "content": content}


def assistant(content: Any) -> dict[str, Any]:
    return {"role": "assistant", "content": content}


TOOL = {"name": "f", "input_schema": {"type": "object", "properties": {}}}


@pytest.mark.parametrize(
    "body",
    [
        request(user("hi"), system="Be brief."),
        request(user("hi"), assistant("Hello"), user([{"type": "text", "text": "again"}])),
        request(
            user("weather?"),
            assistant([{"type": "tool_use", "id": "t1", "name": "f", "input": {"a": [1, "ü"]}}]),
            user([{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}]),
            tools=[TOOL],
            tool_choice={"type": "tool", "name": "f"},
        ),
        request(
            user("json please"),
            output_config={"format": {"type": "json_schema", "schema": {"type": "object"}}},
        ),
        request(
            user([{"type": "image", "source": {"type": "url", "url": "https://x.test/a.png"}}]),
            assistant("The answer is ("),  # a prefill: the last turn is the assistant's
        ),
    ],
)
def test_requests_come_back_equivalent_through_the_anthropic_adapter(body: dict[str, Any]) -> None:
    back = anthropic_round_trip(copy.deepcopy(body))
    assert back.get("system") == (as_blocks(body["system"]) if "system" in body else None)
    assert back["messages"] == [
        {"role": m["role"], "content": as_blocks(m["content"])} for m in body["messages"]
    ]
    assert back.get("tools") == body.get("tools")
    assert back.get("tool_choice") == body.get("tool_choice")
    assert back.get("output_config") == body.get("output_config")


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ({"type": "auto"}, {"tool_choice": "auto"}),
        ({"type": "any"}, {"tool_choice": "required"}),
        ({"type": "none"}, {"tool_choice": "none"}),
        (
            {"type": "tool", "name": "f"},
            {"tool_choice": {"type": "function", "function": {"name": "f"}}},
        ),
        (
            {"type": "any", "disable_parallel_tool_use": True},
            {"tool_choice": "required", "parallel_tool_calls": False},
        ),
        ({"type": "none", "disable_parallel_tool_use": True}, {"tool_choice": "none"}),
        (None, {}),
    ],
)
def test_tool_choice(choice: dict[str, Any] | None, expected: dict[str, Any]) -> None:
    fields = {"tools": [TOOL]} | ({"tool_choice": choice} if choice else {})
    chat = messages_to_chat(request(user("hi"), **fields))
    assert {
        k: v for k, v in chat.items() if k in ("tool_choice", "parallel_tool_calls")
    } == expected


def test_tool_choice_without_tools_is_dropped_as_openai_rejects_it() -> None:
    chat = messages_to_chat(request(user("hi"), tool_choice={"type": "any"}, tools=[]))
    assert "tool_choice" not in chat and "tools" not in chat


def test_a_plain_request_and_what_is_dropped() -> None:
    body = request(
        user("hi"), top_k=5, service_tier="auto", metadata={"user_id": None}, stream=False
    )
    assert messages_to_chat(body) == {
        "model": "claude-x",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 16,
    }


def test_tool_results_as_tool_messages() -> None:
    chat = messages_to_chat(
        request(
            user("go"),
            assistant([{"type": "tool_use", "id": "t1", "name": "f", "input": {}}]),
            user(
                [
                    {
                        "type": "tool_result",
                        "tool_use_id": "t1",
                        "is_error": True,
                        "content": "boom",
                    },
                    {"type": "tool_result", "tool_use_id": "t2"},
                    {"type": "tool_result", "tool_use_id": "t4", "content": []},
                    {
                        "type": "tool_result",
                        "tool_use_id": "t3",
                        "content": "cached",
                        "cache_control": {"type": "ephemeral"},
                    },
                ]
            ),
        )
    )
    assert chat["messages"][1]["content"] is None
    assert chat["messages"][2:] == [
        {"role": "tool", "tool_call_id": "t1", "content": "Error: boom"},
        {"role": "tool", "tool_call_id": "t2", "content": ""},
        {"role": "tool", "tool_call_id": "t4", "content": ""},
        {
            "role": "tool",
            "tool_call_id": "t3",
            "content": [{"type": "text", "text": "cached", "cache_control": {"type": "ephemeral"}}],
        },
    ]


def test_documents_of_text_and_content_sources_become_text() -> None:
    text_source = {"type": "text", "media_type": "text/plain", "data": "The grass is green."}
    content_source = {"type": "content", "content": [{"type": "text", "text": "Sky: blue."}]}
    chat = messages_to_chat(
        request(
            user(
                [
                    {"type": "document", "source": text_source},
                    {"type": "document", "source": content_source},
                    {"type": "document", "source": {"type": "url", "url": "https://x.test/a.pdf"}},
                ]
            )
        )
    )
    assert chat["messages"][0]["content"] == [
        {"type": "text", "text": "The grass is green."},
        {"type": "text", "text": "Sky: blue."},
        {"type": "file", "file": {"file_data": "https://x.test/a.pdf", "filename": "document.pdf"}},
    ]


INVALID_REQUESTS: list[tuple[Any, str | None]] = [
    ([], None),
    ({"max_tokens": 5, "messages": [user("x")]}, "model"),
    ({"model": "m", "messages": [user("x")]}, "max_tokens"),
    (request(user("x"), max_tokens=0), "max_tokens"),
    (request(user("x"), max_tokens=True), "max_tokens"),
    ({"model": "m", "max_tokens": 5}, "messages"),
    (request(), "messages"),
    (request(user("x"), stop=["y"]), "stop"),
    (request({"role": "system", "content": "x"}), "messages.0.role"),
    (request(user(None)), "messages.0.content"),
    (request(user("")), "messages.0"),
    (request(user([])), "messages.0"),
    (request(user([{"type": "text", "text": ""}])), "messages.0.content.0"),
    (request(user([{"text": "no type"}])), "messages.0.content.0"),
    (request(user([{"type": "video"}])), "messages.0.content.0.type"),
    (
        request(user([{"type": "image", "source": {"type": "file", "file_id": "f"}}])),
        "messages.0.content.0.source",
    ),
    (
        request(
            user(
                [
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/bmp", "data": "x"},
                    }
                ]
            )
        ),
        "messages.0.content.0.source.media_type",
    ),
    (
        request(user([{"type": "tool_use", "id": "t", "name": "f", "input": {}}])),
        "messages.0.content.0",
    ),
    (
        request(user("x"), assistant([{"type": "tool_result", "tool_use_id": "t"}])),
        "messages.1.content.0",
    ),
    (
        request(
            user("x"), assistant([{"type": "tool_use", "id": "t", "name": "f", "input": "{}"}])
        ),
        "messages.1.content.0.input",
    ),
    (request(user([{"type": "tool_result", "content": "x"}])), "messages.0.content.0.tool_use_id"),
    (request(user("x"), system=[{"type": "image"}]), "system.0.type"),
    (request(user("x"), system=[{"type": "text", "text": ""}]), "system.0"),
    (request(user("x"), temperature=1.5), "temperature"),
    (request(user("x"), stop_sequences="END"), "stop_sequences"),
    (request(user("x"), stream="yes"), "stream"),
    (request(user("x"), metadata={"user_id": 7}), "metadata.user_id"),
    (request(user("x"), tools=[{"name": "f"}]), "tools.0.input_schema.type"),
    (
        request(user("x"), tools=[{"type": "web_search_20250305", "name": "web_search"}]),
        "tools.0.type",
    ),
    (request(user("x"), tools=[TOOL], tool_choice={"type": "required"}), "tool_choice.type"),
    (request(user("x"), tools=[TOOL], tool_choice={"type": "tool"}), "tool_choice.name"),
]


@pytest.mark.parametrize(("body", "param"), INVALID_REQUESTS)
def test_invalid_requests_are_rejected_naming_the_field(body: Any, param: str | None) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        messages_to_chat(body)
    assert raised.value.param == param
    assert raised.value.http_status == 400


# --- response translation ----------------------------------------------------------------------


def test_a_recorded_openai_completion_becomes_a_message() -> None:
    message = completion_to_message(copy.deepcopy(OPENAI_COMPLETION), "claude-front")
    Message.model_validate(message)
    assert message == {
        "id": "msg_B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "type": "message",
        "role": "assistant",
        "model": "claude-front",
        "content": [
            {"type": "text", "text": "Let me check."},
            {
                "type": "tool_use",
                "id": "call_FthC9qRpsL5kBpwwyw6c7j4k",
                "name": "get_weather",
                "input": {"city": "Paris"},
            },
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 93,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 1024,
            "output_tokens": 46,
        },
    }


@pytest.mark.parametrize(
    "name", ["message_text.json", "message_tool_use.json", "message_max_tokens.json"]
)
def test_recorded_anthropic_messages_come_back_through_the_anthropic_adapter(name: str) -> None:
    original = json.loads((DATA / "anthropic" / name).read_text())
    adapter = AnthropicAdapter(ProviderConfig(name="a", kind="anthropic", base_url="http://a"))
    response = adapter.parse_chat_response(orjson.dumps(original))
    message = completion_to_message(response.document, original["model"], usage=response.usage)
    Message.model_validate(message)
    usage_keys = (
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
    )
    assert message == {
        **original,
        "content": [b for b in original["content"] if b["type"] in ("text", "tool_use")],
        "usage": {k: original["usage"].get(k) or 0 for k in usage_keys},
    }


@pytest.mark.parametrize(
    ("finish_reason", "tool_calls", "stop_reason"),
    [
        ("stop", False, "end_turn"),
        ("length", False, "max_tokens"),
        ("content_filter", False, "refusal"),
        ("tool_calls", True, "tool_use"),
        ("stop", True, "tool_use"),  # some OpenAI-compatible servers
        (None, False, "end_turn"),
    ],
)
def test_stop_reasons(finish_reason: str | None, tool_calls: bool, stop_reason: str) -> None:
    document = copy.deepcopy(OPENAI_COMPLETION)
    choice = document["choices"][0]
    choice["finish_reason"] = finish_reason
    if not tool_calls:
        del choice["message"]["tool_calls"]
    assert completion_to_message(document, "m")["stop_reason"] == stop_reason


def test_refusals_truncated_arguments_ids_and_missing_usage() -> None:
    document = {
        "id": "msg_kept",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "refusal": "I can't help with that.",
                    "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": '{"a": '}}],
                },
                "finish_reason": "length",
            }
        ],
    }
    message = completion_to_message(document, "m")
    Message.model_validate(message)
    assert message["id"] == "msg_kept"
    assert message["content"] == [
        {"type": "text", "text": "I can't help with that."},
        {"type": "tool_use", "id": "c", "name": "f", "input": {}},
    ]
    assert message["usage"]["input_tokens"] == 0
    estimated = Usage(input_tokens=12, output_tokens=3, estimated=True)
    assert completion_to_message(document, "m", usage=estimated)["usage"]["input_tokens"] == 12
    assert completion_to_message({"choices": []}, "m")["id"].startswith("msg_")


# --- stream translation ------------------------------------------------------------------------


def test_a_recorded_text_stream() -> None:
    out, translator = translate_chunks(TEXT_STREAM)
    assert events_of(out) == [
        message_start(),
        block_start(0, {"type": "text", "text": ""}),
        text_delta(0, "Bonjour"),
        text_delta(0, " ! Il fait 18 °C ☁️ — 東京"),
        block_stop(0),
        *message_end("end_turn"),
    ]
    assert out.startswith(b"event: message_start\ndata: {")
    assert translator.finished
    assert translator.usage == Usage(84, 40, cached_input_tokens=64)


def test_a_recorded_tool_call_stream() -> None:
    out, _ = translate_chunks(TOOL_STREAM)
    assert events_of(out) == [
        message_start(),
        block_start(0, {"type": "text", "text": ""}),
        text_delta(0, "Checking both."),
        block_stop(0),
        block_start(1, tool_block("call_paris")),
        json_delta(1, '{"ci'),
        json_delta(1, 'ty": "Paris"}'),
        block_stop(1),
        block_start(2, tool_block("call_rome")),
        json_delta(2, '{"city": "Rome"}'),
        block_stop(2),
        *message_end("tool_use"),
    ]


@pytest.mark.parametrize("stream", [TEXT_STREAM, TOOL_STREAM, ERROR_STREAM])
@pytest.mark.parametrize("seed", range(8))
def test_any_byte_split_gives_the_same_events(stream: bytes, seed: int) -> None:
    whole, _ = translate_chunks(stream)
    assert translate_chunks(stream, random.Random(seed))[0] == whole
    one_by_one = ChunksToAnthropicEvents("claude-front")
    assert b"".join(one_by_one.feed(stream[i : i + 1]) for i in range(len(stream))) == whole


def test_an_error_event_becomes_an_anthropic_error_and_ends_the_stream() -> None:
    out, translator = translate_chunks(ERROR_STREAM)
    events = events_of(out)
    assert events[-1] == {
        "type": "error",
        "error": {"type": "overloaded_error", "message": "Overloaded"},
    }
    assert [e["type"] for e in events[:-1]] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
    ]
    assert not translator.finished
    assert translator.feed(b"data: [DONE]\n\n") == b""


@pytest.mark.parametrize(
    ("error", "anthropic_type"),
    [
        ({"type": "rate_limit_error", "code": "rate_limit_exceeded"}, "rate_limit_error"),
        ({"type": "invalid_request_error", "code": "invalid_api_key"}, "authentication_error"),
        ({"type": "invalid_request_error", "code": None}, "invalid_request_error"),
        ({"type": "api_error", "code": "upstream_timeout"}, "timeout_error"),
        ({"type": "server_error", "code": None}, "api_error"),
    ],
)
def test_in_band_error_types(error: dict[str, Any], anthropic_type: str) -> None:
    out, _ = translate_chunks(
        b"data: " + orjson.dumps({"error": {"message": "m", **error}}) + b"\n\n"
    )
    assert events_of(out) == [{"type": "error", "error": {"type": anthropic_type, "message": "m"}}]


def test_a_cut_stream_gets_no_message_stop() -> None:
    cut = TEXT_STREAM[: TEXT_STREAM.index(b'"finish_reason":"stop"')]
    out, translator = translate_chunks(cut)
    assert [e["type"] for e in events_of(out)][-1] == "content_block_delta"
    assert not translator.finished
    assert translator.close() == b""


def test_a_malformed_chunk_is_an_api_error() -> None:
    out, _ = translate_chunks(b"data: {not json\n\n")
    assert events_of(out)[0]["error"]["type"] == "api_error"


def test_input_token_estimate_and_final_usage_from_the_provider() -> None:
    exact = Usage(
        input_tokens=100, output_tokens=40, cached_input_tokens=64, cache_write_input_tokens=30
    )
    out, _ = translate_chunks(TEXT_STREAM, input_tokens=90, final_usage=lambda: exact)
    events = events_of(out)
    assert events[0]["message"]["usage"]["input_tokens"] == 90
    assert events[-2]["usage"] == {
        "input_tokens": 6,
        "cache_creation_input_tokens": 30,
        "cache_read_input_tokens": 64,
        "output_tokens": 40,
    }


@pytest.mark.parametrize("name", ["stream_text.sse", "stream_tool_use.sse"])
def test_recorded_anthropic_streams_come_back_through_the_anthropic_adapter(name: str) -> None:
    data = (DATA / "anthropic" / name).read_bytes()
    adapter = AnthropicAdapter(ProviderConfig(name="a", kind="anthropic", base_url="http://a"))
    chunks = adapter.open_stream(client_wants_usage=True)
    events = ChunksToAnthropicEvents("claude-sonnet-4-5-20250929", final_usage=lambda: chunks.usage)
    out = split_feed(events, split_feed(chunks, data))
    original = [json.loads(e.data) for e in SseDecoder().feed(data) if e.event != "ping"]
    thinking = {
        e["index"] for e in original if e.get("content_block", {}).get("type") == "thinking"
    }
    expected = final_message([e for e in original if e.get("index") not in thinking])
    rebuilt = final_message(events_of(out))
    assert rebuilt["content"] == expected["content"]
    assert rebuilt["stop_reason"] == expected["stop_reason"]
    assert rebuilt["id"] == expected["id"]
    assert rebuilt["usage"]["output_tokens"] == expected["usage"]["output_tokens"]
    cached = expected["usage"].get("cache_read_input_tokens", 0)
    assert rebuilt["usage"]["input_tokens"] == expected["usage"]["input_tokens"]
    assert rebuilt["usage"]["cache_read_input_tokens"] == cached


@pytest.mark.parametrize("name", ["stream_text.sse", "stream_function_call.sse"])
def test_recorded_gemini_streams_become_anthropic_events(name: str) -> None:
    adapter = GeminiAdapter(ProviderConfig(name="g", kind="gemini", base_url="http://g"))
    chunks = adapter.open_stream(client_wants_usage=True)
    out, translator = translate_chunks(split_feed(chunks, (DATA / "gemini" / name).read_bytes()))
    message = final_message(events_of(out))
    assert translator.finished
    if name == "stream_function_call.sse":
        assert message["stop_reason"] == "tool_use"
        assert [b["input"] for b in message["content"] if b["type"] == "tool_use"] == [
            {"city": "Paris"},
            {"city": "Rome"},
        ]
    else:
        assert message["content"][0]["text"].startswith("Il fait 18 °C à Paris")


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "error_type"),
    [
        (InvalidRequestError("bad"), "invalid_request_error"),
        (AuthenticationError("who?"), "authentication_error"),
        (PermissionDeniedError("no"), "permission_error"),
        (NotFoundError("no such model"), "not_found_error"),
        (RequestTooLargeError("too big"), "request_too_large"),
        (RateLimitError("slow down"), "rate_limit_error"),
        (UpstreamUnavailableError("bad gateway"), "api_error"),
        (ServiceUnavailableError("db down"), "api_error"),
        (UpstreamTimeoutError("late"), "timeout_error"),
        (UpstreamError("Overloaded", upstream_status=529), "overloaded_error"),
        (UpstreamError("boom", upstream_status=500), "api_error"),
        (GatewayError("odd"), "api_error"),
    ],
)
def test_gateway_errors_in_anthropic_shape(error: GatewayError, error_type: str) -> None:
    body = anthropic_error_body(error.http_status, error)
    assert body == {"type": "error", "error": {"type": error_type, "message": error.message}}
    if error_type != "request_too_large":  # the API sends it, the SDK's types lack it
        ErrorResponse.model_validate(body)


# --- through a front app, with the anthropic SDK as the client ---------------------------------


async def serve_messages(
    session: aiohttp.ClientSession, adapters: dict[str, ProviderAdapter], request: web.Request
) -> web.StreamResponse:
    """What the gateway's ``/v1/messages`` does, minus governance: translate, forward, answer."""
    body = await request.json()
    try:
        chat = messages_to_chat(body)
        model = body["model"]
        adapter = adapters.get(model.split("-")[0])
        if adapter is None:
            raise NotFoundError(f"The model {model!r} does not exist")
        if not chat.get("stream"):
            response = await complete(session, adapter, chat, model)
            message = completion_to_message(response.document, model, usage=response.usage)
            return web.json_response(message)
        data, translator = await forward_stream(session, adapter, chat, model)
    except GatewayError as error:
        status = error.http_status
        return web.json_response(anthropic_error_body(status, error), status=status)
    events = ChunksToAnthropicEvents(model, final_usage=lambda: translator.usage)
    out = split_feed(events, data, random.Random(0))
    return web.Response(body=out, headers={"content-type": "text/event-stream"})


@pytest.fixture(scope="module")
async def front() -> AsyncIterator[FakeUpstream]:
    openai_fake = await start_fake_openai()
    anthropic_fake = await start_fake_anthropic(slow_seconds=0.1)
    gemini_fake = await start_fake_gemini(slow_seconds=0.1)
    adapters: dict[str, ProviderAdapter] = {
        "gpt": OpenAIAdapter(
            ProviderConfig(
                name="o", kind="openai", base_url=openai_fake.base_url, api_key=FAKE_OPENAI_KEY
            )
        ),
        "claude": AnthropicAdapter(
            ProviderConfig(
                name="a", kind="anthropic", base_url=anthropic_fake.base_url, api_key="k"
            )
        ),
        "gemini": GeminiAdapter(
            ProviderConfig(name="g", kind="gemini", base_url=gemini_fake.base_url, api_key="k")
        ),
    }
    async with aiohttp.ClientSession() as session:

        def build(_: FakeUpstream) -> web.Application:
            app = web.Application()
            app.router.add_post(
                "/v1/messages", functools.partial(serve_messages, session, adapters)
            )
            return app

        server = await start_fake(build)
        yield server
        await server.close()
    for fake in (openai_fake, anthropic_fake, gemini_fake):
        await fake.close()


@pytest.fixture
async def client(front: FakeUpstream) -> AsyncIterator[anthropic.AsyncAnthropic]:
    sdk = anthropic.AsyncAnthropic(api_key="gai-k", base_url=front.base_url, max_retries=0)
    yield sdk
    await sdk.close()


ANSWERS = {
    "gpt-4o-mini": "echo: hello from the sdk",
    "claude-test": "hello from the sdk",
    "gemini-test": "hello from the sdk",
}


@pytest.mark.parametrize("model", list(ANSWERS))
async def test_the_sdk_gets_messages_and_streams_from_every_provider(
    client: anthropic.AsyncAnthropic, model: str
) -> None:
    messages: Any = [{"role": "user", "content": "hello from the sdk"}]
    message = await client.messages.create(model=model, max_tokens=64, messages=messages)
    assert message.model == model
    assert message.content[0].type == "text" and message.content[0].text == ANSWERS[model]
    assert message.stop_reason == "end_turn"
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0

    async with client.messages.stream(model=model, max_tokens=64, messages=messages) as stream:
        texts = [text async for text in stream.text_stream]
        final = await stream.get_final_message()
    assert "".join(texts) == ANSWERS[model]
    assert final.content[0].type == "text" and final.content[0].text == ANSWERS[model]
    assert final.stop_reason == "end_turn"
    assert final.usage.input_tokens > 0 and final.usage.output_tokens > 0


@pytest.mark.parametrize("model", ["gpt-4o-mini-tools", "claude-test-tools", "gemini-test-tools"])
async def test_the_sdk_runs_a_tool_loop_through_every_provider(
    client: anthropic.AsyncAnthropic, model: str
) -> None:
    tool: Any = {
        "name": "get_weather",
        "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
    messages: Any = [{"role": "user", "content": "Paris"}]
    async with client.messages.stream(
        model=model, max_tokens=64, messages=messages, tools=[tool]
    ) as stream:
        first = await stream.get_final_message()
    assert first.stop_reason == "tool_use"
    (call,) = [block for block in first.content if block.type == "tool_use"]
    assert call.name == "get_weather" and call.input == {"city": "Paris"}

    messages += [
        {"role": "assistant", "content": [block.model_dump() for block in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "18C"}],
        },
    ]
    second = await client.messages.create(
        model=model, max_tokens=64, messages=messages, tools=[tool]
    )
    if not model.startswith("gpt"):  # the OpenAI fake calls its tool whatever comes back
        assert second.stop_reason == "end_turn"
        assert second.content[0].type == "text" and "The tool said" in second.content[0].text


async def test_prompt_cache_counts_reach_the_sdk(client: anthropic.AsyncAnthropic) -> None:
    messages: Any = [{"role": "user", "content": "cache me"}]
    message = await client.messages.create(
        model="claude-test-cached", max_tokens=8, messages=messages
    )
    assert (message.usage.cache_read_input_tokens, message.usage.cache_creation_input_tokens) == (
        1024,
        96,
    )
    async with client.messages.stream(
        model="claude-test-cached", max_tokens=8, messages=messages
    ) as stream:
        final = await stream.get_final_message()
    assert final.usage.cache_read_input_tokens == 1024
    assert final.usage.cache_creation_input_tokens == 96
    assert final.usage.input_tokens == message.usage.input_tokens


@pytest.mark.parametrize(
    ("model", "error_class", "status"),
    [
        ("claude-error-429", anthropic.RateLimitError, 429),
        ("claude-overloaded", anthropic.OverloadedError, 529),
        ("gemini-overloaded", anthropic.ServiceUnavailableError, 503),
        ("gpt-4o-mini-error-400", anthropic.BadRequestError, 400),
        ("mistral-large", anthropic.NotFoundError, 404),
    ],
)
async def test_the_sdk_gets_errors_it_understands(
    client: anthropic.AsyncAnthropic, model: str, error_class: type[Exception], status: int
) -> None:
    messages: Any = [{"role": "user", "content": "x"}]
    with pytest.raises(error_class) as raised:
        await client.messages.create(model=model, max_tokens=8, messages=messages)
    assert isinstance(raised.value, anthropic.APIStatusError)
    assert raised.value.status_code == status
    ErrorResponse.model_validate(raised.value.body)


async def test_the_sdk_sees_a_mid_stream_error(client: anthropic.AsyncAnthropic) -> None:
    messages: Any = [{"role": "user", "content": "one two three"}]
    with pytest.raises(anthropic.APIStatusError) as raised:
        async with client.messages.stream(
            model="claude-stream-error", max_tokens=8, messages=messages
        ) as stream:
            await stream.get_final_message()
    assert "overloaded_error" in str(raised.value)


async def test_invalid_requests_get_anthropic_400s(front: FakeUpstream) -> None:
    async with aiohttp.ClientSession() as session:
        body = {"model": "claude-test", "messages": [user("x")]}
        async with session.post(f"{front.base_url}/v1/messages", json=body) as response:
            assert response.status == 400
            error = ErrorResponse.model_validate(await response.json())
    assert error.error.type == "invalid_request_error"
    assert error.error.message == "max_tokens: Field required"
