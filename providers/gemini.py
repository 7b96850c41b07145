"""Gemini API (``generateContent`` / ``streamGenerateContent``) behind OpenAI's chat.completions.

Requests: messages become ``contents`` of roles user/model made of parts; system and developer
messages become ``systemInstruction``; sampling options go to ``generationConfig``; function
tools to ``functionDeclarations``. A ``tool`` message names its call only by id, so its function
name is looked up in the assistant tool call it answers. Gemini gives function calls no ids: the
adapter makes them up (``call_<hex>``). A function call's thought signature, which Gemini wants
back with the call, travels in the tool call's ``extra_content.google.thought_signature`` as on
Google's own OpenAI-compatible endpoint.
"""

from __future__ import annotations

import math
import mimetypes
import re
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypedDict

import orjson

from core.errors import InvalidRequestError, UpstreamError, UpstreamUnavailableError
from core.settings import ProviderConfig
from providers import openai_shapes
from providers.base import ChatResponse, UpstreamRequest, Usage
from providers.openai_shapes import ChunkEncoder, SseDecoder, SseEvent

# --- constants -------------------------------------------------------------------------------

DEFAULT_API_VERSION = "v1beta"

FINISH_REASONS = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
    "IMAGE_PROHIBITED_CONTENT": "content_filter",
}

FUNCTION_CALLING_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY"}

# Google RPC status -> (HTTP status, OpenAI error type, OpenAI code).
ERROR_KINDS: dict[str, tuple[int, str, str | None]] = {
    "INVALID_ARGUMENT": (400, "invalid_request_error", None),
    "FAILED_PRECONDITION": (400, "invalid_request_error", "failed_precondition"),
    "OUT_OF_RANGE": (400, "invalid_request_error", None),
    "UNAUTHENTICATED": (401, "invalid_request_error", "invalid_api_key"),
    "PERMISSION_DENIED": (403, "permission_error", "permission_denied"),
    "NOT_FOUND": (404, "invalid_request_error", "not_found"),
    "RESOURCE_EXHAUSTED": (429, "rate_limit_error", "rate_limit_exceeded"),
    "CANCELLED": (499, "api_error", "cancelled"),
    "INTERNAL": (500, "api_error", "upstream_error"),
    "UNKNOWN": (500, "api_error", "upstream_error"),
    "UNAVAILABLE": (503, "api_error", "upstream_unavailable"),
    "DEADLINE_EXCEEDED": (504, "api_error", "upstream_timeout"),
}

_RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo"
_SECONDS = re.compile(r"(\d+(?:\.\d+)?)s")

# --- wire types ------------------------------------------------------------------------------

Part = dict[str, Any]


class Content(TypedDict):
    role: str  # "user" or "model"
    parts: list[Part]


# --- the adapter -----------------------------------------------------------------------------
# It comes before the sections it delegates to: its four methods are their table of contents.


class GeminiAdapter:
    kind: ClassVar[str] = "gemini"

    def __init__(self, config: ProviderConfig, *, clock: Callable[[], float] = time.time) -> None:
        base_url = (config.base_url or "").rstrip("/")
        self._prefix = f"{base_url}/{config.api_version or DEFAULT_API_VERSION}/"
        headers = {"content-type": "application/json"}
        if config.api_key:
            headers["x-goog-api-key"] = config.api_key
        self._headers = {**headers, **config.headers}
        self._clock = clock

    def build_chat_request(
        self, chat: dict[str, Any], upstream_model: str, *, stream: bool
    ) -> UpstreamRequest:
        # "models/x" and "tunedModels/x" are full resource names; a bare name is a base model.
        model = upstream_model if "/" in upstream_model else f"models/{upstream_model}"
        method = "streamGenerateContent?alt=sse" if stream else "generateContent"
        body = orjson.dumps(generate_content_body(chat))
        return UpstreamRequest("POST", f"{self._prefix}{model}:{method}", self._headers, body)

    def parse_chat_response(self, body: bytes) -> ChatResponse:
        return chat_response(body, created=int(self._clock()))

    def open_stream(self, *, client_wants_usage: bool) -> GeminiStreamTranslator:
        return GeminiStreamTranslator(
            client_wants_usage=client_wants_usage, created=int(self._clock())
        )

    def parse_error(self, status: int, body: bytes, headers: Mapping[str, str]) -> UpstreamError:
        return upstream_error(status, body, headers)


