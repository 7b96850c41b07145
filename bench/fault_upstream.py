"""An OpenAI chat upstream whose behaviour the fault suite switches while requests run.

    upstream = await FaultyUpstream().start()
    upstream.mode = "error"    # ok | error (500) | hang | cut (the connection drops mid-answer)

Non-streamed answers are one ``chat.completion`` with usage; streamed ones are a few
``chat.completion.chunk`` events, a usage chunk and ``[DONE]``. In ``cut`` mode a streamed
answer stops after two events and a plain one after half its body, the connection aborted.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from aiohttp import web

MODES = ("ok", "error", "hang", "cut")
WORDS = ["Replacements", "usually", "ship", "within", "two", "business", "days."]
USAGE = {"prompt_tokens": 12, "completion_tokens": len(WORDS), "total_tokens": 12 + len(WORDS)}


def _completion(model: str) -> bytes:
    return orjson.dumps(
        {
            "id": "chatcmpl-faults",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": " ".join(WORDS)},
                    "finish_reason": "stop",
                }
            ],
            "usage": USAGE,
        }
    )


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    event = {
        "id": "chatcmpl-faults",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + orjson.dumps(event) + b"\n\n"


class FaultyUpstream:
    def __init__(self) -> None:
        self.mode = "ok"
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> FaultyUpstream:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/v1"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        model = str(body.get("model", ""))
        mode = self.mode
        if mode == "error":
            error = {"message": "The server had an error.", "type": "server_error", "code": None}
            return web.json_response({"error": error}, status=500)
        if mode == "hang":
            await asyncio.sleep(3600)
        if body.get("stream"):
            return await self._stream(request, model, cut=mode == "cut")
        answer = _completion(model)
        if mode != "cut":
            return web.Response(body=answer, content_type="application/json")
        response = web.StreamResponse(
            headers={"Content-Type": "application/json", "Content-Length": str(len(answer))}
        )
        await response.prepare(request)
        await response.write(answer[: len(answer) // 2])
        assert request.transport is not None
        request.transport.abort()
        return response

    async def _stream(self, request: web.Request, model: str, *, cut: bool) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(_chunk(model, {"role": "assistant", "content": ""}))
        for n, word in enumerate(WORDS):
            if cut and n == 2:
                assert request.transport is not None
                request.transport.abort()
                return response
            await response.write(_chunk(model, {"content": word + " "}))
        await response.write(_chunk(model, {}, "stop"))
        usage = {"id": "chatcmpl-faults", "object": "chat.completion.chunk", "model": model}
        usage |= {"choices": [], "usage": USAGE}
        await response.write(b"data: " + orjson.dumps(usage) + b"\n\ndata: [DONE]\n\n")
        await response.write_eof()
        return response
