"""Anthropic's Messages API (``POST /v1/messages``) served in front of the OpenAI-shaped pipeline.

The other way round from ``providers.anthropic``: an app built on the ``anthropic`` SDK sends an
Anthropic request; ``messages_to_chat`` turns it into an OpenAI chat.completions body that the
normal pipeline serves from any provider; ``completion_to_message`` and
``ChunksToAnthropicEvents`` turn the OpenAI answer back into an Anthropic Message or event
stream, and ``anthropic_error_body`` renders the gateway's errors in Anthropic's shape.

What has no OpenAI equivalent is dropped, not faked: ``thinking`` (and thinking blocks sent
back), ``top_k``, ``service_tier``, top-level ``cache_control`` and the other fields in
``IGNORED_FIELDS``. ``cache_control`` on system, text, image and document blocks is kept on the
OpenAI parts, where ``providers.anthropic`` picks it up again. A tool result's ``is_error`` has
no OpenAI field: its content is prefixed with ``TOOL_ERROR_PREFIX``, so every model sees it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from core.errors import GatewayError, InvalidRequestError
from fronts.chunk_events import ChunksToEvents
from providers.base import Usage
from providers.openai import usage_from_openai

# --- constants -------------------------------------------------------------------------------

TRANSLATED_FIELDS = frozenset(
    "model messages max_tokens system metadata stop_sequences stream temperature top_p tools"
    " tool_choice output_config".split()
)
# Accepted (the real API knows them) but without an OpenAI equivalent: dropped.
IGNORED_FIELDS = frozenset(
    "top_k thinking service_tier container cache_control inference_geo speed diagnostics"
    " context_management mcp_servers".split()
)
IMAGE_MEDIA_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
TOOL_ERROR_PREFIX = "Error: "
DEFAULT_DOCUMENT_NAME = "document.pdf"
STRUCTURED_OUTPUT_NAME = "output"

TOOL_CHOICES = {"auto": "auto", "any": "required", "none": "none"}

STOP_REASONS = {
    "stop": "end_turn",  # OpenAI does not say whether a stop sequence ended it
    "length": "max_tokens",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "content_filter": "refusal",
}

# HTTP status -> Anthropic error type, as the real API pairs them.
ERROR_TYPES_BY_STATUS = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
# An in-band OpenAI error event has no status: its code, then its type, give the Anthropic type.
ERROR_TYPES_BY_CODE = {
    "invalid_api_key": "authentication_error",
    "insufficient_quota": "billing_error",
    "permission_denied": "permission_error",
    "insufficient_scope": "permission_error",
    "not_found": "not_found_error",
    "request_too_large": "request_too_large",
    "rate_limit_exceeded": "rate_limit_error",
    "upstream_timeout": "timeout_error",
    "upstream_overloaded": "overloaded_error",
}
ERROR_TYPES_BY_OPENAI_TYPE = {
    "invalid_request_error": "invalid_request_error",
    "permission_error": "permission_error",
    "rate_limit_error": "rate_limit_error",
    "insufficient_quota": "billing_error",
}

# --- wire types ------------------------------------------------------------------------------

Block = dict[str, Any]  # an Anthropic content block
Part = dict[str, Any]  # an OpenAI content part
ChatMessage = dict[str, Any]

# --- request translation ---------------------------------------------------------------------


def messages_to_chat(body: dict[str, Any]) -> dict[str, Any]:
    """An Anthropic Messages request -> the OpenAI chat.completions body the pipeline serves.

    Validates what the real API validates before any model runs (required fields, roles,
    content shapes, block types) and raises ``InvalidRequestError`` with ``param`` naming the
    field in Anthropic's dotted form (``messages.0.content.1``).
    """
    if not isinstance(body, dict):
        raise InvalidRequestError("body: Input should be a valid dictionary")
    for name in body:
        if name not in TRANSLATED_FIELDS and name not in IGNORED_FIELDS:
            raise InvalidRequestError(f"{name}: Extra inputs are not permitted", param=name)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _invalid("model", "Field required" if model is None else "Input should be a string")
    max_tokens = body.get("max_tokens")
    if max_tokens is None:
        raise _invalid("max_tokens", "Field required")
    if not _is_int(max_tokens) or max_tokens < 1:
        raise _invalid("max_tokens", "Input should be greater than or equal to 1")
    messages = body.get("messages")
    if messages is None:
        raise _invalid("messages", "Field required")
    if not isinstance(messages, list) or not messages:
        raise _invalid("messages", "at least one message is required")

    chat_messages: list[ChatMessage] = []
    system = _system_message(body.get("system"))
    if system:
        chat_messages.append(system)
    for i, message in enumerate(messages):
        chat_messages.extend(_translate_message(message, i, last=i == len(messages) - 1))
    chat: dict[str, Any] = {"model": model, "messages": chat_messages, "max_tokens": max_tokens}
    for name in ("temperature", "top_p"):
        value = body.get(name)
        if value is not None:
            if not _is_number(value) or not 0 <= value <= 1:
                raise _invalid(name, "Input should be a number between 0 and 1")
            chat[name] = value
    stop = body.get("stop_sequences")
    if stop is not None:
        if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
            raise _invalid("stop_sequences", "Input should be a valid list of strings")
        if stop:
            chat["stop"] = stop
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise _invalid("stream", "Input should be a valid boolean")
    if stream:
        chat["stream"] = True
        chat["stream_options"] = {"include_usage": True}
    chat.update(_metadata(body.get("metadata")))
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise _invalid("tools", "Input should be a valid list")
        if tools:
            chat["tools"] = [_tool(tool, j) for j, tool in enumerate(tools)]
            chat.update(_tool_choice(body.get("tool_choice")))
    response_format = _response_format(body.get("output_config"))
    if response_format:
        chat["response_format"] = response_format
    return chat


def _system_message(system: Any) -> ChatMessage | None:
    if system is None or system == "":
        return None
    if isinstance(system, str):
        return {"role": "system", "content": system}
    if not isinstance(system, list):
        raise _invalid("system", "Input should be a valid string or a list of text blocks")
    parts: list[Part] = []
    for j, block in enumerate(system):
        where = f"system.{j}"
        if not isinstance(block, dict) or block.get("type") != "text":
            raise _invalid(f"{where}.type", "Input should be 'text'")
        parts.append(_text_part(block, where))
    return {"role": "system", "content": parts} if parts else None


def _translate_message(message: Any, i: int, *, last: bool) -> list[ChatMessage]:
    where = f"messages.{i}"
    if not isinstance(message, dict):
        raise _invalid(where, "Input should be a valid dictionary")
    role = message.get("role")
    if role not in ("user", "assistant"):
        raise _invalid(f"{where}.role", "Input should be 'user' or 'assistant'")
    content = message.get("content")
    if isinstance(content, str):
        if not content and not (last and role == "assistant"):
            raise _invalid(where, f"{role} messages must have non-empty content")
        return [{"role": role, "content": content}] if content else []
    if not isinstance(content, list):
        raise _invalid(f"{where}.content", "Input should be a valid string or list of blocks")
    if not content and not (last and role == "assistant"):
        raise _invalid(
            where,
            "all messages must have non-empty content except for the optional"
            " final assistant message",
        )
    for j, block in enumerate(content):
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            raise _invalid(f"{where}.content.{j}", "Input should be a valid content block")
    if role == "user":
        return _user_messages(content, where)
    return _assistant_messages(content, where)


def _user_messages(blocks: list[Block], where: str) -> list[ChatMessage]:
    """One user turn -> a ``tool`` message per tool result, then a user message for the rest.

    OpenAI wants tool answers right after the assistant's calls; Anthropic puts tool results
    first in the user turn anyway.
    """
    tool_messages: list[ChatMessage] = []
    parts: list[Part] = []
    for j, block in enumerate(blocks):
        block_where = f"{where}.content.{j}"
        if block["type"] == "tool_result":
            tool_messages.append(_tool_message(block, block_where))
        elif block["type"] in ("tool_use", "thinking", "redacted_thinking"):
            raise _invalid(block_where, f"{block['type']} blocks are not allowed in user messages")
        else:
            parts.extend(_content_parts(block, block_where))
    if parts:
        tool_messages.append({"role": "user", "content": parts})
    return tool_messages


def _assistant_messages(blocks: list[Block], where: str) -> list[ChatMessage]:
    parts: list[Part] = []
    tool_calls: list[dict[str, Any]] = []
    for j, block in enumerate(blocks):
        block_where = f"{where}.content.{j}"
        kind = block["type"]
        if kind == "text":
            parts.append(_text_part(block, block_where))
        elif kind == "tool_use":
            tool_calls.append(_tool_call(block, block_where))
        elif kind in ("thinking", "redacted_thinking"):
            continue  # the gateway does not ask for thinking; what came back is dropped
        elif kind == "tool_result":
            raise _invalid(block_where, "tool_result blocks are not allowed in assistant messages")
        else:
            raise _invalid(
                f"{block_where}.type", f"{kind!r} blocks are not supported in assistant messages"
            )
    if not parts and not tool_calls:
        return []
    message: ChatMessage = {"role": "assistant", "content": parts or None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return [message]


def _content_parts(block: Block, where: str) -> list[Part]:
    """A user (or tool result) content block -> OpenAI content parts."""
    kind = block["type"]
    if kind == "text":
        return [_text_part(block, where)]
    if kind == "image":
        part: Part = {"type": "image_url", "image_url": {"url": _image_url(block, where)}}
    elif kind == "document":
        return _document_parts(block, where)
    else:
        raise _invalid(f"{where}.type", f"{kind!r} blocks are not supported by this gateway")
    return [_with_cache_control(part, block)]


def _text_part(block: Block, where: str) -> Part:
    text = block.get("text")
    if not isinstance(text, str):
        raise _invalid(f"{where}.text", "Input should be a valid string")
    if not text:
        raise _invalid(where, "text content blocks must be non-empty")
    return _with_cache_control({"type": "text", "text": text}, block)


def _image_url(block: Block, where: str) -> str:
    source = block.get("source")
    if not isinstance(source, dict):
        raise _invalid(f"{where}.source", "Field required")
    if source.get("type") == "url" and isinstance(source.get("url"), str):
        return str(source["url"])
    if source.get("type") == "base64" and isinstance(source.get("data"), str):
        if source.get("media_type") not in IMAGE_MEDIA_TYPES:
            raise _invalid(
                f"{where}.source.media_type",
                f"Input should be one of {', '.join(sorted(IMAGE_MEDIA_TYPES))}",
            )
        return f"data:{source['media_type']};base64,{source['data']}"
    raise _invalid(f"{where}.source", "expected a base64 or url image source")


def _document_parts(block: Block, where: str) -> list[Part]:
    source = block.get("source")
    if not isinstance(source, dict):
        raise _invalid(f"{where}.source", "Field required")
    kind = source.get("type")
    if kind in ("base64", "url"):
        if kind == "base64":
            if source.get("media_type") != "application/pdf":
                raise _invalid(f"{where}.source.media_type", "Input should be 'application/pdf'")
            file_data = f"data:application/pdf;base64,{source.get('data') or ''}"
        else:
            file_data = str(source.get("url") or "")
        filename = block.get("title") or DEFAULT_DOCUMENT_NAME
        part: Part = {"type": "file", "file": {"file_data": file_data, "filename": filename}}
        return [_with_cache_control(part, block)]
    if kind == "text":
        data = source.get("data")
        return [{"type": "text", "text": data}] if data else []
    if kind == "content":
        content = source.get("content")
        if isinstance(content, str):
            return [{"type": "text", "text": content}] if content else []
        parts: list[Part] = []
        for j, inner in enumerate(content or []):
            inner_where = f"{where}.source.content.{j}"
            if not isinstance(inner, dict) or inner.get("type") not in ("text", "image"):
                raise _invalid(inner_where, "document content must be text or image blocks")
            parts.extend(_content_parts(inner, inner_where))
        return parts
    raise _invalid(f"{where}.source.type", f"document source {kind!r} is not supported here")


def _tool_message(block: Block, where: str) -> ChatMessage:
    tool_use_id = block.get("tool_use_id")
    if not isinstance(tool_use_id, str) or not tool_use_id:
        raise _invalid(f"{where}.tool_use_id", "Field required")
    content = block.get("content")
    prefix = TOOL_ERROR_PREFIX if block.get("is_error") else ""
    result: str | list[Part]
    if content is None or isinstance(content, str):
        result = prefix + (content or "")
    elif isinstance(content, list):
        result = []
        for j, inner in enumerate(content):
            inner_where = f"{where}.content.{j}"
            if not isinstance(inner, dict) or not isinstance(inner.get("type"), str):
                raise _invalid(inner_where, "Input should be a valid content block")
            result.extend(_content_parts(inner, inner_where))
        if prefix:
            result.insert(0, {"type": "text", "text": prefix.strip()})
        result = result or ""  # OpenAI wants some content: an empty list is sent as ""
    else:
        raise _invalid(f"{where}.content", "Input should be a valid string or list of blocks")
    if "cache_control" in block:
        # A tool message has no place for it; its last part carries the cache breakpoint.
        if isinstance(result, str):
            result = [{"type": "text", "text": result}] if result else []
        if result:
            result[-1] = _with_cache_control(result[-1], block)
    return {"role": "tool", "tool_call_id": tool_use_id, "content": result}


def _tool_call(block: Block, where: str) -> dict[str, Any]:
    tool_input = block.get("input")
    if not isinstance(tool_input, dict):
        raise _invalid(f"{where}.input", "Input should be a valid dictionary")
    for name in ("id", "name"):
        if not isinstance(block.get(name), str) or not block[name]:
            raise _invalid(f"{where}.{name}", "Field required")
    return {
        "id": block["id"],
        "type": "function",
        "function": {"name": block["name"], "arguments": orjson.dumps(tool_input).decode()},
    }


def _tool(tool: Any, j: int) -> dict[str, Any]:
    where = f"tools.{j}"
    if not isinstance(tool, dict):
        raise _invalid(where, "Input should be a valid dictionary")
    if tool.get("type") not in (None, "custom"):
        raise _invalid(
            f"{where}.type", f"server tool {tool['type']!r} is not supported by this gateway"
        )
    name = tool.get("name")
    if not isinstance(name, str) or not name:
        raise _invalid(f"{where}.name", "Field required")
    schema = tool.get("input_schema")
    if not isinstance(schema, dict) or schema.get("type") != "object":
        raise _invalid(f"{where}.input_schema.type", "Input should be 'object'")
    function: dict[str, Any] = {"name": name}
    if tool.get("description"):
        function["description"] = tool["description"]
    function["parameters"] = schema
    return {"type": "function", "function": function}


def _tool_choice(choice: Any) -> dict[str, Any]:
    if choice is None:
        return {}
    if not isinstance(choice, dict):
        raise _invalid("tool_choice", "Input should be a valid dictionary")
    kind = choice.get("type")
    result: dict[str, Any] = {}
    if isinstance(kind, str) and kind in TOOL_CHOICES:
        result["tool_choice"] = TOOL_CHOICES[kind]
    elif kind == "tool":
        name = choice.get("name")
        if not isinstance(name, str) or not name:
            raise _invalid("tool_choice.name", "Field required")
        result["tool_choice"] = {"type": "function", "function": {"name": name}}
    else:
        raise _invalid("tool_choice.type", "Input should be 'auto', 'any', 'tool' or 'none'")
    if choice.get("disable_parallel_tool_use") and kind != "none":
        result["parallel_tool_calls"] = False
    return result


def _metadata(metadata: Any) -> dict[str, Any]:
    """``metadata.user_id`` -> ``user``; the gateway's own keys (``tool``...) -> ``metadata``."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise _invalid("metadata", "Input should be a valid dictionary")
    result: dict[str, Any] = {}
    user_id = metadata.get("user_id")
    if user_id is not None:
        if not isinstance(user_id, str):
            raise _invalid("metadata.user_id", "Input should be a valid string")
        result["user"] = user_id
    rest = {k: v for k, v in metadata.items() if k != "user_id"}
    if rest:
        result["metadata"] = rest
    return result