# --- request translation ---------------------------------------------------------------------


def generate_content_body(chat: dict[str, Any]) -> dict[str, Any]:
    """The ``GenerateContentRequest`` body for an OpenAI chat.completions body."""
    system, contents = translate_messages(chat.get("messages") or [])
    body: dict[str, Any] = {"contents": contents}
    if system:
        body["systemInstruction"] = {"parts": system}
    config = _generation_config(chat)
    if config:
        body["generationConfig"] = config
    tools = chat.get("tools")
    if tools:
        body["tools"] = [
            {"functionDeclarations": [_declaration(t, i) for i, t in enumerate(tools)]}
        ]
        if chat.get("tool_choice") is not None:
            body["toolConfig"] = {"functionCallingConfig": _calling_config(chat["tool_choice"])}
    return body


def translate_messages(messages: list[dict[str, Any]]) -> tuple[list[Part], list[Content]]:
    """OpenAI messages -> (``systemInstruction`` parts, contents with consecutive roles merged)."""
    system: list[Part] = []
    contents: list[Content] = []
    function_names: dict[str, str] = {}  # tool call id -> function name

    def append(role: str, parts: list[Part]) -> None:
        if not parts:
            return  # Gemini rejects a content without parts
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})

    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        role = message.get("role")
        if role in ("system", "developer"):
            system.extend(_parts(message.get("content"), where, text_only=True))
        elif role == "user":
            append("user", _parts(message.get("content"), where))
        elif role == "assistant":
            append("model", _model_parts(message, where, function_names))
        elif role == "tool":
            append("user", [_function_response(message, where, function_names)])
        else:
            raise InvalidRequestError(f"unsupported message role {role!r}", param=f"{where}.role")
    return system, contents


def _parts(content: Any, where: str, *, text_only: bool = False) -> list[Part]:
    parts: list[Part] = []
    for j, part in enumerate(openai_shapes.content_parts(content, where)):
        kind = part.get("type")
        if kind in ("text", "refusal"):
            if part.get(kind):  # Gemini rejects empty text parts
                parts.append({"text": part[kind]})
        elif kind == "image_url" and not text_only:
            parts.append(_media(part["image_url"]["url"], "image/jpeg"))
        elif kind == "input_audio" and not text_only:
            audio = part["input_audio"]
            parts.append(
                {"inlineData": {"mimeType": f"audio/{audio['format']}", "data": audio["data"]}}
            )
        elif kind == "file" and not text_only and "file_data" in part.get("file", {}):
            parts.append(_media(part["file"]["file_data"], "application/pdf"))
        else:
            raise InvalidRequestError(
                f"content part of type {kind!r} is not supported here by Gemini models",
                param=f"{where}.content[{j}]",
            )
    return parts


def _media(url: str, default_mime_type: str) -> Part:
    parsed = openai_shapes.parse_data_url(url)
    if parsed is not None:
        return {"inlineData": {"mimeType": parsed[0], "data": parsed[1]}}
    mime_type = mimetypes.guess_type(url)[0] or default_mime_type
    return {"fileData": {"mimeType": mime_type, "fileUri": url}}


def _model_parts(message: dict[str, Any], where: str, function_names: dict[str, str]) -> list[Part]:
    parts = _parts(message.get("content"), where, text_only=True)
    for j, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") or {}
        try:
            args = orjson.loads(function.get("arguments") or "{}")
        except orjson.JSONDecodeError:
            args = None
        if not isinstance(args, dict):
            raise InvalidRequestError(
                "tool call arguments must be a JSON object",
                param=f"{where}.tool_calls[{j}].function.arguments",
            )
        function_names[call.get("id", "")] = function["name"]
        part: Part = {"functionCall": {"name": function["name"], "args": args}}
        signature = ((call.get("extra_content") or {}).get("google") or {}).get("thought_signature")
        if signature:
            part["thoughtSignature"] = signature
        parts.append(part)
    return parts


