"""OpenAI's legacy text completions (``POST /v1/completions``) served by the chat pipeline.

The prompt becomes one user message; each chat choice comes back as a ``text_completion``
choice, whole or streamed. What only a raw completion model can do is refused with a 400
rather than faked: ``echo``, ``suffix``, ``logprobs``, ``best_of`` above 1, token-id prompts
and more than one prompt per request. ``max_tokens`` defaults to 16, as in OpenAI's API.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from core.errors import InvalidRequestError
from fronts.base import StreamTransform
from fronts.chat_request import ChatRequest, chat_request_from_body, decode_json_object
from fronts.openai_chat import OpenAIChatFront
from providers.base import ChatResponse, Usage
from providers.openai_shapes import SseDecoder

# --- constants -------------------------------------------------------------------------------

DEFAULT_MAX_TOKENS = 16  # OpenAI's own default for this API
PASSED_FIELDS = (
    "temperature top_p n stop user presence_penalty frequency_penalty logit_bias seed"
    " max_tokens stream_options".split()
)
# Only a raw completion model can honour these: refused when set to anything but the default.
UNSUPPORTED = {
    "echo": (None, False),
    "suffix": (None, ""),
    "logprobs": (None,),
    "best_of": (None, 1),
}
KNOWN_FIELDS = frozenset(["model", "prompt", "stream", *PASSED_FIELDS, *UNSUPPORTED])
# This API knows three finish reasons; a chat model's tool calls end its text as a stop would.
FINISH_REASONS = {"stop": "stop", "length": "length", "content_filter": "content_filter"}

# --- request translation ---------------------------------------------------------------------


def completions_to_chat(body: dict[str, Any]) -> dict[str, Any]:
    """A legacy completions request -> the chat.completions body the pipeline serves."""
    for name in body:
        if name not in KNOWN_FIELDS:
            raise InvalidRequestError(
                f"Unrecognized request argument supplied: {name}",
                code="unknown_parameter",
                param=name,
            )
    for name, defaults in UNSUPPORTED.items():
        if name in body and body[name] not in defaults:
            raise InvalidRequestError(
                f"'{name}' needs a raw completion model; this gateway serves completions "
                "through chat models and does not support it",
                code="unsupported_parameter",
                param=name,
            )
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequestError(
            "you must provide a model parameter", code="missing_required_parameter", param="model"
        )
    chat: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": _prompt(body.get("prompt"))}],
        "max_tokens": DEFAULT_MAX_TOKENS,
    }
    for name in PASSED_FIELDS:
        if body.get(name) is not None:
            chat[name] = body[name]
    if body.get("stream"):
        chat["stream"] = True
    return chat


def _prompt(prompt: Any) -> str:
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]
    if isinstance(prompt, str) and prompt:
        return prompt
    if isinstance(prompt, list) and prompt and all(isinstance(p, str) for p in prompt):
        message = "send one prompt per request: batched prompts are not supported here"
    elif isinstance(prompt, list) and prompt:
        message = "prompts of token ids are not supported here: send the prompt as text"
    else:
        message = "'prompt' must be a non-empty string"
    raise InvalidRequestError(message, code="invalid_value", param="prompt")


# --- response translation --------------------------------------------------------------------


def completion_to_text_completion(
    document: Mapping[str, Any], requested_model: str, *, usage: Usage | None
) -> dict[str, Any]:
    """An OpenAI chat.completion -> a ``text_completion`` (one choice per chat choice)."""
    choices = [
        {
            "text": _message_text((choice or {}).get("message") or {}),
            "index": (choice or {}).get("index", i),
            "logprobs": None,
            "finish_reason": _finish_reason((choice or {}).get("finish_reason")) or "stop",
        }
        for i, choice in enumerate(document.get("choices") or ())
    ]
    result: dict[str, Any] = {
        "id": completion_id(document.get("id")),
        "object": "text_completion",
        "created": document.get("created") or int(time.time()),
        "model": requested_model,
        "choices": choices,
    }
    if usage is not None:
        result["usage"] = completion_usage(usage)
    return result


def completion_id(chat_id: Any) -> str:
    """``chatcmpl-abc`` -> ``cmpl-abc``, the prefix this API's ids have."""
    if not isinstance(chat_id, str) or not chat_id:
        return f"cmpl-{int(time.time() * 1000)}"
    return "cmpl-" + chat_id.removeprefix("chatcmpl-")


def _finish_reason(reason: Any) -> str | None:
    if reason is None:
        return None
    return FINISH_REASONS.get(reason, "stop")


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        return "".join(p.get("text") or "" for p in content if isinstance(p, dict))
    return content if isinstance(content, str) else ""


# --- stream translation ----------------------------------------------------------------------


class ChunksToCompletionChunks:
    """OpenAI ``chat.completion.chunk`` SSE bytes -> ``text_completion`` chunks, as they come.

    Each chat chunk becomes one chunk with a ``text`` per choice (the usage-only chunk keeps
    its empty ``choices``); ``[DONE]`` and in-band error events pass unchanged.
    """

    def __init__(self, requested_model: str) -> None:
        self.finished = False
        self._model = requested_model
        self._decoder = SseDecoder()

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        for event in self._decoder.feed(data):
            out += self._on_data(event.data)
        return bytes(out)

    def close(self) -> bytes:
        return b""

    def _on_data(self, data: str) -> bytes:
        if data.strip() == "[DONE]":
            self.finished = True
            return b"data: [DONE]\n\n"
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            chunk = None
        if not isinstance(chunk, dict) or "error" in chunk:
            return b"data: " + data.encode() + b"\n\n"
        result: dict[str, Any] = {
            "id": completion_id(chunk.get("id")),
            "object": "text_completion",
            "created": chunk.get("created") or int(time.time()),
            "model": self._model,
            "choices": [
                {
                    "text": _message_text((choice or {}).get("delta") or {}),
                    "index": (choice or {}).get("index", 0),
                    "logprobs": None,
                    "finish_reason": _finish_reason((choice or {}).get("finish_reason")),
                }
                for choice in chunk.get("choices") or ()
            ],
        }
        if isinstance(chunk.get("usage"), dict):
            result["usage"] = chunk["usage"]
        return b"data: " + orjson.dumps(result) + b"\n\n"


# --- usage -----------------------------------------------------------------------------------


def completion_usage(usage: Usage) -> dict[str, int]:
    return {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
    }


# --- the front -------------------------------------------------------------------------------


class CompletionsFront(OpenAIChatFront):
    """``POST /v1/completions``: OpenAI's key and error shape, the text_completion shapes."""

    name = "completions"

    def parse(self, raw: bytes) -> tuple[ChatRequest, dict[str, Any]]:
        body = decode_json_object(raw)
        return chat_request_from_body(completions_to_chat(body)), body

    def render(self, completion: ChatResponse, chat: ChatRequest, *, changed: bool) -> bytes:
        return orjson.dumps(
            completion_to_text_completion(completion.document, chat.model, usage=completion.usage)
        )

    def stream(
        self, chat: ChatRequest, usage: Callable[[], Usage | None]
    ) -> StreamTransform | None:
        return ChunksToCompletionChunks(chat.model)


COMPLETIONS = CompletionsFront()