def _response_format(output_config: Any) -> dict[str, Any] | None:
    if not isinstance(output_config, dict):
        return None
    output_format = output_config.get("format")
    if not isinstance(output_format, dict) or output_format.get("type") != "json_schema":
        return None
    schema = output_format.get("schema")
    if not isinstance(schema, dict):
        raise _invalid("output_config.format.schema", "Field required")
    return {
        "type": "json_schema",
        "json_schema": {"name": STRUCTURED_OUTPUT_NAME, "schema": schema},
    }


def _with_cache_control(part: Part, block: Block) -> Part:
    if block.get("cache_control") is not None:
        part["cache_control"] = block["cache_control"]
    return part


def _invalid(param: str, message: str) -> InvalidRequestError:
    return InvalidRequestError(f"{param}: {message}", param=param)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- response translation --------------------------------------------------------------------


def completion_to_message(
    document: dict[str, Any], requested_model: str, *, usage: Usage | None = None
) -> dict[str, Any]:
    """An OpenAI chat.completion -> an Anthropic Message (its first choice).

    ``usage`` overrides the document's: pass the adapter's ``ChatResponse.usage`` to keep the
    prompt-cache writes Anthropic reported, or the gateway's own count when there was none.
    """
    choices = document.get("choices") or []
    choice = next((c for c in choices if c.get("index", 0) == 0), None) or {}
    message = choice.get("message") or {}
    content: list[Block] = []
    text = _message_text(message)
    if text:
        content.append({"type": "text", "text": text})
    tool_calls = message.get("tool_calls") or []
    for call in tool_calls:
        function = call.get("function") or {}
        content.append(
            {
                "type": "tool_use",
                "id": call.get("id") or new_id("toolu_"),
                "name": function.get("name") or "",
                "input": _parse_arguments(function.get("arguments")),
            }
        )
    if usage is None:
        usage = usage_from_openai(document.get("usage"))
    return {
        "id": message_id(document.get("id")),
        "type": "message",
        "role": "assistant",
        "model": requested_model,
        "content": content,
        "stop_reason": stop_reason(choice.get("finish_reason"), bool(tool_calls)),
        "stop_sequence": None,
        "usage": usage_block(usage),
    }


