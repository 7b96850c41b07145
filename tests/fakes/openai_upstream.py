"""A fake OpenAI API speaking the real wire format (JSON and SSE), behaviour picked by model.

Models (any prefix works, the suffix picks the behaviour):
    *-tools        answers with a tool call to the first declared function (text once a tool
                   result came back)
    *-parallel-tools  two calls to the first declared function (Paris, then Lyon); streamed,
                   their argument deltas interleave (call 0, call 1, call 0, call 1)
    *-no-usage     reports no usage, even when a stream asks for it
    *-error-500    500 with an OpenAI error body
    *-error-429    429 with ``retry-after: 1``
    *-error-400    400 invalid_request_error
    *-bad-json     200 with a body that is not JSON
    *-cut          streams a few chunks, then drops the connection without [DONE]
    *-slow         waits ``SLOW_SECONDS`` before answering
    *-slowstream   streams with a pause of ``SLOW_SECONDS / 4`` after each event
    *-gatedstream  streams its first word, then waits for ``fake.gate`` (``GATE_SECONDS``)
Also Azure OpenAI's ``/openai/deployments/{deployment}/chat/completions?api-version=`` with
the key in ``api-key``; the deployment name picks the behaviour.
    anything else  "echo: <last user text>", streamed word by word when asked
``/v1/embeddings`` knows ``*-error-500`` and ``*-slow`` too; ``/v1/responses`` (OpenAI's
Responses API) is ``tests.fakes.openai_responses``.
Requests are validated like OpenAI does: the bearer key, ``model`` and ``messages``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import web

from tests.fakes.openai_responses import responses_handler
from tests.fakes.server import FakeUpstream, ReceivedRequest, start_fake

FAKE_OPENAI_KEY = "sk-fake-upstream-key"
SLOW_SECONDS = 0.2
GATE_SECONDS = 10.0  # how long a ``-gatedstream`` waits for the client to have its first word
FAKE = web.AppKey("fake", FakeUpstream)


def _error(
    status: int, message: str, error_type: str, code: str | None, **headers: str
) -> web.Response:
    body = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
    return web.Response(
        status=status, body=orjson.dumps(body), content_type="application/json", headers=headers
    )


def _last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return "".join(p.get("text", "") for p in content if isinstance(p, dict))
            return content or ""
    return ""


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
    }


def _prompt_tokens(messages: list[dict[str, Any]]) -> int:
    # Deterministic and easy to assert: 10 per message plus one per word.
    return sum(10 + len(str(m.get("content") or "").split()) for m in messages)


async def chat_completions(request: web.Request) -> web.StreamResponse:
    fake = request.app[FAKE]
    body = await fake.record(request)
    deployment = request.match_info.get("deployment")
    if deployment is not None:
        # Azure OpenAI: the key in `api-key`, the model is the deployment, api-version required.
        if request.headers.get("api-key") != FAKE_OPENAI_KEY:
            return _error(
                401,
                "Access denied due to invalid subscription key.",
                "invalid_request_error",
                "401",
            )
        if not request.query.get("api-version"):
            return _error(404, "Resource not found", "invalid_request_error", "404")
    elif request.headers.get("Authorization") != f"Bearer {FAKE_OPENAI_KEY}":
        return _error(
            401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
        )
    if not isinstance(body, dict):
        return _error(
            400, "We could not parse the JSON body of your request.", "invalid_request_error", None
        )
    model = deployment or body.get("model")
    messages = body.get("messages")
    if not model:
        return _error(400, "you must provide a model parameter", "invalid_request_error", None)
    if not isinstance(messages, list) or not messages:
        return _error(
            400, "'messages' must contain at least one message", "invalid_request_error", None
        )

    if model.endswith("-error-500"):
        return _error(
            500, "The server had an error while processing your request.", "server_error", None
        )
    if model.endswith("-error-429"):
        return _error(
            429,
            "Rate limit reached for requests",
            "requests",
            "rate_limit_exceeded",
            **{"retry-after": "1"},
        )
    if model.endswith("-error-400"):
        return _error(
            400, "Invalid 'temperature': too high.", "invalid_request_error", "invalid_value"
        )
    if model.endswith("-bad-json"):
        return web.Response(body=b"<html>oops</html>", content_type="application/json")
    if model.endswith("-slow"):
        try:
            await asyncio.sleep(SLOW_SECONDS)
        except asyncio.CancelledError:
            fake.cancelled.append(_last_user_text(messages))
            raise

    text = "echo: " + _last_user_text(messages)
    tool_calls: list[dict[str, Any]] = []
    if messages[-1].get("role") == "tool":
        text = f"The tool said: {messages[-1].get('content')}"
    elif model.endswith("-tools") and body.get("tools"):
        name = body["tools"][0]["function"]["name"]
        cities = ("Paris", "Lyon") if model.endswith("-parallel-tools") else ("Paris",)
        tool_calls = [
            {
                "id": f"call_fake{number}",
                "type": "function",
                "function": {"name": name, "arguments": f'{{"city": "{city}"}}'},
            }
            for number, city in enumerate(cities, 1)
        ]
    tool_call = tool_calls[0] if tool_calls else None
    usage = (
        None if model.endswith("-no-usage") else _usage(_prompt_tokens(messages), len(text.split()))
    )
    completion_id = f"chatcmpl-fake{len(fake.received)}"
    created = int(time.time())

    if not body.get("stream"):
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None if tool_call else text,
            "refusal": None,
        }
        if tool_calls:
            message["tool_calls"] = tool_calls
        document: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": "tool_calls" if tool_call else "stop",
                }
            ],
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }
        if usage is not None:
            document["usage"] = usage
        data = orjson.dumps(document)
        fake.sent.append(data)
        return web.Response(
            body=data,
            content_type="application/json",
            # OpenAI's Cloudflare front sets cookies like this one on every answer.
            headers={"x-request-id": "req_fake", "Set-Cookie": f"__cf_bm={completion_id}; path=/"},
        )

    include_usage = (
        bool((body.get("stream_options") or {}).get("include_usage")) and usage is not None
    )
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream; charset=utf-8"})
    await response.prepare(request)
    base = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "system_fingerprint": "fp_fake",
    }

    def event(choices: list[dict[str, Any]], usage_value: Any = None) -> bytes:
        chunk = {**base, "choices": choices}
        if include_usage:
            chunk["usage"] = usage_value
        return b"data: " + orjson.dumps(chunk) + b"\n\n"

    events = [
        event(
            [
                {
                    "index": 0,
                    "delta": {"role": "assistant", "content": "", "refusal": None},
                    "logprobs": None,
                    "finish_reason": None,
                }
            ]
        )
    ]
    if len(tool_calls) > 1:
        events += _interleaved_calls(tool_calls, event)
    elif tool_call:
        events.append(
            event(
                [
                    {
                        "index": 0,
                        "delta": {"tool_calls": [{"index": 0, **tool_call}]},
                        "logprobs": None,
                        "finish_reason": None,
                    }
                ]
            )
        )
    else:
        words = text.split(" ")
        events += [
            event(
                [
                    {
                        "index": 0,
                        "delta": {"content": w if i == 0 else " " + w},
                        "logprobs": None,
                        "finish_reason": None,
                    }
                ]
            )
            for i, w in enumerate(words)
        ]
    if model.endswith("-cut"):
        sent = b"".join(events[:3])
        fake.sent.append(sent)
        await response.write(sent)
        request.transport.close()  # type: ignore[union-attr]
        return response
    events.append(
        event(
            [
                {
                    "index": 0,
                    "delta": {},
                    "logprobs": None,
                    "finish_reason": "tool_calls" if tool_call else "stop",
                }
            ]
        )
    )
    if include_usage:
        events.append(event([], usage))
    events.append(b"data: [DONE]\n\n")
    fake.sent.append(b"".join(events))
    gated = model.endswith("-gatedstream")
    for item in events:
        # Split events across writes to exercise re-framing in the gateway.
        middle = len(item) // 2
        await response.write(item[:middle])
        await response.write(item[middle:])
        if gated and b'"content":"' in item and b'"content":""' not in item:
            gated = False  # the first word is out: wait until the client has it
            opened = await asyncio.to_thread(fake.gate.wait, GATE_SECONDS)
            fake.gate_opened.append(opened)
        if model.endswith("-slowstream"):
            try:
                await asyncio.sleep(SLOW_SECONDS / 4)
            except asyncio.CancelledError:
                fake.cancelled.append(_last_user_text(messages))
                raise
    await response.write_eof()
    return response


def _interleaved_calls(
    calls: list[dict[str, Any]], event: Callable[[list[dict[str, Any]]], bytes]
) -> list[bytes]:
    """Parallel tool calls as some providers stream them: every call opened first, then their
    arguments in pieces taking turns (call 0, call 1, call 0, call 1...)."""

    def delta(index: int, call: dict[str, Any]) -> bytes:
        choice = {"index": 0, "delta": {"tool_calls": [{"index": index, **call}]}}
        return event([{**choice, "logprobs": None, "finish_reason": None}])

    events = [
        delta(
            i, {"id": c["id"], "type": "function", "function": {**c["function"], "arguments": ""}}
        )
        for i, c in enumerate(calls)
    ]
    pieces = [[a[:9], a[9:]] for a in (c["function"]["arguments"] for c in calls)]
    for turn in range(2):
        for i, parts in enumerate(pieces):
            events.append(delta(i, {"function": {"arguments": parts[turn]}}))
    return events


async def embeddings(request: web.Request) -> web.Response:
    fake = request.app[FAKE]
    body = await request.json()
    fake.received.append(
        ReceivedRequest(
            request.method, request.path, dict(request.query), dict(request.headers), body
        )
    )
    if request.headers.get("Authorization") != f"Bearer {FAKE_OPENAI_KEY}":
        return _error(
            401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key"
        )
    inputs = body.get("input")
    inputs = [inputs] if isinstance(inputs, str) else inputs
    model = str(body.get("model", ""))
    if model.endswith("-error-500"):
        return _error(500, "The server had an error.", "server_error", None)
    if model.endswith("-slow"):
        try:
            await asyncio.sleep(SLOW_SECONDS)
        except asyncio.CancelledError:
            fake.cancelled.append(str(inputs[0]))
            raise
    data = [
        {"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]}
        for i, _ in enumerate(inputs)
    ]
    tokens = sum(len(str(i).split()) for i in inputs)
    document = {
        "object": "list",
        "data": data,
        "model": body.get("model"),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
    return web.json_response(document)


def create_app(fake: FakeUpstream) -> web.Application:
    app = web.Application()
    app[FAKE] = fake
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/openai/deployments/{deployment}/chat/completions", chat_completions)
    app.router.add_post("/v1/embeddings", embeddings)
    responses = responses_handler(fake, FAKE_OPENAI_KEY, SLOW_SECONDS)
    app.router.add_post("/v1/responses", responses)
    app.router.add_post("/openai/v1/responses", responses)
    return app


async def start_fake_openai() -> FakeUpstream:
    return await start_fake(create_app, "/v1")
