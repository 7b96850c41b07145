"""OpenAI, Azure OpenAI and any OpenAI-compatible server (vLLM, Ollama, LM Studio...).

The gateway's own API is OpenAI's, so this adapter forwards the client's body with only the
model replaced (and ``stream_options.include_usage`` switched on, to bill streams), and hands
the upstream's bytes back unchanged. Fields it does not know are passed through.

Forwarding uses plain bytes and orjson rather than the ``openai`` SDK's types: the SDK's
types cost several times more CPU per message (``bench/sdk_types_cost.py``, figures in
bench/RESULTS.md), and a re-serialised body is no longer the bytes the upstream sent (which the
client must get verbatim). The SDKs are the clients in the tests instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import orjson

from core.errors import UpstreamError
from core.settings import ProviderConfig
from providers.base import ChatResponse, UpstreamRequest, Usage

# -- constants ---------------------------------------------------------------------------------

AZURE_DEFAULT_API_VERSION = "2024-10-21"
_EVENT_END = re.compile(rb"\r?\n\r?\n")
_DONE = b"[DONE]"
_NULL_USAGE = b',"usage":null'

# -- endpoints ---------------------------------------------------------------------------------


class OpenAIEndpoints:
    """Where an OpenAI-compatible server takes an operation (``chat/completions``,
    ``embeddings``) and the headers it wants; built once per provider at start-up."""

    def __init__(self, config: ProviderConfig) -> None:
        self._base = (config.base_url or "").rstrip("/")
        headers = {"Content-Type": "application/json"}
        if config.api_key:
            headers["Authorization"] = f"Bearer {config.api_key}"
        self.headers = {**headers, **config.headers}

    def url(self, operation: str, upstream_model: str) -> str:
        return f"{self._base}/{operation}"

    def responses_url(self) -> str:
        return f"{self._base}/responses"


class AzureEndpoints(OpenAIEndpoints):
    """Azure OpenAI: the model is a deployment in the URL, and the key goes in ``api-key``."""

    def __init__(self, config: ProviderConfig) -> None:
        super().__init__(config)
        self._api_version = config.api_version or AZURE_DEFAULT_API_VERSION
        headers = {"Content-Type": "application/json"}
        if config.api_key:
            headers["api-key"] = config.api_key
        self.headers = {**headers, **config.headers}
        self._urls: dict[tuple[str, str], str] = {}

    def url(self, operation: str, upstream_model: str) -> str:
        url = self._urls.get((operation, upstream_model))
        if url is None:
            url = self._urls[operation, upstream_model] = (
                f"{self._base}/openai/deployments/{upstream_model}/{operation}"
                f"?api-version={self._api_version}"
            )
        return url

    def responses_url(self) -> str:
        # Azure serves the Responses API only in its v1 API: no deployment in the URL (the
        # deployment is the body's ``model``), no api-version.
        return f"{self._base}/openai/v1/responses"


# -- request translation -----------------------------------------------------------------------


class OpenAIAdapter:
    kind: ClassVar[str] = "openai"
    endpoints_class: ClassVar[type[OpenAIEndpoints]] = OpenAIEndpoints

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self.endpoints = self.endpoints_class(config)

    def chat_url(self, upstream_model: str) -> str:
        return self.endpoints.url("chat/completions", upstream_model)

    def build_chat_request(
        self, chat: dict[str, Any], upstream_model: str, *, stream: bool
    ) -> UpstreamRequest:
        body = dict(chat)
        body["model"] = upstream_model
        if stream:
            options = body.get("stream_options")
            body["stream_options"] = {**(options or {}), "include_usage": True}
        return UpstreamRequest(
            "POST", self.chat_url(upstream_model), self.endpoints.headers, orjson.dumps(body)
        )

    def build_responses_request(self, body: dict[str, Any], upstream_model: str) -> UpstreamRequest:
        """The client's Responses body as it is, for ``upstream_model``, with ``store: false``:
        the provider keeps nothing (the gateway refuses what would need it kept)."""
        sent = dict(body)
        sent["model"] = upstream_model
        sent["store"] = False
        return UpstreamRequest(
            "POST", self.endpoints.responses_url(), self.endpoints.headers, orjson.dumps(sent)
        )

    # -- response translation ------------------------------------------------------------------

    def parse_chat_response(self, body: bytes) -> ChatResponse:
        document = orjson.loads(body)
        if not isinstance(document, dict):
            raise ValueError("the upstream's chat completion is not a JSON object")
        texts: list[str] = []
        for choice in document.get("choices") or ():
            message = (choice or {}).get("message") or {}
            _collect_text(message, texts)
        return ChatResponse(
            body=body,
            usage=usage_from_openai(document.get("usage")),
            completion_text="".join(texts),
            document=document,
        )

    def parse_responses_response(self, body: bytes) -> ChatResponse:
        document = orjson.loads(body)
        if not isinstance(document, dict) or document.get("object") != "response":
            raise ValueError("the upstream's answer is not a Response object")
        texts: list[str] = []
        for item in document.get("output") or ():
            if isinstance(item, dict):
                _collect_item_text(item, texts)
        return ChatResponse(
            body=body,
            usage=usage_from_responses(document.get("usage")),
            completion_text="".join(texts),
            document=document,
        )

    # -- stream translation --------------------------------------------------------------------

    def open_stream(self, *, client_wants_usage: bool) -> OpenAIStreamPassThrough:
        return OpenAIStreamPassThrough(client_wants_usage=client_wants_usage)

    def open_responses_stream(self) -> ResponsesStreamReader:
        return ResponsesStreamReader()

    # -- errors --------------------------------------------------------------------------------

    def parse_error(self, status: int, body: bytes, headers: Mapping[str, str]) -> UpstreamError:
        return openai_error(status, body, headers)


class AzureOpenAIAdapter(OpenAIAdapter):
    """Azure OpenAI: deployment URLs, ``api-version`` and the ``api-key`` header."""

    kind: ClassVar[str] = "azure"
    endpoints_class = AzureEndpoints


class OpenAIStreamPassThrough:
    """Forwards OpenAI SSE events byte for byte, reading usage and text on the way.

    Only whole events are forwarded (a partial one waits for its end); the usage-only chunk
    the gateway asked for is dropped when the client did not ask for it.
    """

    def __init__(self, *, client_wants_usage: bool) -> None:
        self._client_wants_usage = client_wants_usage
        self._buffer = bytearray()
        self._texts: list[str] = []
        self.usage: Usage | None = None
        self.finished = False

    @property
    def completion_text(self) -> str:
        return "".join(self._texts)

    def feed(self, data: bytes) -> bytes:
        self._buffer += data
        out = bytearray()
        start = 0
        buffer = self._buffer
        # Without a CR in sight an event ends at the first blank line: ``find`` is much cheaper
        # per event than the regular expression (``bench/pipeline_costs.py``, figures in
        # bench/RESULTS.md), which CRLF streams still take.
        plain = b"\r" not in buffer
        while True:
            if plain:
                end = buffer.find(b"\n\n", start)
                if end < 0:
                    break
                end += 2
            else:
                match = _EVENT_END.search(buffer, start)
                if match is None:
                    break
                end = match.end()
            event = self._filter(bytes(buffer[start:end]))
            start = end
            if event:
                out += event
        if start:
            del buffer[:start]
        return bytes(out)

    def close(self) -> bytes:
        rest = bytes(self._buffer).strip()
        self._buffer.clear()
        if not rest or not self._whole(rest):
            return b""  # an event cut mid-way is dropped, as SSE clients drop it
        # A whole last event whose blank line never came: pass it on, properly ended.
        return self._filter(rest + b"\n\n") or b""

    def _whole(self, event: bytes) -> bool:
        """Whether a last event without its blank line is all there (its JSON parses)."""
        if not event.startswith(b"data:"):
            return False
        payload = event[5:].strip()
        if payload == _DONE:
            return True
        try:
            orjson.loads(payload)
        except orjson.JSONDecodeError:
            return False
        return True

    def _filter(self, event: bytes) -> bytes | None:
        """The event as the client gets it, or None to drop it."""
        for line in event.splitlines():
            if not line.startswith(b"data:"):
                continue
            payload = line[5:].strip()
            if payload == _DONE:
                self.finished = True
                return event
            try:
                chunk = orjson.loads(payload)
            except orjson.JSONDecodeError:
                return event
            if not isinstance(chunk, dict):
                return event
            usage = chunk.get("usage")
            if usage:
                self.usage = usage_from_openai(usage)
            choices = chunk.get("choices")
            if choices:
                for choice in choices:
                    _collect_text((choice or {}).get("delta") or {}, self._texts)
            elif usage and not self._client_wants_usage:
                return None
        if not self._client_wants_usage:
            # Asking for usage made the upstream add `"usage":null` to every chunk; a client
            # that did not ask gets the chunks as OpenAI sends them without it. (A quote
            # inside a JSON string is escaped, so this cannot match inside content.)
            return event.replace(_NULL_USAGE, b"")
        return event


class ResponsesStreamReader(OpenAIStreamPassThrough):
    """Forwards a Responses event stream byte for byte (whole events only), reading on the way
    the text and call arguments produced and, from ``response.completed`` or
    ``response.incomplete`` (``finished``), the usage. ``response.failed`` carries usage too,
    but does not finish the stream."""

    def __init__(self) -> None:
        super().__init__(client_wants_usage=True)

    def _whole(self, event: bytes) -> bool:
        return responses_event(event) is not None

    def _filter(self, event: bytes) -> bytes | None:
        payload = responses_event(event)
        if payload is not None:
            self._read(payload)
        return event

    def _read(self, payload: dict[str, Any]) -> None:
        kind = payload.get("type")
        if kind in (
            "response.output_text.delta",
            "response.refusal.delta",
            "response.function_call_arguments.delta",
        ):
            self._texts.append(str(payload.get("delta") or ""))
        elif kind == "response.output_item.added":
            item = payload.get("item")
            if isinstance(item, dict) and item.get("type") == "function_call":
                self._texts.append(str(item.get("name") or ""))
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            response = payload.get("response")
            if isinstance(response, dict):
                self.usage = usage_from_responses(response.get("usage")) or self.usage
            self.finished = kind != "response.failed"


def responses_event(event: bytes) -> dict[str, Any] | None:
    """The JSON payload of one Responses SSE event (its ``data:`` lines), None if it has none."""
    lines = [line[5:].strip() for line in event.splitlines() if line.startswith(b"data:")]
    if not lines:
        return None
    try:
        payload = orjson.loads(b"\n".join(lines))
    except orjson.JSONDecodeError:
        return None
    return payload if isinstance(payload, dict) else None


def _collect_item_text(item: Mapping[str, Any], texts: list[str]) -> None:
    """A Responses output item's text: a message's text and refusals, a call's arguments."""
    if item.get("type") == "function_call":
        texts.append(str(item.get("name") or ""))
        texts.append(str(item.get("arguments") or ""))
        return
    for part in item.get("content") or ():
        if isinstance(part, dict):
            texts.append(str(part.get("text") or part.get("refusal") or ""))