def message_id(completion_id: Any) -> str:
    """``chatcmpl-abc`` -> ``msg_abc``; an id that already is a message id is kept."""
    if not isinstance(completion_id, str) or not completion_id:
        return new_id("msg_")
    if completion_id.startswith("msg_"):
        return completion_id
    return "msg_" + completion_id.removeprefix("chatcmpl-")


def stop_reason(finish_reason: Any, has_tool_calls: bool) -> str:
    if has_tool_calls and finish_reason in (None, "stop"):
        return "tool_use"  # some OpenAI-compatible servers say "stop" beside tool calls
    return STOP_REASONS.get(finish_reason, "end_turn")


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:24]}"


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(p.get("text") or p.get("refusal") or "" for p in content)
    texts = [content if isinstance(content, str) else ""]
    refusal = message.get("refusal")
    if isinstance(refusal, str):
        texts.append(refusal)
    return "".join(texts)


def _parse_arguments(arguments: Any) -> dict[str, Any]:
    # Anthropic's input is an object; arguments cut short (finish_reason "length") parse to {}.
    try:
        parsed = orjson.loads(arguments or "{}")
    except orjson.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


# --- stream translation ----------------------------------------------------------------------


class ChunksToAnthropicEvents(ChunksToEvents):
    """OpenAI ``chat.completion.chunk`` SSE bytes -> Anthropic stream events, as they come (the
    skeleton, parallel calls included, is ``fronts.chunk_events.ChunksToEvents``).

    ``message_start`` on the first chunk; per content block ``content_block_start``,
    ``content_block_delta`` (``text_delta`` or ``input_json_delta``) and
    ``content_block_stop`` (the last block stops when the finish reason comes); on ``[DONE]``,
    ``message_delta`` (stop reason and usage, which an OpenAI stream reports only at its end)
    and ``message_stop``. An in-band OpenAI error event becomes an Anthropic ``error`` event
    and ends the translation. A stream that never sent ``[DONE]`` was cut and gets no
    ``message_stop`` (``finished`` stays false).

    ``input_tokens`` is what ``message_start`` reports before the real count arrives (an
    estimate, or 0). ``final_usage``, when given, is asked for the usage at the end instead of
    reading the usage chunk: pass ``lambda: translator.usage`` of the provider's own stream
    translator to keep Anthropic's prompt-cache write count.
    """

    bad_event = {"type": "api_error", "message": "the upstream sent a bad event"}
    closes_on_finish_reason = True

    def __init__(
        self,
        requested_model: str,
        *,
        input_tokens: int = 0,
        final_usage: Callable[[], Usage | None] | None = None,
    ) -> None:
        super().__init__(final_usage=final_usage)
        self._model = requested_model
        self._input_tokens = input_tokens
        self._message_id = ""
        self._block_index = -1

    def _begin(self, chunk: Mapping[str, Any]) -> bytes:
        self._message_id = message_id(chunk.get("id"))
        message = {
            "id": self._message_id,
            "type": "message",
            "role": "assistant",
            "model": self._model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {
                "input_tokens": self._input_tokens,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
                "output_tokens": 0,
            },
        }
        return sse_event("message_start", {"type": "message_start", "message": message})

    def _open_text(self) -> bytes:
        return self._open_block({"type": "text", "text": ""})

    def _text(self, text: str) -> bytes:
        return self._delta({"type": "text_delta", "text": text})

    def _open_call(self, index: int, call_id: str | None, name: str) -> bytes:
        block = {
            "type": "tool_use",
            "id": call_id or f"toolu_{self._message_id[4:]}_{index}",
            "name": name,
            "input": {},
        }
        return self._open_block(block)

    def _arguments(self, arguments: str) -> bytes:
        return self._delta({"type": "input_json_delta", "partial_json": arguments})

    def _open_block(self, block: Block) -> bytes:
        self._block_index += 1
        payload = {
            "type": "content_block_start",
            "index": self._block_index,
            "content_block": block,
        }
        return sse_event("content_block_start", payload)

    def _delta(self, delta: Block) -> bytes:
        payload = {"type": "content_block_delta", "index": self._block_index, "delta": delta}
        return sse_event("content_block_delta", payload)

    def _close(self) -> bytes:
        payload = {"type": "content_block_stop", "index": self._block_index}
        return sse_event("content_block_stop", payload)

    def _end(self) -> bytes:
        reason = stop_reason(self._finish_reason, bool(self._calls))
        usage = usage_block(self.usage) if self.usage else {"output_tokens": 0}
        delta = {"stop_reason": reason, "stop_sequence": None}
        out = sse_event("message_delta", {"type": "message_delta", "delta": delta, "usage": usage})
        return out + sse_event("message_stop", {"type": "message_stop"})

    def _failed(self, error: Mapping[str, Any]) -> bytes:
        body = {
            "type": "error",
            "error": {
                "type": _error_type_of_openai(error),
                "message": str(error.get("message") or "upstream error"),
            },
        }
        return sse_event("error", body)