def _function_response(message: dict[str, Any], where: str, function_names: dict[str, str]) -> Part:
    name = function_names.get(message.get("tool_call_id", "")) or message.get("name")
    if not name:
        raise InvalidRequestError(
            "tool message answers no earlier assistant tool call", param=f"{where}.tool_call_id"
        )
    content = message.get("content")
    if not isinstance(content, str):
        content = "".join(p.get("text", "") for p in openai_shapes.content_parts(content, where))
    # Gemini wants an object: a tool's JSON object answer is passed as is, anything else wrapped.
    try:
        response = orjson.loads(content)
    except orjson.JSONDecodeError:
        response = None
    if not isinstance(response, dict):
        response = {"result": content}
    return {"functionResponse": {"name": name, "response": response}}


def _generation_config(chat: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for openai_name, gemini_name in (
        ("temperature", "temperature"),
        ("top_p", "topP"),
        ("presence_penalty", "presencePenalty"),
        ("frequency_penalty", "frequencyPenalty"),
        ("seed", "seed"),
    ):
        if chat.get(openai_name) is not None:
            config[gemini_name] = chat[openai_name]
    max_tokens = chat.get("max_completion_tokens") or chat.get("max_tokens")
    if max_tokens:
        config["maxOutputTokens"] = max_tokens
    stop = chat.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    if (chat.get("n") or 1) != 1:
        config["candidateCount"] = chat["n"]
    response_format = chat.get("response_format") or {}
    if response_format.get("type") in ("json_object", "json_schema"):
        config["responseMimeType"] = "application/json"
    if response_format.get("type") == "json_schema":
        config["responseJsonSchema"] = response_format["json_schema"]["schema"]
    return config


def _declaration(tool: dict[str, Any], index: int) -> dict[str, Any]:
    if tool.get("type") != "function":
        raise InvalidRequestError(
            f"tool of type {tool.get('type')!r} is not supported by Gemini models",
            param=f"tools[{index}].type",
        )
    function = tool["function"]
    declaration: dict[str, Any] = {"name": function["name"]}
    if function.get("description"):
        declaration["description"] = function["description"]
    if function.get("parameters"):
        # parametersJsonSchema takes JSON Schema as OpenAI clients write it; "parameters" takes
        # only an OpenAPI subset and rejects keywords such as additionalProperties.
        declaration["parametersJsonSchema"] = function["parameters"]
    return declaration


def _calling_config(choice: Any) -> dict[str, Any]:
    if isinstance(choice, str):
        if choice not in FUNCTION_CALLING_MODES:
            raise InvalidRequestError(f"unknown tool_choice {choice!r}", param="tool_choice")
        return {"mode": FUNCTION_CALLING_MODES[choice]}
    return {"mode": "ANY", "allowedFunctionNames": [choice["function"]["name"]]}


# --- response translation --------------------------------------------------------------------


def chat_response(body: bytes, *, created: int) -> ChatResponse:
    try:
        document = orjson.loads(body)
        candidates = document.get("candidates") or []
    except (orjson.JSONDecodeError, AttributeError):
        raise UpstreamUnavailableError("Gemini sent a response that is not JSON") from None
    choices: list[dict[str, Any]] = []
    texts: list[str] = []
    for candidate in candidates:
        text, tool_calls = _candidate_output(candidate)
        texts.append(text)
        reason = finish_reason(candidate.get("finishReason"), bool(tool_calls))
        choices.append(
            openai_shapes.message_choice(candidate.get("index", 0), text, tool_calls, reason)
        )
    if not choices:  # the prompt itself was blocked
        choices.append(openai_shapes.message_choice(0, "", [], _prompt_block_reason(document)))
    usage, reasoning = usage_from(document.get("usageMetadata"))
    completion = openai_shapes.completion(
        completion_id=document.get("responseId") or new_id("chatcmpl-"),
        created=created,
        model=document.get("modelVersion", ""),
        choices=choices,
        usage=usage,
        reasoning_tokens=reasoning,
    )
    return ChatResponse(orjson.dumps(completion), usage, "".join(texts), completion)


def _candidate_output(candidate: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    texts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    for part in (candidate.get("content") or {}).get("parts") or []:
        if part.get("thought"):
            continue  # thought summaries are not part of the answer
        if "text" in part:
            texts.append(part["text"])
        elif "functionCall" in part:
            tool_calls.append(_tool_call(part))
    return "".join(texts), tool_calls


def _tool_call(part: Part) -> dict[str, Any]:
    call = part["functionCall"]
    arguments = orjson.dumps(call.get("args") or {}).decode()
    signature = part.get("thoughtSignature")
    extra = {"google": {"thought_signature": signature}} if signature else None
    return openai_shapes.tool_call(
        call.get("id") or new_id("call_"), call["name"], arguments, extra
    )


def finish_reason(reason: str | None, has_tool_calls: bool) -> str | None:
    if reason is None:
        return None
    if has_tool_calls and reason == "STOP":
        return "tool_calls"
    return FINISH_REASONS.get(reason, "stop")


def _prompt_block_reason(document: Mapping[str, Any]) -> str:
    return "content_filter" if (document.get("promptFeedback") or {}).get("blockReason") else "stop"


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:24]}"


