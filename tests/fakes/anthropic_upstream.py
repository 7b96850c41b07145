"""A fake Anthropic Messages API: a real aiohttp app on 127.0.0.1, port 0.

``POST /v1/messages`` checks a request the way the real API does and answers 400
``invalid_request_error`` (401 ``authentication_error`` without a key) when it breaks a rule:
a key (``x-api-key``, or ``authorization: Bearer`` as the SDK now sends it); an
``anthropic-version`` header; ``model``; ``max_tokens`` present and positive; no unknown fields;
``messages`` non-empty, first one the user's, user and assistant strictly alternating (the live
API has started merging same-role turns; the fake keeps the strict rule so that the adapter's
merging is tested); non-empty text; every ``tool_use`` answered by a ``tool_result`` with its id
in the next turn and no ``tool_result`` without one.

It answers in the exact wire format, JSON or SSE (``message_start``, ``content_block_*``,
``ping``, ``message_delta`` with usage, ``message_stop``). The model name picks the behaviour:

- ``*-tools``: a ``tool_use`` of the first declared tool (plain text once a result came back)
- ``*-error-500`` / ``*-error-429`` (with ``retry-after``) / ``*-overloaded`` (529)
- ``*-slow``: waits ``slow_seconds`` before answering
- ``*-cut``: the stream stops after the first delta
- ``*-stream-error``: an ``error`` event after the first delta
- ``*-cached``: usage reports prompt-cache reads and writes
- anything else: echoes the last user text

``POST /v1/messages/count_tokens`` checks the same rules (``max_tokens`` and ``stream`` are
refused there, as the API does) and answers ``{"input_tokens": n}``: ``COUNT_BASE`` plus the
words of every string in the body; ``*-error-500`` fails it too.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeUpstream, ReceivedRequest, start_fake

KNOWN_FIELDS = set(
    "model messages max_tokens system metadata stop_sequences stream temperature top_p top_k"
    " tools tool_choice thinking service_tier output_config container cache_control"
    " inference_geo speed".split()
)
BLOCK_TYPES = set("text image document tool_use tool_result thinking redacted_thinking".split())
IMAGE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
CACHE_READ_TOKENS, CACHE_WRITE_TOKENS = 1024, 96
COUNT_BASE = 1000  # so a provider's count is easy to tell from the gateway's estimate
NOT_WORDS = {"model", "type", "id", "role", "tool_use_id", "media_type", "data", "url", "stream"}


async def start_fake_anthropic(*, slow_seconds: float = 0.3) -> FakeUpstream:
    def build(fake: FakeUpstream) -> web.Application:
        app = web.Application()
        handlers = FakeAnthropic(fake, slow_seconds)
        app.router.add_post("/v1/messages", handlers.messages)
        app.router.add_post("/v1/messages/count_tokens", handlers.count_tokens)
        return app

    return await start_fake(build)


class Invalid(Exception):
    """The request breaks one of the API's rules: answered with 400 invalid_request_error."""