def sse_event(name: str, payload: Mapping[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"


# --- usage -----------------------------------------------------------------------------------


def usage_block(usage: Usage | None) -> dict[str, int]:
    """The gateway's usage (prompt counts include cached tokens) -> Anthropic's, which counts
    uncached input, cache reads and cache writes apart."""
    if usage is None:
        usage = Usage(input_tokens=0, output_tokens=0)
    uncached = usage.input_tokens - usage.cached_input_tokens - usage.cache_write_input_tokens
    return {
        "input_tokens": max(uncached, 0),
        "cache_creation_input_tokens": usage.cache_write_input_tokens,
        "cache_read_input_tokens": usage.cached_input_tokens,
        "output_tokens": usage.output_tokens,
    }


# --- errors ----------------------------------------------------------------------------------


def anthropic_error_body(status: int, error: GatewayError) -> dict[str, Any]:
    """A gateway error as the Anthropic API writes one: ``{"type": "error", "error": {...}}``."""
    error_type = ERROR_TYPES_BY_STATUS.get(status) or (
        "invalid_request_error" if 400 <= status < 500 else "api_error"  # 405, 408, 415...
    )
    return {"type": "error", "error": {"type": error_type, "message": error.message}}


def _error_type_of_openai(error: Mapping[str, Any]) -> str:
    code, openai_type = str(error.get("code")), str(error.get("type"))
    return ERROR_TYPES_BY_CODE.get(code) or ERROR_TYPES_BY_OPENAI_TYPE.get(openai_type, "api_error")
