"""OpenAI's Responses API (``POST /v1/responses``) in the fake OpenAI upstream, in its exact wire
format: the Response object, and the event stream (``event:`` lines, ``sequence_number``,
``obfuscation`` on deltas, as the real API sends them).

The model's suffix picks the behaviour, as for chat (``tests.fakes.openai_upstream``):
    *-tools        a function call to the first declared tool, ``{"city": "Paris"}`` (text once a
                   function_call_output came back: "The tool said: <output>")
    *-tools-echo   a function call whose arguments repeat the input: ``{"city": <input>}``
    *-error-500, *-error-429, *-error-400, *-bad-json, *-slow   as for chat
    *-cut          streams a few events, then drops the connection
    anything else  "echo: <last user text>"
Text is streamed three characters a delta and arguments four, so a placeholder is always split
across deltas. Also Azure's ``/openai/v1/responses`` (the key in ``api-key``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from tests.fakes.server import FakeUpstream

TEXT_PIECE = 3  # characters of text per delta
ARGUMENTS_PIECE = 4


def _error(status: int, message: str, error_type: str, code: str | None) -> web.Response:
    body = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
    headers = {"retry-after": "1"} if status == 429 else None
    return web.Response(
        status=status, body=orjson.dumps(body), content_type="application/json", headers=headers
    )


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def last_user_text(given: Any) -> str:
    if isinstance(given, str):
        return given
    for item in reversed(given if isinstance(given, list) else []):
        if isinstance(item, dict) and item.get("role") == "user":
            return _text_of(item.get("content"))
    return ""


def _input_tokens(body: dict[str, Any]) -> int:
    # Deterministic and easy to assert: 10 per input item plus one per word.
    given = body.get("input")
    items = [given] if isinstance(given, str) else given or []
    words = sum(len(orjson.dumps(item).decode().split()) for item in items)
    return 10 * len(items) + words + len(str(body.get("instructions") or "").split())


def _tools(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "name": tool.get("name"),
            "description": tool.get("description"),
            "parameters": tool.get("parameters"),
            "strict": tool.get("strict", True),
        }
        for tool in body.get("tools") or []
        if isinstance(tool, dict)
    ]


def _response(
    body: dict[str, Any], rid: str, created: int, status: str, output: list[Any], usage: Any
) -> dict[str, Any]:
    text = body.get("text") or {}
    return {
        "id": rid,
        "object": "response",
        "created_at": created,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": None,
        "model": f"{body['model']}-2024-07-18",
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": None,
        "prompt_cache_key": None,
        "reasoning": {"effort": None, "summary": None},
        "safety_identifier": None,
        "service_tier": "default",
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": {"format": text.get("format") or {"type": "text"}, "verbosity": "medium"},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": _tools(body),
        "top_logprobs": 0,
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": usage,
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }


def _answer(body: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """The text, or the function call, the model answers with."""
    model = str(body["model"])
    given = body.get("input")
    last = given[-1] if isinstance(given, list) and given else None
    if isinstance(last, dict) and last.get("type") == "function_call_output":
        return f"The tool said: {_text_of(last.get('output'))}", None
    tools = _tools(body)
    if model.endswith(("-tools", "-tools-echo")) and tools:
        city = last_user_text(given) if model.endswith("-tools-echo") else "Paris"
        call = {
            "id": f"fc_{uuid.uuid4().hex[:24]}",
            "type": "function_call",
            "status": "completed",
            "arguments": orjson.dumps({"city": city}).decode(),
            "call_id": f"call_{uuid.uuid4().hex[:24]}",
            "name": tools[0]["name"],
        }
        return "", call
    return "echo: " + last_user_text(given), None


def responses_handler(
    fake: FakeUpstream, api_key: str, slow_seconds: float
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The route of the fake upstream ``fake``, which takes ``api_key``."""

    async def responses(request: web.Request) -> web.StreamResponse:
        return await _serve(request, fake, api_key, slow_seconds)

    return responses


