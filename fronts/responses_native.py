"""``POST /v1/responses`` forwarded to a provider that speaks the Responses API itself.

The request is parsed and validated as ``fronts.responses`` does it (the same 400s, stored
state refused), but what goes upstream is the client's Responses body, not its chat
translation, and the answer comes back as the provider sent it: the Response object, or its
event stream, passed through (rewritten only by the output policy and restore). The gateway's
own in-band error on a stream (the provider cut it, or the output policy stopped it) is sent as
the Responses API sends one: an ``error`` event, then ``response.failed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from fronts.base import StreamTransform
from fronts.chat_request import ChatRequest
from fronts.responses import RESPONSE_ERROR_CODES, ResponsesFront, new_id
from providers.base import ChatResponse, Usage

_CREATED = b"event: response.created"
_FAILURES = (b"event: error", b"event: response.failed")


class ResponsesEventsEdge:
    """The provider's Responses events, passed on as they are; the pipeline's in-band error (a
    ``data: {"error": ...}`` event) becomes ``error`` and ``response.failed``, numbered after
    the events before it, unless the provider already said it failed."""

    def __init__(self, requested_model: str) -> None:
        self._model = requested_model
        self._events = 0  # events passed on: the next sequence_number
        self._response: dict[str, Any] | None = None  # the response.created snapshot
        self._failed = False

    def feed(self, data: bytes) -> bytes:
        if data.startswith(b"data:"):
            return self._error(data)
        # Every event ends in a blank line, and JSON holds no raw newline: counting is exact.
        self._events += data.count(b"\n\n")
        if self._response is None and _CREATED in data:
            self._response = _created(data)
        if any(failure in data for failure in _FAILURES):
            self._failed = True
        return data

    def close(self) -> bytes:
        return b""

    def _error(self, data: bytes) -> bytes:
        if self._failed:
            return b""
        self._failed = True
        try:
            error = orjson.loads(data[5:]).get("error") or {}
        except (orjson.JSONDecodeError, AttributeError):
            error = {}
        code = error.get("code") or error.get("type") or "server_error"
        message = str(error.get("message") or "upstream error")
        response = self._response or {
            "id": new_id("resp_"),
            "object": "response",
            "model": self._model,
            "output": [],
        }
        failed = {
            **response,
            "status": "failed",
            "error": {
                "code": RESPONSE_ERROR_CODES.get(str(code), "server_error"),
                "message": message,
            },
        }
        out = self._event("error", code=code, message=message, param=error.get("param"))
        return out + self._event("response.failed", response=failed)

    def _event(self, kind: str, **fields: Any) -> bytes:
        payload = {"type": kind, "sequence_number": self._events, **fields}
        self._events += 1
        return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"


def _created(data: bytes) -> dict[str, Any] | None:
    start = data.index(_CREATED)
    for line in data[start:].splitlines()[1:]:
        if line.startswith(b"data:"):
            try:
                response = orjson.loads(line[5:]).get("response")
            except (orjson.JSONDecodeError, AttributeError):
                return None
            return response if isinstance(response, dict) else None
    return None


class NativeResponsesFront(ResponsesFront):
    """The Responses front for a model whose every deployment speaks the Responses API: the
    same request parsing, the provider's own answer."""

    def render(self, completion: ChatResponse, chat: ChatRequest, *, changed: bool) -> bytes:
        return orjson.dumps(completion.document) if changed else completion.body

    def stream(
        self, chat: ChatRequest, usage: Callable[[], Usage | None]
    ) -> StreamTransform | None:
        return ResponsesEventsEdge(chat.model)


NATIVE_RESPONSES = NativeResponsesFront()
