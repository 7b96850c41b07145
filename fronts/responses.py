"""OpenAI's Responses API (``POST /v1/responses``) served in front of the chat pipeline.

``responses_to_chat`` turns a Responses request into the OpenAI chat.completions body every
provider adapter already serves; ``completion_to_response`` and ``ChunksToResponseEvents`` turn
the chat answer back into a Response object or the Responses event stream. So one request
path serves every provider kind, with the same PII precheck, output policy and restore.
(A model whose every deployment speaks the Responses API itself is sent the request as it
came instead: ``fronts.responses_native``; it is parsed and validated here all the same.)

Stored state is refused, not faked: ``previous_response_id``, ``store: true``,
``conversation`` and ``prompt`` need responses kept server-side, which this gateway does not
do (a 400 says so). Built-in tools (web search, file search, computer use...) run inside
OpenAI and are refused too; function tools work with every provider. Fields in
``IGNORED_FIELDS`` are accepted and dropped.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from core.errors import InvalidRequestError
from fronts.base import StreamTransform
from fronts.chat_request import ChatRequest, chat_request_from_body, decode_json_object
from fronts.chunk_events import ChunksToEvents
from fronts.openai_chat import OpenAIChatFront
from providers.base import ChatResponse, Usage
from providers.openai import usage_from_openai

# --- constants -------------------------------------------------------------------------------

TRANSLATED_FIELDS = frozenset(
    "model input instructions tools tool_choice max_output_tokens temperature top_p text"
    " stream stream_options metadata user parallel_tool_calls store previous_response_id"
    " background".split()
)
# Accepted (the real API knows them) but with no chat equivalent this gateway forwards.
IGNORED_FIELDS = frozenset(
    "include truncation service_tier prompt_cache_key prompt_cache_retention safety_identifier"
    " reasoning top_logprobs max_tool_calls".split()
)
# Need state kept server-side between calls: refused with a 400 that says why.
STORED_STATE_FIELDS = ("previous_response_id", "conversation", "prompt")
MESSAGE_ROLES = frozenset({"user", "system", "developer", "assistant"})
TOOL_CHOICE_MODES = frozenset({"auto", "none", "required"})
# A failed Response's error.code is one of a fixed set; the ``error`` event before it keeps the
# gateway's own code.
RESPONSE_ERROR_CODES = {"rate_limit_exceeded": "rate_limit_exceeded"}
INCOMPLETE_REASONS = {"length": "max_output_tokens", "content_filter": "content_filter"}

# --- wire types ------------------------------------------------------------------------------

Item = dict[str, Any]  # a Responses input or output item
ChatMessage = dict[str, Any]

# --- request translation ---------------------------------------------------------------------


def responses_to_chat(body: dict[str, Any]) -> dict[str, Any]:
    """A Responses request -> the chat.completions body the pipeline serves.

    Raises ``InvalidRequestError`` with ``param`` naming the field as OpenAI does
    (``input[1].content[0].image_url``).
    """
    for name in body:
        if name in STORED_STATE_FIELDS and body[name] is not None:
            raise _stored_state(name)
        if name not in TRANSLATED_FIELDS and name not in IGNORED_FIELDS:
            raise InvalidRequestError(
                f"Unknown parameter: '{name}'.", code="unknown_parameter", param=name
            )
    if body.get("store") is True:
        raise _stored_state("store")
    if body.get("background") is True:
        raise InvalidRequestError(
            "background responses are not supported by this gateway: they are stored and "
            "polled, and this gateway stores no responses",
            code="unsupported_parameter",
            param="background",
        )
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise _invalid(
            "model", "Missing required parameter: 'model'.", "missing_required_parameter"
        )
    messages: list[ChatMessage] = []
    instructions = body.get("instructions")
    if instructions is not None:
        if not isinstance(instructions, str):
            raise _invalid("instructions", "Invalid type for 'instructions': expected a string.")
        if instructions:
            messages.append({"role": "system", "content": instructions})
    messages.extend(_input_messages(body.get("input")))
    if not messages:
        raise _invalid(
            "input", "Missing required parameter: 'input'.", "missing_required_parameter"
        )
    chat: dict[str, Any] = {"model": model, "messages": messages}
    max_output_tokens = body.get("max_output_tokens")
    if max_output_tokens is not None:
        if not _is_int(max_output_tokens) or max_output_tokens < 1:
            raise _invalid("max_output_tokens", "max_output_tokens must be an integer >= 1.")
        chat["max_completion_tokens"] = max_output_tokens
    for name in ("temperature", "top_p", "user", "metadata", "parallel_tool_calls"):
        if body.get(name) is not None:
            chat[name] = body[name]
    stream = body.get("stream")
    if stream is not None and not isinstance(stream, bool):
        raise _invalid("stream", "Invalid type for 'stream': expected a boolean.")
    if stream:
        chat["stream"] = True
        chat["stream_options"] = {"include_usage": True}
    tools = body.get("tools")
    if tools is not None:
        if not isinstance(tools, list):
            raise _invalid("tools", "Invalid type for 'tools': expected an array.")
        if tools:
            chat["tools"] = [_tool(tool, j) for j, tool in enumerate(tools)]
    if body.get("tool_choice") is not None:
        chat["tool_choice"] = _tool_choice(body["tool_choice"])
    response_format = _response_format(body.get("text"))
    if response_format is not None:
        chat["response_format"] = response_format
    return chat


def _input_messages(value: Any) -> list[ChatMessage]:
    if value is None:
        return []
    if isinstance(value, str):
        return [{"role": "user", "content": value}] if value else []
    if not isinstance(value, list):
        raise _invalid("input", "Invalid type for 'input': expected a string or an array.")
    messages: list[ChatMessage] = []
    for i, item in enumerate(value):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            raise _invalid(where, f"Invalid type for '{where}': expected an object.")
        kind = item.get("type", "message")
        if kind == "message":
            messages.append(_message(item, where))
        elif kind == "function_call":
            _append_tool_call(messages, _function_call(item, where))
        elif kind == "function_call_output":
            messages.append(_function_call_output(item, where))
        elif kind == "reasoning":
            continue  # reasoning the model did earlier: no chat equivalent, dropped
        elif kind == "item_reference":
            raise _stored_state(f"{where}.id")
        else:
            raise _invalid(
                f"{where}.type",
                f"input items of type '{kind}' are not supported by this gateway",
                "unsupported_value",
            )
    return messages


def _message(item: Item, where: str) -> ChatMessage:
    role = item.get("role")
    if role not in MESSAGE_ROLES:
        raise _invalid(
            f"{where}.role",
            f"Invalid value for '{where}.role': expected one of 'user', 'system', "
            "'developer' or 'assistant'.",
            "invalid_value",
        )
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list):
        raise _invalid(
            f"{where}.content", f"Invalid type for '{where}.content': expected a string or array."
        )
    parts = [_content_part(part, f"{where}.content[{j}]") for j, part in enumerate(content)]
    if role == "assistant":
        # Assistant history is text (output_text or refusal); chat wants it as a string.
        return {"role": role, "content": "".join(p.get("text", "") for p in parts)}
    return {"role": role, "content": parts}


def _content_part(part: Any, where: str) -> dict[str, Any]:
    if not isinstance(part, dict):
        raise _invalid(where, f"Invalid type for '{where}': expected an object.")
    kind = part.get("type")
    if kind in ("input_text", "output_text"):
        return {"type": "text", "text": _string(part, "text", where)}
    if kind == "refusal":
        return {"type": "text", "text": _string(part, "refusal", where)}
    if kind == "input_image":
        url = part.get("image_url")
        if not isinstance(url, str) or not url:
            raise _no_files(f"{where}.image_url", "images by file_id")
        image: dict[str, Any] = {"url": url}
        if part.get("detail") in ("low", "high", "auto"):
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    if kind == "input_file":
        file_data = part.get("file_data")
        if not isinstance(file_data, str) or not file_data:
            raise _no_files(f"{where}.file_data", "files by file_id or file_url")
        return {
            "type": "file",
            "file": {"file_data": file_data, "filename": part.get("filename") or "file.pdf"},
        }
    raise _invalid(
        f"{where}.type",
        f"content parts of type '{kind}' are not supported by this gateway",
        "unsupported_value",
    )


def _function_call(item: Item, where: str) -> dict[str, Any]:
    return {
        "id": _string(item, "call_id", where),
        "type": "function",
        "function": {
            "name": _string(item, "name", where),
            "arguments": _string(item, "arguments", where),
        },
    }


def _append_tool_call(messages: list[ChatMessage], call: dict[str, Any]) -> None:
    """Calls made in one turn become one assistant message, as chat.completions has them."""
    last = messages[-1] if messages else None
    if last is not None and last["role"] == "assistant":
        last.setdefault("tool_calls", []).append(call)
        if not last.get("content"):
            last["content"] = None
        return
    messages.append({"role": "assistant", "content": None, "tool_calls": [call]})


def _function_call_output(item: Item, where: str) -> ChatMessage:
    output = item.get("output")
    if isinstance(output, list):
        content: Any = [
            _content_part(part, f"{where}.output[{j}]") for j, part in enumerate(output)
        ]
    elif isinstance(output, str):
        content = output
    else:
        raise _invalid(
            f"{where}.output", f"Invalid type for '{where}.output': expected a string or array."
        )
    return {"role": "tool", "tool_call_id": _string(item, "call_id", where), "content": content}


def _tool(tool: Any, j: int) -> dict[str, Any]:
    where = f"tools[{j}]"
    if not isinstance(tool, dict):
        raise _invalid(where, f"Invalid type for '{where}': expected an object.")
    if tool.get("type") != "function":
        raise _invalid(
            f"{where}.type",
            f"tools of type '{tool.get('type')}' run inside OpenAI and are not supported by "
            "this gateway; declare a function tool",
            "unsupported_value",
        )
    function: dict[str, Any] = {"name": _string(tool, "name", where)}
    if tool.get("description"):
        function["description"] = tool["description"]
    function["parameters"] = tool.get("parameters") or {"type": "object", "properties": {}}
    if tool.get("strict") is not None:
        function["strict"] = tool["strict"]
    return {"type": "function", "function": function}


def _tool_choice(choice: Any) -> Any:
    if isinstance(choice, str) and choice in TOOL_CHOICE_MODES:
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function":
        return {"type": "function", "function": {"name": _string(choice, "name", "tool_choice")}}
    raise _invalid(
        "tool_choice",
        "tool_choice must be 'auto', 'none', 'required' or {'type': 'function', 'name': ...}",
        "unsupported_value",
    )


def _response_format(text: Any) -> dict[str, Any] | None:
    if text is None:
        return None
    if not isinstance(text, dict):
        raise _invalid("text", "Invalid type for 'text': expected an object.")
    fmt = text.get("format")
    if fmt is None:
        return None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    if kind == "json_schema":
        schema = fmt.get("schema")
        if not isinstance(schema, dict):
            raise _invalid(
                "text.format.schema",
                "Missing required parameter: 'text.format.schema'.",
                "missing_required_parameter",
            )
        json_schema: dict[str, Any] = {"name": _string(fmt, "name", "text.format")}
        json_schema["schema"] = schema
        for name in ("strict", "description"):
            if fmt.get(name) is not None:
                json_schema[name] = fmt[name]
        return {"type": "json_schema", "json_schema": json_schema}
    raise _invalid(
        "text.format.type",
        "text.format.type must be 'text', 'json_object' or 'json_schema'",
        "invalid_value",
    )


def _string(item: Mapping[str, Any], name: str, where: str) -> str:
    value = item.get(name)
    if not isinstance(value, str):
        param = f"{where}.{name}"
        raise _invalid(
            param, f"Missing required parameter: '{param}'.", "missing_required_parameter"
        )
    return value


def _stored_state(param: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"'{param}' needs responses stored by the server; this gateway stores no responses "
        "(send the whole conversation in 'input' instead)",
        code="stored_responses_unsupported",
        param=param,
    )


def _no_files(param: str, what: str) -> InvalidRequestError:
    return InvalidRequestError(
        f"{what} need OpenAI's file storage, which this gateway does not proxy; send the "
        "content inline (a data: URL or base64 file_data)",
        code="unsupported_value",
        param=param,
    )


def _invalid(param: str, message: str, code: str = "invalid_type") -> InvalidRequestError:
    return InvalidRequestError(message, code=code, param=param)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- response translation --------------------------------------------------------------------


def request_echo(chat: Mapping[str, Any]) -> dict[str, Any]:
    """The request settings a Response object repeats, read back from the chat body."""
    tool_choice = chat.get("tool_choice", "auto")
    if isinstance(tool_choice, dict):
        tool_choice = {"type": "function", "name": tool_choice["function"]["name"]}
    tools = []
    for tool in chat.get("tools") or ():
        function = tool["function"]
        tools.append(
            {
                "type": "function",
                "name": function["name"],
                "description": function.get("description"),
                "parameters": function.get("parameters"),
                "strict": function.get("strict"),
            }
        )
    response_format = chat.get("response_format") or {"type": "text"}
    if response_format.get("type") == "json_schema":
        text_format = {"type": "json_schema", **response_format["json_schema"]}
    else:
        text_format = {"type": response_format["type"]}
    return {
        "instructions": None,
        "max_output_tokens": chat.get("max_completion_tokens"),
        "metadata": chat.get("metadata") or {},
        "parallel_tool_calls": chat.get("parallel_tool_calls", True),
        "previous_response_id": None,
        "store": False,
        "temperature": chat.get("temperature"),
        "text": {"format": text_format},
        "tool_choice": tool_choice,
        "tools": tools,
        "top_p": chat.get("top_p"),
        "user": chat.get("user"),
    }


def completion_to_response(
    document: Mapping[str, Any],
    requested_model: str,
    echo: Mapping[str, Any],
    *,
    usage: Usage | None = None,
) -> dict[str, Any]:
    """An OpenAI chat.completion (its first choice) -> a Response object.

    ``usage`` overrides the document's (the adapter's own reading, or the gateway's count).
    """
    choices = document.get("choices") or []
    choice = next((c for c in choices if c.get("index", 0) == 0), None) or {}
    message = choice.get("message") or {}
    output: list[Item] = []
    text = _message_text(message)
    if text or not message.get("tool_calls"):
        output.append(_message_item(new_id("msg_"), text, "completed"))
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        output.append(
            _function_call_item(
                new_id("fc_"),
                call.get("id") or new_id("call_"),
                function.get("name") or "",
                function.get("arguments") or "",
                "completed",
            )
        )
    if usage is None:
        usage = usage_from_openai(document.get("usage"))
    return _response(
        response_id(document.get("id")),
        requested_model,
        echo,
        output=output,
        finish_reason=choice.get("finish_reason"),
        usage=usage,
        created_at=document.get("created") or int(time.time()),
    )


def _response(
    rid: str,
    model: str,
    echo: Mapping[str, Any],
    *,
    output: list[Item],
    finish_reason: Any,
    usage: Usage | None,
    created_at: Any,
    status: str | None = None,
) -> dict[str, Any]:
    incomplete = INCOMPLETE_REASONS.get(finish_reason) if isinstance(finish_reason, str) else None
    if status is None:
        status = "incomplete" if incomplete else "completed"
    return {
        "id": rid,
        "object": "response",
        "created_at": created_at,
        "status": status,
        "error": None,
        "incomplete_details": {"reason": incomplete} if incomplete else None,
        "model": model,
        "output": output,
        **echo,
        "usage": response_usage(usage) if usage is not None else None,
    }


def _message_item(item_id: str, text: str, status: str) -> Item:
    return {
        "id": item_id,
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": [_text_part(text)] if status == "completed" else [],
    }


def _text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def _function_call_item(item_id: str, call_id: str, name: str, arguments: str, status: str) -> Item:
    return {
        "id": item_id,
        "type": "function_call",
        "status": status,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def response_id(completion_id: Any) -> str:
    """``chatcmpl-abc`` -> ``resp_abc``: one id a client can quote in a support request."""
    if not isinstance(completion_id, str) or not completion_id:
        return new_id("resp_")
    return "resp_" + completion_id.removeprefix("chatcmpl-")


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:24]}"


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, list):
        content = "".join(p.get("text") or "" for p in content if isinstance(p, dict))
    text = content if isinstance(content, str) else ""
    refusal = message.get("refusal")
    return text + refusal if isinstance(refusal, str) else text


# --- stream translation ----------------------------------------------------------------------


class ChunksToResponseEvents(ChunksToEvents):
    """OpenAI ``chat.completion.chunk`` SSE bytes -> the Responses event stream, as they come
    (the skeleton, parallel calls included, is ``fronts.chunk_events.ChunksToEvents``).

    Each event is ``event: <type>`` with a ``sequence_number``: ``response.created`` and
    ``response.in_progress`` on the first chunk; per output item ``response.output_item.added``,
    then for text ``response.content_part.added``, ``response.output_text.delta`` ...
    ``response.output_text.done``, ``response.content_part.done``, and for a function call
    ``response.function_call_arguments.delta`` ... ``.done``; then ``response.output_item.done``.
    On ``[DONE]``, ``response.completed`` (or ``response.incomplete``) with the whole response
    and its usage. An in-band error event becomes ``error`` then ``response.failed``; a
    stream that never sent ``[DONE]`` gets neither (``finished`` stays false).

    ``final_usage``, when given, is asked for the usage at the end (the provider translator's
    reading, which keeps Anthropic's cache writes) instead of the usage chunk.
    """

    bad_event = {"code": "server_error", "message": "the upstream sent a bad event"}

    def __init__(
        self,
        requested_model: str,
        echo: Mapping[str, Any],
        *,
        final_usage: Callable[[], Usage | None] | None = None,
    ) -> None:
        super().__init__(final_usage=final_usage)
        self._model = requested_model
        self._echo = echo
        self._sequence = 0
        self._id = ""
        self._created_at = 0
        self._output: list[Item] = []  # items done so far, in output order
        self._item: Item | None = None  # the item being streamed
        self._pieces: list[str] = []  # the open message's text, or call's arguments

    def _begin(self, chunk: Mapping[str, Any]) -> bytes:
        self._id = response_id(chunk.get("id"))
        self._created_at = chunk.get("created") or int(time.time())
        response = self._snapshot("in_progress")
        return self._event("response.created", response=response) + self._event(
            "response.in_progress", response=response
        )

    def _open_text(self) -> bytes:
        out = self._open_item(_message_item(new_id("msg_"), "", "in_progress"))
        return out + self._event(
            "response.content_part.added",
            item_id=self._item_id(),
            output_index=len(self._output),
            content_index=0,
            part=_text_part(""),
        )

    def _text(self, text: str) -> bytes:
        self._pieces.append(text)
        return self._event(
            "response.output_text.delta",
            item_id=self._item_id(),
            output_index=len(self._output),
            content_index=0,
            delta=text,
            logprobs=[],
        )

    def _open_call(self, index: int, call_id: str | None, name: str) -> bytes:
        item = _function_call_item(
            new_id("fc_"), call_id or new_id("call_"), name, "", "in_progress"
        )
        return self._open_item(item)

    def _arguments(self, arguments: str) -> bytes:
        self._pieces.append(arguments)
        return self._event(
            "response.function_call_arguments.delta",
            item_id=self._item_id(),
            output_index=len(self._output),
            delta=arguments,
        )

    def _open_item(self, item: Item) -> bytes:
        self._item = item
        self._pieces = []
        return self._event(
            "response.output_item.added", output_index=len(self._output), item=dict(item)
        )

    def _item_id(self) -> str:
        assert self._item is not None
        return str(self._item["id"])

    def _close(self) -> bytes:
        item = self._item
        if item is None:
            return b""
        self._item = None
        text = "".join(self._pieces)
        index = len(self._output)
        out = bytearray()
        if item["type"] == "message":
            part = _text_part(text)
            where = {"item_id": item["id"], "output_index": index, "content_index": 0}
            out += self._event("response.output_text.done", **where, text=text, logprobs=[])
            out += self._event("response.content_part.done", **where, part=part)
            done = {**item, "status": "completed", "content": [part]}
        else:
            out += self._event(
                "response.function_call_arguments.done",
                item_id=item["id"],
                output_index=index,
                arguments=text,
            )
            done = {**item, "status": "completed", "arguments": text}
        self._output.append(done)
        out += self._event("response.output_item.done", output_index=index, item=done)
        return bytes(out)

    def _end(self) -> bytes:
        response = _response(
            self._id,
            self._model,
            self._echo,
            output=self._output,
            finish_reason=self._finish_reason,
            usage=self.usage,
            created_at=self._created_at,
        )
        kind = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
        return self._event(kind, response=response)

    def _failed(self, error: Mapping[str, Any]) -> bytes:
        out = bytearray(self._start({}))
        code = error.get("code") or error.get("type") or "server_error"
        message = str(error.get("message") or "upstream error")
        out += self._event("error", code=code, message=message, param=error.get("param"))
        response = {
            **self._snapshot("failed"),
            "output": self._output,
            "error": {
                "code": RESPONSE_ERROR_CODES.get(str(code), "server_error"),
                "message": message,
            },
        }
        out += self._event("response.failed", response=response)
        return bytes(out)

    def _snapshot(self, status: str) -> dict[str, Any]:
        return _response(
            self._id,
            self._model,
            self._echo,
            output=[],
            finish_reason=None,
            usage=None,
            created_at=self._created_at,
            status=status,
        )

    def _event(self, kind: str, **fields: Any) -> bytes:
        payload = {"type": kind, "sequence_number": self._sequence, **fields}
        self._sequence += 1
        return b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(payload) + b"\n\n"


# --- usage -----------------------------------------------------------------------------------


def response_usage(usage: Usage) -> dict[str, Any]:
    """The gateway's usage -> the Responses API's (prompt counts include cached tokens)."""
    return {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {
            "cached_tokens": usage.cached_input_tokens,
            "cache_write_tokens": usage.cache_write_input_tokens,
        },
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": usage.input_tokens + usage.output_tokens,
    }


# --- the front -------------------------------------------------------------------------------


class ResponsesFront(OpenAIChatFront):
    """``POST /v1/responses``: OpenAI's key and error shape, the Responses request and answer."""

    name = "responses"

    def parse(self, raw: bytes) -> tuple[ChatRequest, dict[str, Any]]:
        body = decode_json_object(raw)
        return chat_request_from_body(responses_to_chat(body)), body

    def wants_usage_chunk(self, chat: ChatRequest) -> bool:
        return True  # response.completed carries the usage

    def render(self, completion: ChatResponse, chat: ChatRequest, *, changed: bool) -> bytes:
        return orjson.dumps(
            completion_to_response(
                completion.document, chat.model, request_echo(chat.body), usage=completion.usage
            )
        )

    def stream(
        self, chat: ChatRequest, usage: Callable[[], Usage | None]
    ) -> StreamTransform | None:
        return ChunksToResponseEvents(chat.model, request_echo(chat.body), final_usage=usage)


RESPONSES = ResponsesFront()
