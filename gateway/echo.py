"""The offline echo upstream: answers OpenAI chat requests in-process with the last user text.

It reports usage like a real provider (counted with the bundled tokenizer) and streams word by
word, so the whole pipeline (metering, streaming, records) works on a machine with no network.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import orjson

from core.ids import new_request_id
from gateway.tokens import TokenCounter
from providers.base import UpstreamRequest


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return "".join(
                    part.get("text", "")
                    for part in content
                    if isinstance(part, dict) and part.get("type") == "text"
                )
    return ""


class _EchoResponse:
    headers: Mapping[str, str] = {"Content-Type": "application/json"}

    def __init__(self, status: int, body: bytes, events: list[bytes] | None) -> None:
        self.status = status
        self._body = body
        self._events = events

    async def read(self) -> bytes:
        return self._body

    async def chunks(self) -> AsyncIterator[bytes]:
        for event in self._events or (self._body,):
            yield event

    def release(self) -> None:
        pass


class EchoTransport:
    def __init__(self, tokens: TokenCounter) -> None:
        self._tokens = tokens

    async def send(self, request: UpstreamRequest) -> _EchoResponse:
        return self.answer(orjson.loads(request.body))

    def answer(self, body: dict[str, Any]) -> _EchoResponse:
        model = body.get("model") or "echo"
        messages = body.get("messages") or []
        text = last_user_text(messages)
        prompt_tokens = self._tokens.count_chat_prompt(messages, model)
        completion_tokens = self._tokens.count_text(text, model)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        completion_id = f"chatcmpl-{new_request_id()}"
        created = int(time.time())
        if not body.get("stream"):
            document = {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text, "refusal": None},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": usage,
            }
            return _EchoResponse(200, orjson.dumps(document), None)
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        base = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
        }

        def event(choices: list[dict[str, Any]], usage_value: Any = None) -> bytes:
            chunk = {**base, "choices": choices}
            if include_usage:
                chunk["usage"] = usage_value
            return b"data: " + orjson.dumps(chunk) + b"\n\n"

        pieces = [word + " " for word in text.split(" ")]
        pieces[-1] = pieces[-1][:-1]
        events = [
            event(
                [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]
            )
        ]
        events += [
            event([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
            for piece in pieces
            if piece
        ]
        events.append(event([{"index": 0, "delta": {}, "finish_reason": "stop"}]))
        if include_usage:
            events.append(event([], usage))
        events.append(b"data: [DONE]\n\n")
        return _EchoResponse(200, b"".join(events), events)
