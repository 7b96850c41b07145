"""Test-only forwarding through a provider adapter, and what an OpenAI client makes of the output.

``complete`` and ``complete_stream`` are the gateway's forwarding loop cut to its bones: build
the request with the adapter, send it with aiohttp, parse the answer with the adapter.
``sse_payloads`` and ``assemble`` read translated chunks as an OpenAI client does, checking
each against the ``openai`` SDK's types.
"""

from __future__ import annotations

import random
from typing import Any

import aiohttp
import orjson
from openai.types.chat import ChatCompletionChunk

from providers.base import ChatResponse, ProviderAdapter, StreamTranslator


def split_feed(
    translator: Any, data: bytes, splits: random.Random | None = None, size: int = 40
) -> bytes:
    """Feeds ``data`` to ``translator`` whole, or in random pieces of 1 to ``size`` bytes, then
    closes it; returns all it gave back."""
    out = bytearray()
    position = 0
    while position < len(data):
        step = len(data) if splits is None else splits.randint(1, size)
        out += translator.feed(data[position : position + step])
        position += step
    out += translator.close()
    return bytes(out)


def translate(
    adapter: ProviderAdapter,
    data: bytes,
    *,
    splits: random.Random | None = None,
    wants_usage: bool = True,
) -> tuple[bytes, StreamTranslator]:
    """An upstream stream through a fresh translator of ``adapter``."""
    translator = adapter.open_stream(client_wants_usage=wants_usage)
    return split_feed(translator, data, splits), translator


def sse_payloads(data: bytes) -> list[Any]:
    """The client-side SSE events, each checked: a chunk, an error or the [DONE] marker."""
    assert data == b"" or data.endswith(b"\n\n")
    payloads: list[Any] = []
    for event in data.split(b"\n\n")[:-1]:
        assert event.startswith(b"data: ")
        raw = event.removeprefix(b"data: ")
        if raw == b"[DONE]":
            payloads.append("[DONE]")
            continue
        payload = orjson.loads(raw)
        if "error" not in payload:
            ChatCompletionChunk.model_validate(payload)
        payloads.append(payload)
    return payloads


def assemble(payloads: list[Any], index: int = 0) -> dict[str, Any]:
    """What an OpenAI client rebuilds from the chunks of one choice."""
    text: list[str] = []
    calls: dict[int, dict[str, Any]] = {}
    roles: list[str] = []
    finish, usage = None, None
    for payload in payloads:
        if payload == "[DONE]" or "error" in payload:
            continue
        usage = payload.get("usage") or usage
        for choice in payload["choices"]:
            if choice["index"] != index:
                continue
            delta = choice["delta"]
            roles += [delta["role"]] if "role" in delta else []
            text.append(delta.get("content") or "")
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(
                    call["index"], {"id": None, "name": "", "arguments": "", "extra_content": None}
                )
                slot["id"] = call.get("id") or slot["id"]
                slot["name"] += call.get("function", {}).get("name") or ""
                slot["arguments"] += call.get("function", {}).get("arguments") or ""
                slot["extra_content"] = call.get("extra_content") or slot["extra_content"]
            finish = choice["finish_reason"] or finish
    return {
        "text": "".join(text),
        "tool_calls": [calls[i] for i in sorted(calls)],
        "finish_reason": finish,
        "usage": usage,
        "roles": roles,
    }


async def complete(
    session: aiohttp.ClientSession, adapter: ProviderAdapter, chat: dict[str, Any], model: str
) -> ChatResponse:
    """Build with the adapter, send, parse with the adapter (an error is raised as it maps it)."""
    request = adapter.build_chat_request(chat, model, stream=False)
    async with session.request(
        request.method, request.url, headers=request.headers, data=request.body
    ) as response:
        body = await response.read()
        if response.status >= 400:
            raise adapter.parse_error(response.status, body, response.headers)
        return adapter.parse_chat_response(body)


async def complete_stream(
    session: aiohttp.ClientSession, adapter: ProviderAdapter, chat: dict[str, Any], model: str
) -> tuple[list[Any], StreamTranslator]:
    """The streamed counterpart of ``complete``: the client-side payloads and the translator."""
    data, translator = await forward_stream(session, adapter, chat, model)
    return sse_payloads(data), translator


async def forward_stream(
    session: aiohttp.ClientSession, adapter: ProviderAdapter, chat: dict[str, Any], model: str
) -> tuple[bytes, StreamTranslator]:
    """The translated stream as the gateway would send it, byte for byte."""
    request = adapter.build_chat_request(chat, model, stream=True)
    translator = adapter.open_stream(client_wants_usage=True)
    out = bytearray()
    async with session.request(
        request.method, request.url, headers=request.headers, data=request.body
    ) as response:
        if response.status >= 400:
            raise adapter.parse_error(response.status, await response.read(), response.headers)
        async for data in response.content.iter_any():
            out += translator.feed(data)
    out += translator.close()
    return bytes(out), translator