# --- stream translation ----------------------------------------------------------------------


class GeminiStreamTranslator:
    """Gemini's SSE events (each a whole ``GenerateContentResponse``) -> OpenAI chunks.

    Gemini sends no end marker: the stream finished properly when an event carried a
    ``finishReason``, so ``close`` then writes the usage chunk and ``[DONE]``. Usage is taken
    from the last event that reported it. An ``error`` event becomes an OpenAI error event and
    ends the stream (``error`` then holds it).
    """

    def __init__(self, *, client_wants_usage: bool, created: int) -> None:
        self.usage: Usage | None = None
        self.completion_text = ""
        self.finished = False
        self.error: UpstreamError | None = None
        self._client_wants_usage = client_wants_usage
        self._created = created
        self._decoder = SseDecoder()
        self._chunks: ChunkEncoder | None = None
        self._texts: list[str] = []
        self._reasoning_tokens = 0
        self._tool_counts: dict[int, int] = {}  # choice index -> tool calls so far
        self._finish_seen = False
        self._ended = False

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        for event in self._decoder.feed(data):
            if self._ended:
                break
            out += self._on_event(event)
        return bytes(out)

    def close(self) -> bytes:
        if self._ended:
            return b""
        self._ended = True
        self.completion_text = "".join(self._texts)
        if not self._finish_seen or self._chunks is None:
            return b""  # cut short: no [DONE], so the client knows
        self.finished = True
        out = self._chunks.usage(self.usage, self._reasoning_tokens) if self.usage else b""
        return out + openai_shapes.DONE_EVENT

    def _on_event(self, event: SseEvent) -> bytes:
        try:
            return self._dispatch(orjson.loads(event.data))
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            return self._fail({"status": "INTERNAL", "message": "Gemini sent a malformed event"})

    def _dispatch(self, response: dict[str, Any]) -> bytes:
        if "error" in response:
            return self._fail(response["error"])
        chunks = self._chunks
        if chunks is None:
            response_id = response.get("responseId") or new_id("chatcmpl-")
            model = response.get("modelVersion", "")
            chunks = self._chunks = ChunkEncoder(
                response_id, self._created, model, self._client_wants_usage
            )
        if "usageMetadata" in response:
            self.usage, self._reasoning_tokens = usage_from(response["usageMetadata"])
        out = bytearray()
        candidates = response.get("candidates") or []
        for candidate in candidates:
            out += self._on_candidate(chunks, candidate)
        if not candidates and (response.get("promptFeedback") or {}).get("blockReason"):
            out += chunks.role() + chunks.finish("content_filter")
            self._finish_seen = True
        return bytes(out)

    def _on_candidate(self, chunks: ChunkEncoder, candidate: Mapping[str, Any]) -> bytes:
        index = candidate.get("index", 0)
        out = bytearray()
        if index not in self._tool_counts:
            self._tool_counts[index] = 0
            out += chunks.role(index)
        for part in (candidate.get("content") or {}).get("parts") or []:
            if part.get("thought"):
                continue
            if part.get("text"):
                self._texts.append(part["text"])
                out += chunks.text(part["text"], index)
            elif "functionCall" in part:
                call = _tool_call(part)
                function = call["function"]
                out += chunks.tool_call_start(
                    self._tool_counts[index],
                    call["id"],
                    function["name"],
                    function["arguments"],
                    index,
                    call.get("extra_content"),
                )
                self._tool_counts[index] += 1
        reason = finish_reason(candidate.get("finishReason"), self._tool_counts[index] > 0)
        if reason:
            self._finish_seen = True
            out += chunks.finish(reason, index)
        return bytes(out)

    def _fail(self, error: Mapping[str, Any]) -> bytes:
        self.error = _openai_error(error, None)
        self.close()
        return openai_shapes.sse_event(self.error.to_body())


