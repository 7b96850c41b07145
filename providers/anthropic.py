"""Anthropic Messages API (``POST /v1/messages``) behind OpenAI's chat.completions.

Requests: system and developer messages go to ``system``; consecutive turns of one role are
merged (Anthropic wants user/assistant alternation, starting with user); assistant
``tool_calls`` become ``tool_use`` blocks and ``tool`` messages ``tool_result`` blocks in a user
turn; ``max_tokens`` is required by Anthropic, so it gets a default. Responses, stream events
and errors come back in OpenAI's shapes. Usage counts prompt-cache reads and writes as prompt
tokens, as OpenAI does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypedDict

import orjson

from core.errors import InvalidRequestError, UpstreamError, UpstreamUnavailableError
from core.settings import ProviderConfig
from providers import openai_shapes
from providers.base import ChatResponse, UpstreamRequest, Usage
from providers.openai_shapes import ChunkEncoder, SseDecoder, SseEvent

# --- constants -------------------------------------------------------------------------------

ANTHROPIC_VERSION = "2023-06-01"
DEFAULT_MAX_TOKENS = 4096
# Anthropic wants the first turn to be the user's; a conversation that starts with an assistant
# turn gets this minimal user turn in front of it.
LEADING_USER_TEXT = "."

FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}

TOOL_CHOICES = {"auto": "auto", "none": "none", "required": "any"}

# Anthropic error type -> (OpenAI error type, OpenAI code, the status Anthropic sends it with).
ERROR_KINDS: dict[str, tuple[str, str | None, int]] = {
    "invalid_request_error": ("invalid_request_error", None, 400),
    "authentication_error": ("invalid_request_error", "invalid_api_key", 401),
    "billing_error": ("insufficient_quota", "insufficient_quota", 402),
    "permission_error": ("permission_error", "permission_denied", 403),
    "not_found_error": ("invalid_request_error", "not_found", 404),
    "request_too_large": ("invalid_request_error", "request_too_large", 413),
    "rate_limit_error": ("rate_limit_error", "rate_limit_exceeded", 429),
    "api_error": ("api_error", "upstream_error", 500),
    "timeout_error": ("api_error", "upstream_timeout", 504),
    "overloaded_error": ("api_error", "upstream_overloaded", 529),
}

# --- wire types ------------------------------------------------------------------------------

Block = dict[str, Any]


class AnthropicMessage(TypedDict):
    role: str  # "user" or "assistant"
    content: list[Block]


# --- the adapter -----------------------------------------------------------------------------
# It comes before the sections it delegates to: its four methods are their table of contents.


class AnthropicAdapter:
    kind: ClassVar[str] = "anthropic"

    def __init__(self, config: ProviderConfig, *, clock: Callable[[], float] = time.time) -> None:
        self._url = f"{(config.base_url or '').rstrip('/')}/v1/messages"
        headers = {"anthropic-version": ANTHROPIC_VERSION, "content-type": "application/json"}
        if config.api_key:
            headers["x-api-key"] = config.api_key
        self._headers = {**headers, **config.headers}
        self._clock = clock

    def build_chat_request(
        self, chat: dict[str, Any], upstream_model: str, *, stream: bool
    ) -> UpstreamRequest:
        body = messages_body(chat, upstream_model, stream=stream)
        return UpstreamRequest("POST", self._url, self._headers, orjson.dumps(body))

    def parse_chat_response(self, body: bytes) -> ChatResponse:
        return chat_response(body, created=int(self._clock()))

    def open_stream(self, *, client_wants_usage: bool) -> AnthropicStreamTranslator:
        return AnthropicStreamTranslator(
            client_wants_usage=client_wants_usage, created=int(self._clock())
        )

    def parse_error(self, status: int, body: bytes, headers: Mapping[str, str]) -> UpstreamError:
        return upstream_error(status, body, headers)


# --- request translation ---------------------------------------------------------------------


def messages_body(chat: dict[str, Any], model: str, *, stream: bool) -> dict[str, Any]:
    """The Anthropic Messages request body for an OpenAI chat.completions body."""
    if (chat.get("n") or 1) != 1:
        raise InvalidRequestError("Anthropic models return one choice only: n must be 1", param="n")
    system, messages = translate_messages(chat.get("messages") or [])
    max_tokens = chat.get("max_completion_tokens") or chat.get("max_tokens") or DEFAULT_MAX_TOKENS
    body: dict[str, Any] = {"model": model, "max_tokens": max_tokens, "messages": messages}
    if system:
        body["system"] = system
    for name in ("temperature", "top_p"):
        if chat.get(name) is not None:
            body[name] = chat[name]
    stop = chat.get("stop")
    if stop:
        body["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
    if stream:
        body["stream"] = True
    if chat.get("user"):
        body["metadata"] = {"user_id": chat["user"]}
    tools = chat.get("tools")
    if tools:
        body["tools"] = [_tool(tool, i) for i, tool in enumerate(tools)]
        choice = _tool_choice(chat.get("tool_choice"), chat.get("parallel_tool_calls"))
        if choice:
            body["tool_choice"] = choice
    output_format = _output_format(chat.get("response_format"))
    if output_format:
        body["output_config"] = {"format": output_format}
    return body


def translate_messages(
    messages: list[dict[str, Any]],
) -> tuple[list[Block], list[AnthropicMessage]]:
    """OpenAI messages -> (``system`` text blocks, alternating user/assistant turns)."""
    system: list[Block] = []
    turns: list[AnthropicMessage] = []

    def append(role: str, blocks: list[Block]) -> None:
        if not blocks:
            return  # Anthropic rejects empty turns; an empty message adds nothing
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})

    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        role = message.get("role")
        if role in ("system", "developer"):
            system.extend(_content_blocks(message.get("content"), where, text_only=True))
        elif role == "user":
            append("user", _content_blocks(message.get("content"), where))
        elif role == "assistant":
            append("assistant", _assistant_blocks(message, where))
        elif role == "tool":
            append("user", [_tool_result(message, where)])
        else:
            raise InvalidRequestError(f"unsupported message role {role!r}", param=f"{where}.role")
    if turns and turns[0]["role"] != "user":
        turns.insert(0, {"role": "user", "content": [{"type": "text", "text": LEADING_USER_TEXT}]})
    return system, turns


def _content_blocks(content: Any, where: str, *, text_only: bool = False) -> list[Block]:
    blocks: list[Block] = []
    for j, part in enumerate(openai_shapes.content_parts(content, where)):
        kind = part.get("type")
        if kind in ("text", "refusal"):
            text = part.get(kind) or ""
            if not text:
                continue  # Anthropic rejects empty text blocks
            block: Block = {"type": "text", "text": text}
        elif kind == "image_url" and not text_only:
            source = _source(part["image_url"]["url"], f"{where}.content[{j}]")
            block = {"type": "image", "source": source}
        elif kind == "file" and not text_only and "file_data" in part.get("file", {}):
            source = _source(part["file"]["file_data"], f"{where}.content[{j}]")
            block = {"type": "document", "source": source}
        else:
            raise InvalidRequestError(
                f"content part of type {kind!r} is not supported here by Anthropic models",
                param=f"{where}.content[{j}]",
            )
        if "cache_control" in part:  # Anthropic prompt caching, as some OpenAI clients send it
            block["cache_control"] = part["cache_control"]
        blocks.append(block)
    return blocks


def _source(url: str, where: str) -> Block:
    if url.startswith(("http://", "https://")):
        return {"type": "url", "url": url}
    parsed = openai_shapes.parse_data_url(url)
    if parsed is None:
        raise InvalidRequestError("expected an http(s) URL or a base64 data: URL", param=where)
    return {"type": "base64", "media_type": parsed[0], "data": parsed[1]}


def _assistant_blocks(message: dict[str, Any], where: str) -> list[Block]:
    blocks = _content_blocks(message.get("content"), where, text_only=True)
    for j, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") or {}
        arguments = function.get("arguments") or "{}"
        try:
            tool_input = orjson.loads(arguments)
        except orjson.JSONDecodeError:
            tool_input = None
        if not isinstance(tool_input, dict):
            raise InvalidRequestError(
                "tool call arguments must be a JSON object",
                param=f"{where}.tool_calls[{j}].function.arguments",
            )
        blocks.append(
            {"type": "tool_use", "id": call["id"], "name": function["name"], "input": tool_input}
        )
    return blocks


def _tool_result(message: dict[str, Any], where: str) -> Block:
    block: Block = {"type": "tool_result", "tool_use_id": message.get("tool_call_id")}
    content = message.get("content")
    if isinstance(content, str):
        if content:
            block["content"] = content
    else:
        blocks = _content_blocks(content, where)
        if blocks:
            block["content"] = blocks
    return block


def _tool(tool: dict[str, Any], index: int) -> Block:
    if tool.get("type") != "function":
        raise InvalidRequestError(
            f"tool of type {tool.get('type')!r} is not supported by Anthropic models",
            param=f"tools[{index}].type",
        )
    function = tool["function"]
    result: Block = {
        "name": function["name"],
        "input_schema": function.get("parameters") or {"type": "object", "properties": {}},
    }
    if function.get("description"):
        result["description"] = function["description"]
    return result


def _tool_choice(choice: Any, parallel_tool_calls: bool | None) -> Block | None:
    if choice is None and parallel_tool_calls is not False:
        return None  # Anthropic's default is auto, as OpenAI's is when tools are given
    if choice is None:
        result: Block = {"type": "auto"}
    elif isinstance(choice, str):
        if choice not in TOOL_CHOICES:
            raise InvalidRequestError(f"unknown tool_choice {choice!r}", param="tool_choice")
        result = {"type": TOOL_CHOICES[choice]}
    else:
        result = {"type": "tool", "name": choice["function"]["name"]}
    if parallel_tool_calls is False and result["type"] != "none":
        result["disable_parallel_tool_use"] = True
    return result


def _output_format(response_format: dict[str, Any] | None) -> Block | None:
    # Anthropic's structured outputs need a schema, so json_object has no equivalent.
    if response_format and response_format.get("type") == "json_schema":
        return {"type": "json_schema", "schema": response_format["json_schema"]["schema"]}
    return None


# --- response translation --------------------------------------------------------------------


def chat_response(body: bytes, *, created: int) -> ChatResponse:
    try:
        message = orjson.loads(body)
        blocks = message["content"]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        raise UpstreamUnavailableError("Anthropic sent a response that is not a message") from None
    texts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    for block in blocks:
        if block.get("type") == "text":
            texts.append(block["text"])
        elif block.get("type") == "tool_use":
            arguments = orjson.dumps(block.get("input") or {}).decode()
            tool_calls.append(openai_shapes.tool_call(block["id"], block["name"], arguments))
    text = "".join(texts)
    usage = usage_from(message.get("usage") or {})
    document = openai_shapes.completion(
        completion_id=message.get("id", ""),
        created=created,
        model=message.get("model", ""),
        choices=[openai_shapes.message_choice(0, text, tool_calls, finish_reason(message))],
        usage=usage,
    )
    return ChatResponse(orjson.dumps(document), usage, text, document)


def finish_reason(message: Mapping[str, Any]) -> str | None:
    reason = message.get("stop_reason")
    return None if reason is None else FINISH_REASONS.get(reason, "stop")


# --- stream translation ----------------------------------------------------------------------


class AnthropicStreamTranslator:
    """Anthropic's stream events -> OpenAI chunks, one event at a time.

    ``message_start`` gives the role chunk, text and ``input_json_delta`` deltas become content
    and tool-call chunks, ``message_delta`` the finish chunk, and ``message_stop`` the usage
    chunk and ``[DONE]``. An ``error`` event becomes an OpenAI error event and ends the stream
    (``error`` then holds it). On a stream cut before ``message_stop``, ``usage`` holds what
    Anthropic had reported so far: its output count may lag the text produced.
    """

    def __init__(self, *, client_wants_usage: bool, created: int) -> None:
        self.usage: Usage | None = None
        self.completion_text = ""
        self.finished = False
        self.error: UpstreamError | None = None
        self._client_wants_usage = client_wants_usage
        self._created = created
        self._decoder = SseDecoder()
        self._chunks = ChunkEncoder("", created, "", client_wants_usage)
        self._texts: list[str] = []
        self._raw_usage: dict[str, int] = {}
        self._tool_indexes: dict[int, int] = {}  # content block index -> OpenAI tool call index
        self._ended = False

    def feed(self, data: bytes) -> bytes:
        out = bytearray()
        for event in self._decoder.feed(data):
            if self._ended:
                break
            out += self._on_event(event)
        return bytes(out)

    def close(self) -> bytes:
        self._ended = True
        self.completion_text = "".join(self._texts)
        return b""

    def _on_event(self, event: SseEvent) -> bytes:
        try:
            return self._dispatch(orjson.loads(event.data))
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            return self._fail("api_error", "Anthropic sent a malformed stream event")

    def _dispatch(self, payload: dict[str, Any]) -> bytes:
        kind = payload["type"]
        if kind == "message_start":
            message = payload["message"]
            self._chunks = ChunkEncoder(
                message["id"], self._created, message["model"], self._client_wants_usage
            )
            self._update_usage(message.get("usage") or {})
            return self._chunks.role()
        if kind == "content_block_start":
            return self._on_block_start(payload["index"], payload["content_block"])
        if kind == "content_block_delta":
            return self._on_delta(payload["index"], payload["delta"])
        if kind == "message_delta":
            self._update_usage(payload.get("usage") or {})
            reason = finish_reason(payload.get("delta") or {})
            return self._chunks.finish(reason) if reason else b""
        if kind == "message_stop":
            return self._finish()
        if kind == "error":
            error = payload.get("error") or {}
            return self._fail(
                error.get("type", "api_error"), error.get("message", "upstream error")
            )
        return b""  # ping, content_block_stop and event types Anthropic may add later

    def _on_block_start(self, index: int, block: Block) -> bytes:
        if block.get("type") == "text" and block.get("text"):
            return self._on_delta(index, {"type": "text_delta", "text": block["text"]})
        if block.get("type") != "tool_use":
            return b""
        tool_index = self._tool_indexes[index] = len(self._tool_indexes)
        return self._chunks.tool_call_start(tool_index, block["id"], block["name"])

    def _on_delta(self, index: int, delta: Block) -> bytes:
        kind = delta.get("type")
        if kind == "text_delta" and delta.get("text"):
            self._texts.append(delta["text"])
            return self._chunks.text(delta["text"])
        if kind == "input_json_delta" and delta.get("partial_json") and index in self._tool_indexes:
            return self._chunks.tool_call_arguments(
                self._tool_indexes[index], delta["partial_json"]
            )
        return b""  # thinking, signature and citation deltas have no OpenAI equivalent

    def _update_usage(self, reported: Mapping[str, Any]) -> None:
        # message_delta repeats message_start's counts cumulatively; null means "unchanged".
        self._raw_usage.update({k: v for k, v in reported.items() if isinstance(v, int)})
        self.usage = usage_from(self._raw_usage)

    def _finish(self) -> bytes:
        self.finished = True
        out = self._chunks.usage(self.usage) if self.usage else b""
        self.close()
        return out + openai_shapes.DONE_EVENT

    def _fail(self, anthropic_type: str, message: str) -> bytes:
        openai_type, code, status = ERROR_KINDS.get(anthropic_type, ERROR_KINDS["api_error"])
        body = openai_shapes.error_document(message, openai_type, code)
        self.error = UpstreamError(
            message, upstream_status=status, body=body, code=code, error_type=openai_type
        )
        self.close()
        return openai_shapes.sse_event(body)


# --- usage -----------------------------------------------------------------------------------


def usage_from(reported: Mapping[str, Any]) -> Usage:
    """Anthropic counts uncached, cache-read and cache-written input apart; OpenAI sums them."""
    cache_read = reported.get("cache_read_input_tokens") or 0
    cache_write = reported.get("cache_creation_input_tokens") or 0
    return Usage(
        input_tokens=(reported.get("input_tokens") or 0) + cache_read + cache_write,
        output_tokens=reported.get("output_tokens") or 0,
        cached_input_tokens=cache_read,
        cache_write_input_tokens=cache_write,
    )


# --- errors ----------------------------------------------------------------------------------


def upstream_error(status: int, body: bytes, headers: Mapping[str, str]) -> UpstreamError:
    """``{"type": "error", "error": {"type", "message"}}`` -> OpenAI's error shape."""
    by_status = "invalid_request_error" if status < 500 else "api_error"
    try:
        error = orjson.loads(body)["error"]
        anthropic_type, message = str(error["type"]), str(error["message"])
    except (orjson.JSONDecodeError, KeyError, TypeError):
        anthropic_type, message = by_status, f"Anthropic answered HTTP {status}"
    openai_type, code, _ = ERROR_KINDS.get(anthropic_type, ERROR_KINDS[by_status])
    return UpstreamError(
        message,
        upstream_status=status,
        body=openai_shapes.error_document(message, openai_type, code),
        code=code,
        error_type=openai_type,
        headers=openai_shapes.retry_after(headers),
    )
