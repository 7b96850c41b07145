"""Validation of an incoming ``/v1/chat/completions`` body.

Only what the gateway relies on is checked; every other field is passed to the provider
untouched. Errors name the offending field in ``param`` as OpenAI does (``messages.0.role``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import InvalidRequestError
from core.row_guard import json_depth

MAX_BODY_DEPTH = 128

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


class _Message(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Role
    content: str | list[dict[str, Any]] | None = None


class _StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class _ChatBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    model: str = Field(min_length=1)
    messages: list[_Message] = Field(min_length=1)
    stream: bool | None = False
    stream_options: _StreamOptions | None = None
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    n: int | None = Field(None, ge=1, le=128)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    tools: list[dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class ChatRequest:
    body: dict[str, Any]
    model: str
    stream: bool
    include_usage: bool
    max_output_tokens: int | None


def decode_json_object(raw: bytes) -> dict[str, Any]:
    if not raw:
        raise InvalidRequestError(
            "the request body is empty; send a JSON object", code="invalid_json"
        )
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise InvalidRequestError(
            f"the request body is not valid JSON: {error}", code="invalid_json"
        ) from None
    if not isinstance(body, dict):
        raise InvalidRequestError("the request body must be a JSON object", code="invalid_json")
    check_depth(raw, body)
    return body


def check_depth(raw: bytes, body: Any) -> None:
    """400 for a body nested deeper than ``MAX_BODY_DEPTH``: orjson parses 1024 levels but
    encodes (the payload hash, the spool) only 254."""
    # N levels take N opening brackets: most bodies are cleared by a count, without a walk.
    if raw.count(b"{") + raw.count(b"[") > MAX_BODY_DEPTH:
        if json_depth(body, MAX_BODY_DEPTH) > MAX_BODY_DEPTH:
            raise InvalidRequestError(
                f"the request body nests deeper than {MAX_BODY_DEPTH} levels",
                code="invalid_json",
            )


def parse_chat_request(raw: bytes) -> ChatRequest:
    return chat_request_from_body(decode_json_object(raw))


def chat_request_from_body(body: dict[str, Any]) -> ChatRequest:
    try:
        parsed = _ChatBody.model_validate(body)
    except ValidationError as error:
        first = error.errors()[0]
        param = ".".join(str(part) for part in first["loc"]) or None
        message = first["msg"]
        if first["type"] == "missing":
            message = f"missing required parameter: '{param}'"
        elif param:
            message = f"invalid value for '{param}': {message}"
        raise InvalidRequestError(message, code="invalid_request_body", param=param) from None
    if not parsed.stream and parsed.stream_options is not None:
        raise InvalidRequestError(
            "stream_options is only allowed when stream is true",
            code="invalid_request_body",
            param="stream_options",
        )
    return ChatRequest(
        body=body,
        model=parsed.model,
        stream=bool(parsed.stream),
        include_usage=bool(parsed.stream_options and parsed.stream_options.include_usage),
        max_output_tokens=parsed.max_completion_tokens or parsed.max_tokens,
    )