def _collect_text(message: Mapping[str, Any], texts: list[str]) -> None:
    content = message.get("content")
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, list):
        texts.extend(p.get("text", "") for p in content if isinstance(p, dict))
    refusal = message.get("refusal")
    if isinstance(refusal, str):
        texts.append(refusal)
    for call in message.get("tool_calls") or ():
        function = (call or {}).get("function") or {}
        texts.append(function.get("name") or "")
        texts.append(function.get("arguments") or "")


# -- usage -------------------------------------------------------------------------------------


def usage_from_openai(usage: Any) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    details = usage.get("prompt_tokens_details") or {}
    return Usage(
        input_tokens=int(usage.get("prompt_tokens") or 0),
        output_tokens=int(usage.get("completion_tokens") or 0),
        cached_input_tokens=int(details.get("cached_tokens") or 0),
    )


def usage_from_responses(usage: Any) -> Usage | None:
    """The Responses API's usage (``input_tokens`` include cached ones, as chat's do)."""
    if not isinstance(usage, dict):
        return None
    details = usage.get("input_tokens_details") or {}
    return Usage(
        input_tokens=int(usage.get("input_tokens") or 0),
        output_tokens=int(usage.get("output_tokens") or 0),
        cached_input_tokens=int(details.get("cached_tokens") or 0),
    )


# -- errors ------------------------------------------------------------------------------------


def openai_error(status: int, body: bytes, headers: Mapping[str, str]) -> UpstreamError:
    """An OpenAI-compatible error: its own body is already in OpenAI's shape; keep it."""
    passed_headers = {k: v for k, v in headers.items() if k.lower() == "retry-after"}
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        error = document["error"]
        message = str(error.get("message") or f"upstream error {status}")
        normalized = {
            "error": {
                "message": message,
                "type": error.get("type") or "upstream_error",
                "param": error.get("param"),
                "code": error.get("code"),
            }
        }
        return UpstreamError(
            message, upstream_status=status, body=normalized, headers=passed_headers
        )
    text = body[:500].decode("utf-8", "replace").strip()
    message = f"upstream returned HTTP {status}" + (f": {text}" if text else "")
    return UpstreamError(
        message,
        upstream_status=status,
        code="upstream_error",
        error_type="upstream_error",
        headers=passed_headers,
    )