# --- usage -----------------------------------------------------------------------------------


def usage_from(metadata: Mapping[str, Any] | None) -> tuple[Usage | None, int]:
    """``usageMetadata`` -> (usage, reasoning tokens). Thinking is billed as output.

    ``promptTokenCount`` already includes ``cachedContentTokenCount``.
    """
    if not metadata:
        return None, 0
    thoughts = metadata.get("thoughtsTokenCount") or 0
    usage = Usage(
        input_tokens=(metadata.get("promptTokenCount") or 0)
        + (metadata.get("toolUsePromptTokenCount") or 0),
        output_tokens=(metadata.get("candidatesTokenCount") or 0) + thoughts,
        cached_input_tokens=metadata.get("cachedContentTokenCount") or 0,
    )
    return usage, thoughts


# --- errors ----------------------------------------------------------------------------------


def upstream_error(status: int, body: bytes, headers: Mapping[str, str]) -> UpstreamError:
    """``{"error": {"code", "message", "status", "details"}}`` -> OpenAI's error shape."""
    try:
        document = orjson.loads(body)
        if isinstance(document, list):  # streamGenerateContent without alt=sse wraps it
            document = document[0]
        error = document["error"]
        if not isinstance(error, dict):
            raise TypeError
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
        error = {"message": f"Gemini answered HTTP {status}"}
    upstream = _openai_error(error, status)
    upstream.headers.update(openai_shapes.retry_after(headers))
    return upstream


def _openai_error(error: Mapping[str, Any], status: int | None) -> UpstreamError:
    rpc_status = error.get("status") or ""
    http_status = status or error.get("code") or ERROR_KINDS.get(rpc_status, (500,))[0]
    fallback = ERROR_KINDS["INVALID_ARGUMENT" if http_status < 500 else "INTERNAL"]
    _, openai_type, code = ERROR_KINDS.get(rpc_status, fallback)
    details = error.get("details") or []
    if any(d.get("reason") == "API_KEY_INVALID" for d in details if isinstance(d, dict)):
        code = "invalid_api_key"
    message = error.get("message") or f"Gemini answered HTTP {http_status}"
    headers = {}
    for detail in details:
        if isinstance(detail, dict) and detail.get("@type") == _RETRY_INFO:
            delay = _SECONDS.fullmatch(str(detail.get("retryDelay", "")))
            if delay:
                headers["retry-after"] = str(math.ceil(float(delay[1])))
    return UpstreamError(
        message,
        upstream_status=http_status,
        body=openai_shapes.error_document(message, openai_type, code),
        code=code,
        error_type=openai_type,
        headers=headers,
    )