async def _serve(
    request: web.Request, fake: FakeUpstream, api_key: str, slow_seconds: float
) -> web.StreamResponse:
    body = await fake.record(request)
    azure = request.path.startswith("/openai/")
    key = request.headers.get("api-key") if azure else request.headers.get("Authorization")
    if key != (api_key if azure else f"Bearer {api_key}"):
        return _error(
            401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
        )
    if not isinstance(body, dict) or not body.get("model"):
        return _error(400, "Missing required parameter: 'model'.", "invalid_request_error", None)
    if body.get("input") in (None, "", []):
        return _error(400, "Missing required parameter: 'input'.", "invalid_request_error", None)
    model = str(body["model"])
    if model.endswith("-error-500"):
        return _error(500, "The server had an error processing your request.", "server_error", None)
    if model.endswith("-error-429"):
        return _error(429, "Rate limit reached", "requests", "rate_limit_exceeded")
    if model.endswith("-error-400"):
        return _error(400, "Invalid 'temperature'.", "invalid_request_error", "invalid_value")
    if model.endswith("-bad-json"):
        return web.Response(body=b"<html>oops</html>", content_type="application/json")
    if model.endswith("-slow"):
        try:
            await asyncio.sleep(slow_seconds)
        except asyncio.CancelledError:
            fake.cancelled.append(last_user_text(body.get("input")))
            raise

    text, call = _answer(body)
    output_tokens = len(text.split()) if text else len(call["arguments"]) // 4 if call else 0
    usage = {
        "input_tokens": _input_tokens(body),
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": _input_tokens(body) + output_tokens,
    }
    rid = f"resp_fake{len(fake.received)}"
    created = int(time.time())
    message_id = f"msg_{uuid.uuid4().hex[:24]}"
    message = {
        "id": message_id,
        "type": "message",
        "status": "completed",
        "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}],
        "role": "assistant",
    }
    item = call if call is not None else message
    if not body.get("stream"):
        data = orjson.dumps(_response(body, rid, created, "completed", [item], usage))
        fake.sent.append(data)
        return web.Response(body=data, content_type="application/json")

    events = _events(body, rid, created, item, usage)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8"})
    await response.prepare(request)
    if model.endswith("-cut"):
        sent = b"".join(events[:6])
        fake.sent.append(sent)
        await response.write(sent)
        request.transport.close()  # type: ignore[union-attr]
        return response
    fake.sent.append(b"".join(events))
    for event in events:
        middle = len(event) // 2  # split across writes: the gateway must frame again
        await response.write(event[:middle])
        await response.write(event[middle:])
    await response.write_eof()
    return response


def _events(
    body: dict[str, Any], rid: str, created: int, item: dict[str, Any], usage: dict[str, Any]
) -> list[bytes]:
    events: list[bytes] = []

    def event(kind: str, **fields: Any) -> None:
        payload = {"type": kind, "sequence_number": len(events), **fields}
        events.append(b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n")

    started = _response(body, rid, created, "in_progress", [], None)
    event("response.created", response=started)
    event("response.in_progress", response=started)
    where = {"item_id": item["id"], "output_index": 0}
    if item["type"] == "function_call":
        event(
            "response.output_item.added",
            output_index=0,
            item={**item, "status": "in_progress", "arguments": ""},
        )
        arguments = item["arguments"]
        for start in range(0, len(arguments), ARGUMENTS_PIECE):
            piece = arguments[start : start + ARGUMENTS_PIECE]
            event("response.function_call_arguments.delta", **where, delta=piece, obfuscation="x")
        event("response.function_call_arguments.done", **where, arguments=arguments)
    else:
        text = item["content"][0]["text"]
        empty = {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}
        event(
            "response.output_item.added",
            output_index=0,
            item={**item, "status": "in_progress", "content": []},
        )
        event("response.content_part.added", **where, content_index=0, part=empty)
        for start in range(0, len(text), TEXT_PIECE):
            piece = text[start : start + TEXT_PIECE]
            event(
                "response.output_text.delta",
                **where,
                content_index=0,
                delta=piece,
                logprobs=[],
                obfuscation="xyz",
            )
        event("response.output_text.done", **where, content_index=0, text=text, logprobs=[])
        event("response.content_part.done", **where, content_index=0, part={**empty, "text": text})
    event("response.output_item.done", output_index=0, item=item)
    event("response.completed", response=_response(body, rid, created, "completed", [item], usage))
    return events
