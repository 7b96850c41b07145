"""OpenAI chat.completions shapes and SSE framing, shared by the adapters that translate.

Adapters for providers that do not speak OpenAI's format (Anthropic, Gemini) build their
answers here so that every translated ``chat.completion`` and ``chat.completion.chunk`` has the
same fields as OpenAI's own. ``SseDecoder`` splits an upstream's server-sent events from bytes
that arrive in any split.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from core.errors import InvalidRequestError
from providers.base import Usage

DONE_EVENT = b"data: [DONE]\n\n"

_DATA_URL = re.compile(r"data:(?P<media_type>[^;,]+)(?:;[^;,]*)*;base64,(?P<data>.*)", re.DOTALL)

# --- request content -------------------------------------------------------------------------


def content_parts(content: Any, where: str) -> list[dict[str, Any]]:
    """A message's ``content`` (string, list of parts or null) as a list of parts."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if isinstance(content, list):
        return content
    raise InvalidRequestError(
        "content must be a string or a list of parts", param=f"{where}.content"
    )


def parse_data_url(url: str) -> tuple[str, str] | None:
    """``data:<media type>;base64,<data>`` -> (media type, base64 data); None if not one."""
    match = _DATA_URL.fullmatch(url)
    return None if match is None else (match["media_type"], match["data"])


# --- whole completions -----------------------------------------------------------------------


def tool_call(
    call_id: str, name: str, arguments: str, extra_content: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One ``tool_calls`` entry; ``arguments`` is a JSON string, as OpenAI sends it.

    ``extra_content`` carries provider state the client must send back with the call (Gemini's
    thought signature), under the key Google's own OpenAI-compatible endpoint uses.
    """
    call: dict[str, Any] = {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }
    if extra_content:
        call["extra_content"] = extra_content
    return call


def message_choice(
    index: int, text: str, tool_calls: list[dict[str, Any]], finish_reason: str | None
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        # OpenAI sends null content beside tool calls and "" for an empty answer.
        "content": text if text or not tool_calls else None,
        "refusal": None,
    }
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {"index": index, "message": message, "logprobs": None, "finish_reason": finish_reason}


def completion(
    *,
    completion_id: str,
    created: int,
    model: str,
    choices: list[dict[str, Any]],
    usage: Usage | None,
    reasoning_tokens: int = 0,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": choices,
        "system_fingerprint": None,
    }
    if usage is not None:
        document["usage"] = usage_document(usage, reasoning_tokens)
    return document


def usage_document(usage: Usage, reasoning_tokens: int = 0) -> dict[str, Any]:
    document: dict[str, Any] = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
        "prompt_tokens_details": {"cached_tokens": usage.cached_input_tokens},
    }
    if reasoning_tokens:
        document["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
    return document


def error_document(
    message: str, error_type: str, code: str | None, param: str | None = None
) -> dict[str, Any]:
    return {"error": {"message": message, "type": error_type, "param": param, "code": code}}


def retry_after(headers: Mapping[str, str]) -> dict[str, str]:
    """The upstream's ``Retry-After`` header, to pass on with its error (any header case)."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            return {"retry-after": value}
    return {}


# --- streamed completions --------------------------------------------------------------------


def sse_event(payload: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(payload) + b"\n\n"


@dataclass(slots=True)
class ChunkEncoder:
    """Writes the ``chat.completion.chunk`` events of one streamed completion.

    With ``include_usage`` (the client's ``stream_options.include_usage``) every chunk carries
    ``"usage": null`` and ``usage`` writes the final usage-only chunk, as OpenAI does.
    """

    completion_id: str
    created: int
    model: str
    include_usage: bool

    def _chunk(self, choices: list[dict[str, Any]]) -> bytes:
        payload: dict[str, Any] = {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            "choices": choices,
        }
        if self.include_usage:
            payload["usage"] = None
        return sse_event(payload)

    def _delta(self, index: int, delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        return self._chunk(
            [{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
        )

    def role(self, index: int = 0) -> bytes:
        return self._delta(index, {"role": "assistant", "content": "", "refusal": None})

    def text(self, text: str, index: int = 0) -> bytes:
        return self._delta(index, {"content": text})

    def tool_call_start(
        self,
        tool_index: int,
        call_id: str,
        name: str,
        arguments: str = "",
        index: int = 0,
        extra_content: dict[str, Any] | None = None,
    ) -> bytes:
        call = {"index": tool_index, **tool_call(call_id, name, arguments, extra_content)}
        return self._delta(index, {"tool_calls": [call]})

    def tool_call_arguments(self, tool_index: int, fragment: str, index: int = 0) -> bytes:
        call = {"index": tool_index, "function": {"arguments": fragment}}
        return self._delta(index, {"tool_calls": [call]})

    def finish(self, finish_reason: str, index: int = 0) -> bytes:
        return self._delta(index, {}, finish_reason)

    def usage(self, usage: Usage, reasoning_tokens: int = 0) -> bytes:
        """The usage-only chunk (``choices: []``); ``b""`` when the client did not ask for it."""
        if not self.include_usage:
            return b""
        payload = {
            "id": self.completion_id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "system_fingerprint": None,
            "choices": [],
            "usage": usage_document(usage, reasoning_tokens),
        }
        return sse_event(payload)


# --- upstream server-sent events -------------------------------------------------------------

_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class SseEvent:
    event: str | None
    data: str


@dataclass(slots=True)
class SseDecoder:
    """Splits server-sent events out of bytes fed in any split (mid-line, mid-character).

    Follows the SSE spec: lines end in CRLF, LF or CR; ``event:`` and ``data:`` fields; lines
    starting with ``:`` are comments; a blank line ends an event. An event still open when the
    stream ends is incomplete and is dropped, as the spec says.
    """

    _buffer: bytes = b""
    _event: str | None = None
    _data: list[str] = field(default_factory=list)

    def feed(self, data: bytes) -> list[SseEvent]:
        buffer = self._buffer + data if self._buffer else data
        events: list[SseEvent] = []
        start = 0
        for match in _LINE_END.finditer(buffer):
            if match.group() == b"\r" and match.end() == len(buffer):
                break  # maybe the first half of a CRLF: wait for the next byte
            self._line(buffer[start : match.start()].decode("utf-8", "replace"), events)
            start = match.end()
        self._buffer = buffer[start:]
        return events

    def _line(self, line: str, events: list[SseEvent]) -> None:
        if not line:
            if self._data:
                events.append(SseEvent(self._event, "\n".join(self._data)))
            self._event, self._data = None, []
            return
        if line.startswith(":"):
            return
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
