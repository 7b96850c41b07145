"""A fake OpenAI upstream for the PII evaluation: it records what reached it and echoes it.

``POST /v1/chat/completions`` (JSON, not streamed) answers in OpenAI's wire format with the last
user message it received, word for word, as the assistant's answer. Every request body is kept
under the completion id it was answered with: the gateway passes that id on to its client, so
``received[completion.id]`` is exactly what the provider saw for that client request, however
many requests are in flight. Requests are checked as OpenAI checks them (bearer key, ``model``,
``messages``); anything else is a 400 in OpenAI's error shape.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

UPSTREAM_KEY = "sk-pii-eval-upstream"


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """The text of the last user message (text parts joined), as the fake echoes it."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return "".join(p.get("text", "") for p in content if isinstance(p, dict))
            return content if isinstance(content, str) else ""
    return ""


def _error(status: int, message: str, code: str | None = None) -> web.Response:
    error = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    return web.Response(
        status=status, body=orjson.dumps({"error": error}), content_type="application/json"
    )


@dataclass
class EchoUpstream:
    """A started fake: its ``base_url`` (what an OpenAI SDK takes) and the bodies it got."""

    received: dict[str, dict[str, Any]] = field(default_factory=dict)
    base_url: str = ""
    _runner: web.AppRunner | None = None
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    async def start(self) -> EchoUpstream:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _chat(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {UPSTREAM_KEY}":
            return _error(401, "Incorrect API key provided.", "invalid_api_key")
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            return _error(400, "We could not parse the JSON body of your request.")
        if not isinstance(body, dict) or not body.get("model"):
            return _error(400, "you must provide a model parameter")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, "'messages' must contain at least one message")
        completion_id = f"chatcmpl-piieval{next(self._ids):08d}"
        self.received[completion_id] = body
        text = last_user_text(messages)
        words = len(text.split())
        document = {
            "id": completion_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": words,
                "completion_tokens": words,
                "total_tokens": 2 * words,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
            },
            "service_tier": "default",
            "system_fingerprint": "fp_piieval",
        }
        return web.Response(body=orjson.dumps(document), content_type="application/json")