@dataclass
class FakeAnthropic:
    fake: FakeUpstream
    slow_seconds: float

    async def messages(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = None
        self.fake.received.append(
            ReceivedRequest(
                request.method, request.path, dict(request.query), dict(request.headers), body
            )
        )
        # The API takes the key as x-api-key or, as the SDK now sends it, a bearer token.
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not (request.headers.get("x-api-key") or bearer):
            return error_response(401, "authentication_error", "x-api-key header is required")
        if not request.headers.get("anthropic-version"):
            return error_response(
                400, "invalid_request_error", "anthropic-version: header is required"
            )
        try:
            check_request(body)
        except Invalid as invalid:
            return error_response(400, "invalid_request_error", str(invalid))
        model: str = body["model"]
        if model.endswith("-error-500"):
            return error_response(500, "api_error", "Internal server error")
        if model.endswith("-error-429"):
            limit = "Number of request tokens has exceeded your per-minute rate limit"
            return error_response(429, "rate_limit_error", limit, headers={"retry-after": "7"})
        if model.endswith("-overloaded"):
            return error_response(529, "overloaded_error", "Overloaded")
        if model.endswith("-slow"):
            await asyncio.sleep(self.slow_seconds)
        message = answer(body)
        if body.get("stream"):
            return await stream(request, message)
        return web.json_response(message, headers={"request-id": new_id("req_")})

    async def count_tokens(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.fake.received.append(
            ReceivedRequest(
                request.method, request.path, dict(request.query), dict(request.headers), body
            )
        )
        if not (request.headers.get("x-api-key") or request.headers.get("authorization")):
            return error_response(401, "authentication_error", "x-api-key header is required")
        for name in ("max_tokens", "stream", "temperature"):
            if name in body:
                return error_response(
                    400, "invalid_request_error", f"{name}: Extra inputs are not permitted"
                )
        try:
            check_request({**body, "max_tokens": 1})
        except Invalid as invalid:
            return error_response(400, "invalid_request_error", str(invalid))
        if body["model"].endswith("-error-500"):
            return error_response(500, "api_error", "Internal server error")
        counted = {k: v for k, v in body.items() if k != "model"}
        return web.json_response({"input_tokens": COUNT_BASE + count_words(counted)})


# --- request rules -----------------------------------------------------------------------------


def check_request(body: Any) -> None:
    if not isinstance(body, dict):
        raise Invalid("body: Input should be a valid dictionary")
    for name in body:
        if name not in KNOWN_FIELDS:
            raise Invalid(f"{name}: Extra inputs are not permitted")
    for name in ("model", "max_tokens", "messages"):
        if name not in body:
            raise Invalid(f"{name}: Field required")
    if not isinstance(body["max_tokens"], int) or body["max_tokens"] < 1:
        raise Invalid("max_tokens: Input should be greater than or equal to 1")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        raise Invalid("messages: at least one message is required")
    if messages[0].get("role") != "user":
        raise Invalid('messages: first message must use the "user" role')
    for i, message in enumerate(messages):
        check_message(message, i)
        if i and message["role"] == messages[i - 1]["role"]:
            raise Invalid(
                'messages: roles must alternate between "user" and "assistant", but found '
                f'multiple "{message["role"]}" roles in a row'
            )
    check_tool_pairs(messages)
    system = body.get("system")
    if system is not None and not isinstance(system, str):
        for j, block in enumerate(system):
            if block.get("type") != "text" or not block.get("text"):
                raise Invalid(f"system.{j}: system blocks must be non-empty text blocks")
    for j, tool in enumerate(body.get("tools") or []):
        if not tool.get("name") or (tool.get("input_schema") or {}).get("type") != "object":
            raise Invalid(f"tools.{j}.input_schema.type: Input should be 'object'")
    choice = body.get("tool_choice")
    if choice is not None and choice.get("type") not in ("auto", "any", "tool", "none"):
        raise Invalid("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'")


def check_message(message: dict[str, Any], i: int) -> None:
    if message.get("role") not in ("user", "assistant"):
        raise Invalid(f"messages.{i}.role: Input should be 'user' or 'assistant'")
    content = message.get("content")
    if isinstance(content, str):
        if not content:
            raise Invalid(f"messages.{i}: user messages must have non-empty content")
        return
    if not isinstance(content, list) or not content:
        raise Invalid(f"messages.{i}: all messages must have non-empty content")
    for j, block in enumerate(content):
        where = f"messages.{i}.content.{j}"
        kind = block.get("type")
        if kind not in BLOCK_TYPES:
            raise Invalid(f"{where}.type: Input tag '{kind}' does not match any expected tag")
        if kind == "text" and not block.get("text"):
            raise Invalid(f"{where}: text content blocks must be non-empty")
        if kind == "image":
            check_image_source(block.get("source") or {}, where)
        if kind == "tool_use" and not isinstance(block.get("input"), dict):
            raise Invalid(f"{where}.input: Input should be a valid dictionary")
        allowed_role = {"tool_use": "assistant", "tool_result": "user"}.get(kind)
        if allowed_role and message["role"] != allowed_role:
            raise Invalid(f"{where}: {kind} blocks are not allowed in {message['role']} messages")


def check_image_source(source: dict[str, Any], where: str) -> None:
    if source.get("type") == "url" and source.get("url"):
        return
    if source.get("type") == "base64" and source.get("data"):
        if source.get("media_type") not in IMAGE_TYPES:
            raise Invalid(f"{where}.source.base64.media_type: Input should be one of {IMAGE_TYPES}")
        return
    raise Invalid(f"{where}.source: expected a base64 or url image source")


def check_tool_pairs(messages: list[dict[str, Any]]) -> None:
    """Every tool_use is answered in the very next turn, and every tool_result answers one."""
    asked: set[str] = set()
    for i, message in enumerate(messages):
        blocks = message["content"] if isinstance(message["content"], list) else []
        if message["role"] == "user":
            answered = {b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"}
            unexpected = ", ".join(sorted(map(str, answered - asked)))
            if unexpected:
                raise Invalid(
                    f"messages.{i}: unexpected `tool_use_id` found in `tool_result` blocks: "
                    f"{unexpected}. Each `tool_result` block must have a corresponding `tool_use`"
                    " block in the previous message."
                )
            if asked - answered:
                raise Invalid(
                    f"messages.{i - 1}: `tool_use` ids were found without `tool_result` blocks "
                    f"immediately after: {', '.join(sorted(asked - answered))}. Each `tool_use` "
                    "block must have a corresponding `tool_result` block in the next message."
                )
            asked = set()
        else:
            asked = {b["id"] for b in blocks if b.get("type") == "tool_use"}


# --- answers -----------------------------------------------------------------------------------


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """The whole Message the model gives; ``stream`` replays it as events."""
    last = body["messages"][-1]
    blocks = last["content"] if isinstance(last["content"], list) else []
    results = [b for b in blocks if b.get("type") == "tool_result"]
    tools = body.get("tools") or []
    content: list[dict[str, Any]]
    if body["model"].endswith("-tools") and tools and not results:
        tool = tools[0]
        first_property = next(iter(tool["input_schema"].get("properties") or {}), None)
        tool_input = {first_property: last_user_text(body)} if first_property else {}
        content = [
            {"type": "text", "text": f"I will call {tool['name']}."},
            {"type": "tool_use", "id": new_id("toolu_"), "name": tool["name"], "input": tool_input},
        ]
        stop_reason = "tool_use"
    else:
        text = f"The tool said: {results[-1].get('content')}" if results else last_user_text(body)
        content = [{"type": "text", "text": text or "(no text)"}]
        stop_reason = "end_turn"
    usage: dict[str, Any] = {
        "input_tokens": count_words(body),
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": count_words(content),
        "service_tier": "standard",
    }
    if body["model"].endswith("-cached"):
        usage |= {
            "cache_creation_input_tokens": CACHE_WRITE_TOKENS,
            "cache_read_input_tokens": CACHE_READ_TOKENS,
        }
    return {
        "id": new_id("msg_"),
        "type": "message",
        "role": "assistant",
        "model": body["model"],
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage,
    }


def last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body["messages"]):
        if message["role"] != "user":
            continue
        if isinstance(message["content"], str):
            return message["content"]
        texts = [b["text"] for b in message["content"] if b.get("type") == "text"]
        if texts:
            return " ".join(texts)
    return ""


def count_words(value: Any) -> int:
    """A stand-in for a tokenizer: the number of words in every string of ``value``."""
    if isinstance(value, str):
        return len(value.split())
    if isinstance(value, dict):
        return sum(count_words(v) for k, v in value.items() if k not in NOT_WORDS)
    if isinstance(value, list):
        return sum(count_words(v) for v in value)
    return 0


async def stream(request: web.Request, message: dict[str, Any]) -> web.StreamResponse:
    """Replays ``message`` as the real event sequence, a few words per delta."""
    response = web.StreamResponse(
        headers={"content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache"}
    )
    await response.prepare(request)
    model, usage = message["model"], message["usage"]

    async def send(event: dict[str, Any]) -> None:
        await response.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
        await asyncio.sleep(0)  # let each event reach the client on its own

    start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    await send({"type": "message_start", "message": start})
    deltas_sent = 0
    for index, block in enumerate(message["content"]):
        empty = {**block, "text": ""} if block["type"] == "text" else {**block, "input": {}}
        await send({"type": "content_block_start", "index": index, "content_block": empty})
        if index == 0:
            await send({"type": "ping"})
        for delta in block_deltas(block):
            await send({"type": "content_block_delta", "index": index, "delta": delta})
            deltas_sent += 1
            if deltas_sent == 1 and model.endswith("-cut"):
                await response.write_eof()
                return response
            if deltas_sent == 1 and model.endswith("-stream-error"):
                error = {"type": "overloaded_error", "message": "Overloaded"}
                await send({"type": "error", "error": error})
                await response.write_eof()
                return response
        await send({"type": "content_block_stop", "index": index})
    delta = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    await send({"type": "message_delta", "delta": delta, "usage": usage})
    await send({"type": "message_stop"})
    await response.write_eof()
    return response


def block_deltas(block: dict[str, Any]) -> list[dict[str, Any]]:
    if block["type"] == "text":
        words = block["text"].split(" ")
        pieces = [w + " " for w in words[:-1]] + [words[-1]]
        return [{"type": "text_delta", "text": p} for p in pieces if p]
    arguments = json.dumps(block["input"])
    size = max(1, len(arguments) // 3)
    pieces = [arguments[i : i + size] for i in range(0, len(arguments), size)]
    # The real API opens every tool input with an empty fragment.
    return [{"type": "input_json_delta", "partial_json": p} for p in ["", *pieces]]


# --- errors ------------------------------------------------------------------------------------


def error_response(
    status: int, error_type: str, message: str, *, headers: dict[str, str] | None = None
) -> web.Response:
    body = {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": new_id("req_"),
    }
    return web.json_response(body, status=status, headers=headers)


def new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:24]
