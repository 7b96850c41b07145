"""The skeleton every chat-chunks-to-events translator of a front shares (``ChunksToEvents``).

Fronts whose clients stream in their own event shape (Anthropic messages, Responses) translate
the OpenAI ``chat.completion.chunk`` stream inside into it. What is the same for all of them is
here: decoding the SSE, reading the usage, the order of things (the stream's first events,
then one item at a time, text or tool call, then the end, or a failure), and keeping parallel
tool calls apart. What each client's API calls those things is the subclass's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import orjson

from providers.base import Usage
from providers.openai import usage_from_openai
from providers.openai_shapes import SseDecoder

TEXT = "text"
CALL = "call"


class ChunksToEvents:
    """OpenAI ``chat.completion.chunk`` SSE bytes -> a client API's stream events, as they come.

    ``feed`` takes bytes in any split and returns whole events (possibly ``b""``); ``close``
    returns what is left: nothing, since a stream that never sent ``[DONE]`` was cut
    (``finished`` stays false). ``usage`` is the usage chunk's, or at the end what
    ``final_usage`` says (the provider translator's reading, which keeps Anthropic's cache
    writes). Only the first choice is translated: these APIs have one answer.

    One item is open at a time: text, or a tool call. A tool call whose deltas come while
    another call streams (parallel calls' deltas may interleave: call 0, call 1, call 0...) is
    held, and sent whole when the open item is done; a call's pieces that come after its item
    was done are dropped (no provider sends them).

    The contract of a subclass, each method returning the events to send:

    - ``_begin(chunk)``: the stream's first events, once, from the first chunk (``{}`` when
      the stream ends or fails before any);
    - ``_open_text()``, ``_text(piece)``: a text item opens; a piece of its text;
    - ``_open_call(index, call_id, name)``, ``_arguments(piece)``: a tool call (its chat
      ``index``; ``call_id`` None when the provider gave none) opens; a piece of its arguments;
    - ``_close()``: the open item is done;
    - ``_end()``: the stream is done (after ``[DONE]``, the open item closed, ``usage`` read;
      ``_finish_reason`` and ``_calls`` say how it ended);
    - ``_failed(error)``: an in-band error (an OpenAI error object) ends the stream;
    - ``bad_event``: the error for an event that is not JSON; ``closes_on_finish_reason``: the
      open item is done when the finish reason comes rather than at ``[DONE]``.
    """

    bad_event: ClassVar[Mapping[str, str]]
    closes_on_finish_reason: ClassVar[bool] = False

    def __init__(self, *, final_usage: Callable[[], Usage | None] | None = None) -> None:
        self.finished = False
        self.usage: Usage | None = None
        self._final_usage = final_usage
        self._decoder = SseDecoder()
        self._started = False
        self._open: str | None = None  # TEXT or CALL
        self._live: int | None = None  # the chat index of the call being streamed
        self._calls: set[int] = set()  # chat tool call indexes seen
        # Calls whose deltas came while another streamed: (id, name, argument pieces).
        self._held: dict[int, tuple[str | None, str, list[str]]] = {}
        self._finish_reason: str | None = None
        self._ended = False

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        for event in self._decoder.feed(data):
            if self._ended:
                break
            out += self._on_data(event.data)
        return bytes(out)

    def close(self) -> bytes:
        self._ended = True
        return b""

    def _on_data(self, data: str) -> bytes:
        if data.strip() == "[DONE]":
            return self._finish()
        try:
            chunk = orjson.loads(data)
        except orjson.JSONDecodeError:
            chunk = None
        if not isinstance(chunk, dict):
            return self._fail(dict(self.bad_event))
        if isinstance(chunk.get("error"), dict):
            return self._fail(chunk["error"])
        out = bytearray(self._start(chunk))
        if isinstance(chunk.get("usage"), dict):
            self.usage = usage_from_openai(chunk["usage"])
        for choice in chunk.get("choices") or ():
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            for name in ("content", "refusal"):
                if isinstance(delta.get(name), str) and delta[name]:
                    out += self._text_piece(delta[name])
            for call in delta.get("tool_calls") or ():
                out += self._tool_call(call)
            if choice.get("finish_reason"):
                self._finish_reason = choice["finish_reason"]
                if self.closes_on_finish_reason:
                    out += self._close_open()
        return bytes(out)

    def _start(self, chunk: Mapping[str, Any]) -> bytes:
        if self._started:
            return b""
        self._started = True
        return self._begin(chunk)

    def _text_piece(self, text: str) -> bytes:
        out = b""
        if self._open != TEXT:
            out = self._close_open() + self._open_text()
            self._open = TEXT
        return out + self._text(text)

    def _tool_call(self, call: Mapping[str, Any]) -> bytes:
        index = call.get("index", 0)
        function = call.get("function") or {}
        arguments = function.get("arguments") or ""
        if index in self._held:
            self._held[index][2].append(arguments)
            return b""
        out = b""
        if index not in self._calls:
            self._calls.add(index)
            if self._live is not None:
                self._held[index] = (call.get("id"), function.get("name") or "", [arguments])
                return b""
            out = self._close_open() + self._open_live(index, call.get("id"), function)
        elif index != self._live:
            return b""
        return out + (self._arguments(arguments) if arguments else b"")

    def _open_live(self, index: int, call_id: str | None, function: Mapping[str, Any]) -> bytes:
        out = self._open_call(index, call_id, function.get("name") or "")
        self._open, self._live = CALL, index
        return out

    def _close_open(self) -> bytes:
        """The open item done, then the calls held while it streamed, each whole."""
        if self._open is None:
            return b""
        out = self._close()
        self._open = self._live = None
        held, self._held = self._held, {}
        for index, (call_id, name, pieces) in sorted(held.items()):
            out += self._open_call(index, call_id, name)
            arguments = "".join(pieces)
            out += (self._arguments(arguments) if arguments else b"") + self._close()
        return out

    def _finish(self) -> bytes:
        out = bytearray(self._start({}))
        out += self._close_open()
        if self._final_usage is not None:
            self.usage = self._final_usage() or self.usage
        out += self._end()
        self.finished = True
        self._ended = True
        return bytes(out)

    def _fail(self, error: Mapping[str, Any]) -> bytes:
        self._ended = True
        return self._failed(error)

    # -- the subclass's ---------------------------------------------------------------------

    def _begin(self, chunk: Mapping[str, Any]) -> bytes:
        raise NotImplementedError

    def _open_text(self) -> bytes:
        raise NotImplementedError

    def _text(self, text: str) -> bytes:
        raise NotImplementedError

    def _open_call(self, index: int, call_id: str | None, name: str) -> bytes:
        raise NotImplementedError

    def _arguments(self, arguments: str) -> bytes:
        raise NotImplementedError

    def _close(self) -> bytes:
        raise NotImplementedError

    def _end(self) -> bytes:
        raise NotImplementedError

    def _failed(self, error: Mapping[str, Any]) -> bytes:
        raise NotImplementedError
