"""The OpenAPI description of the proxy's own routes: the front doors, health and metrics.

Served inside the admin API's document (``/api/openapi.json``, ``admin_api.openapi``), which
merges ``proxy_paths()`` and ``PROXY_SCHEMAS`` into its own. One ``ProxyOperation`` per route
in ``PROXY_OPERATIONS``: a new front door adds its entry (and any schema it names) here, in
this one place. The request and answer schemas name the fields the gateway reads or writes and
leave every other field open, as the gateway passes them on; errors are in the client's own
shape (OpenAI's or Anthropic's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_OPEN = {"additionalProperties": True}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


@dataclass(frozen=True, slots=True)
class ProxyOperation:
    method: str
    path: str
    operation_id: str
    summary: str
    tag: str
    answers: dict[str, tuple[str, dict[str, Any]]]  # status -> (content type, schema)
    request: dict[str, Any] | None = None  # a JSON body's schema
    error: str = "Error"  # the schema of every other answer
    security: tuple[str, ...] = ("bearer",)  # () for a public route
    description: str = ""
    parameters: list[dict[str, Any]] = field(default_factory=list)


_CHAT_DESCRIPTION = (
    "OpenAI's chat.completions, served from any configured provider. With `stream: true` the "
    "answer is OpenAI's chunk stream (`text/event-stream`), ending in `data: [DONE]`."
)
_MESSAGES_DESCRIPTION = (
    "Anthropic's Messages API for apps on the `anthropic` SDK, served from any provider. "
    "The key goes in `x-api-key` (or as a bearer token). With `stream: true` the answer is "
    "Anthropic's event stream."
)

PROXY_OPERATIONS: list[ProxyOperation] = [
    ProxyOperation(
        "POST",
        "/v1/chat/completions",
        "createChatCompletion",
        "A chat completion (OpenAI's API)",
        "proxy",
        {
            "200": ("application/json", ref("ChatCompletion")),
            "200 stream": ("text/event-stream", {"type": "string"}),
        },
        request=ref("ChatCompletionRequest"),
        description=_CHAT_DESCRIPTION,
    ),
    ProxyOperation(
        "POST",
        "/v1/messages",
        "createMessage",
        "A message (Anthropic's API)",
        "proxy",
        {
            "200": ("application/json", ref("AnthropicMessage")),
            "200 stream": ("text/event-stream", {"type": "string"}),
        },
        request=ref("AnthropicMessageRequest"),
        error="AnthropicError",
        security=("anthropicKey", "bearer"),
        description=_MESSAGES_DESCRIPTION,
    ),
    ProxyOperation(
        "POST",
        "/v1/embeddings",
        "createEmbeddings",
        "Embeddings (OpenAI's API), from providers that have them",
        "proxy",
        {"200": ("application/json", ref("EmbeddingsResponse"))},
        request=ref("EmbeddingsRequest"),
    ),
    ProxyOperation(
        "GET",
        "/v1/models",
        "listModels",
        "The models this key may use (OpenAI's API)",
        "proxy",
        {"200": ("application/json", ref("ModelList"))},
    ),
    ProxyOperation(
        "POST",
        "/v1/responses",
        "createResponse",
        "A response (OpenAI's Responses API), served from any provider",
        "proxy",
        {
            "200": ("application/json", ref("Response")),
            "200 stream": ("text/event-stream", {"type": "string"}),
        },
        request=ref("ResponseRequest"),
        description=(
            "Sent as it came to a provider that speaks the Responses API (kind `openai`, or "
            "`azure` with `responses_api: true`), translated to chat for any other. With "
            "`stream: true` the answer is the Responses event stream (`response.created` ... "
            "`response.completed`). Nothing is stored: `store: true` and "
            "`previous_response_id` are a 400, and `store: false` is sent upstream."
        ),
    ),
    ProxyOperation(
        "POST",
        "/v1/completions",
        "createCompletion",
        "A legacy text completion (OpenAI's API), served by chat models",
        "proxy",
        {
            "200": ("application/json", ref("TextCompletion")),
            "200 stream": ("text/event-stream", {"type": "string"}),
        },
        request=ref("CompletionRequest"),
    ),
    ProxyOperation(
        "GET",
        "/v1/models/{model}",
        "retrieveModel",
        "One model this key may use (OpenAI's API)",
        "proxy",
        {"200": ("application/json", ref("Model"))},
        parameters=[
            {
                "name": "model",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 200},
            }
        ],
    ),
    ProxyOperation(
        "POST",
        "/v1/messages/count_tokens",
        "countMessageTokens",
        "Input tokens of a message (Anthropic's API): the provider's count, else an estimate",
        "proxy",
        {"200": ("application/json", ref("TokenCount"))},
        request=ref("CountTokensRequest"),
        error="AnthropicError",
        security=("anthropicKey", "bearer"),
    ),
    ProxyOperation(
        "GET",
        "/healthz",
        "healthz",
        "Alive: the process answers",
        "health",
        {"200": ("application/json", ref("Alive"))},
        security=(),
    ),
    ProxyOperation(
        "GET",
        "/readyz",
        "readyz",
        "Ready: the database, Redis (when configured) and the record writer answer",
        "health",
        {
            "200": ("application/json", ref("Readiness")),
            "503": ("application/json", ref("Readiness")),
        },
        security=(),
    ),
    ProxyOperation(
        "GET",
        "/metrics",
        "metrics",
        "Prometheus metrics (when `metrics.enabled`)",
        "health",
        {"200": ("text/plain", {"type": "string"})},
        security=(),
        description="Prometheus' text exposition format; absent (404) when metrics are off.",
    ),
    ProxyOperation(
        "GET",
        "/ws",
        "liveFeed",
        "The live decision feed (WebSocket)",
        "live",
        {"101": ("application/json", {"type": "string"})},
        description=(
            "Upgrade to a WebSocket (`?key=` an API key, or a signed-in session). Messages are "
            "JSON: the server pushes `DECISION` messages of the caller's org as they happen."
        ),
    ),
]

_MESSAGE = {
    "type": "object",
    "required": ["role"],
    "properties": {
        "role": {"enum": ["system", "developer", "user", "assistant", "tool", "function"]},
        "content": {"type": ["string", "array", "null"]},
    },
    **_OPEN,
}
_OPENAI_USAGE = {
    "type": "object",
    "properties": {
        "prompt_tokens": {"type": "integer"},
        "completion_tokens": {"type": "integer"},
        "total_tokens": {"type": "integer"},
    },
    **_OPEN,
}

PROXY_SCHEMAS: dict[str, dict[str, Any]] = {
    "ChatCompletionRequest": {
        "type": "object",
        "required": ["model", "messages"],
        "properties": {
            "model": {"type": "string", "minLength": 1},
            "messages": {"type": "array", "minItems": 1, "items": _MESSAGE},
            "stream": {"type": ["boolean", "null"]},
            "stream_options": {
                "type": ["object", "null"],
                "properties": {"include_usage": {"type": "boolean"}},
            },
            "max_tokens": {"type": ["integer", "null"], "minimum": 1},
            "max_completion_tokens": {"type": ["integer", "null"], "minimum": 1},
            "n": {"type": ["integer", "null"], "minimum": 1, "maximum": 128},
            "temperature": {"type": ["number", "null"], "minimum": 0, "maximum": 2},
            "top_p": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
            "tools": {"type": ["array", "null"], "items": {"type": "object"}},
        },
        **_OPEN,
    },
    "ChatCompletion": {
        "type": "object",
        "required": ["id", "object", "choices"],
        "properties": {
            "id": {"type": "string"},
            "object": {"const": "chat.completion"},
            "model": {"type": "string"},
            "choices": {"type": "array", "items": {"type": "object"}},
            "usage": _OPENAI_USAGE,
        },
        **_OPEN,
    },
    "AnthropicMessageRequest": {
        "type": "object",
        "required": ["model", "messages", "max_tokens"],
        "properties": {
            "model": {"type": "string", "minLength": 1},
            "messages": {"type": "array", "minItems": 1, "items": {"type": "object"}},
            "max_tokens": {"type": "integer", "minimum": 1},
            "system": {"type": ["string", "array"]},
            "stream": {"type": "boolean"},
            "tools": {"type": "array", "items": {"type": "object"}},
        },
        **_OPEN,
    },
    "AnthropicMessage": {
        "type": "object",
        "required": ["id", "type", "role", "content"],
        "properties": {
            "id": {"type": "string"},
            "type": {"const": "message"},
            "role": {"const": "assistant"},
            "content": {"type": "array", "items": {"type": "object"}},
            "model": {"type": "string"},
            "stop_reason": {"type": ["string", "null"]},
            "usage": {
                "type": "object",
                "properties": {
                    "input_tokens": {"type": "integer"},
                    "output_tokens": {"type": "integer"},
                },
                **_OPEN,
            },
        },
        **_OPEN,
    },
    "AnthropicError": {
        "type": "object",
        "required": ["type", "error"],
        "properties": {
            "type": {"const": "error"},
            "error": {
                "type": "object",
                "required": ["type", "message"],
                "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "EmbeddingsRequest": {
        "type": "object",
        "required": ["model", "input"],
        "properties": {
            "model": {"type": "string", "minLength": 1},
            "input": {
                "description": "a string, strings, token ids or arrays of token ids",
                "type": ["string", "array"],
            },
        },
        **_OPEN,
    },
    "EmbeddingsResponse": {
        "type": "object",
        "required": ["object", "data"],
        "properties": {
            "object": {"const": "list"},
            "data": {"type": "array", "items": {"type": "object"}},
            "model": {"type": "string"},
            "usage": {"type": "object"},
        },
        **_OPEN,
    },
    "ModelList": {
        "type": "object",
        "required": ["object", "data"],
        "properties": {
            "object": {"const": "list"},
            "data": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "object"],
                    "properties": {"id": {"type": "string"}, "object": {"const": "model"}},
                    **_OPEN,
                },
            },
        },
    },
    "ResponseRequest": {
        "type": "object",
        "required": ["model", "input"],
        "properties": {
            "model": {"type": "string", "minLength": 1},
            "input": {
                "description": "a string, or items: messages (input_text, input_image with an "
                "image_url, input_file with file_data), function_call, function_call_output",
                "type": ["string", "array"],
            },
            "instructions": {"type": ["string", "null"]},
            "tools": {"type": ["array", "null"], "items": {"type": "object"}},
            "max_output_tokens": {"type": ["integer", "null"], "minimum": 1},
            "temperature": {"type": ["number", "null"], "minimum": 0, "maximum": 2},
            "text": {"type": ["object", "null"]},
            "stream": {"type": ["boolean", "null"]},
            "store": {"enum": [False, None], "description": "true is a 400: nothing is stored"},
            "previous_response_id": {"type": "null", "description": "a 400: nothing is stored"},
        },
        **_OPEN,
    },
    "Response": {
        "type": "object",
        "required": ["id", "object", "created_at", "status", "model", "output"],
        "properties": {
            "id": {"type": "string"},
            "object": {"const": "response"},
            "created_at": {"type": "number"},
            "status": {"enum": ["completed", "incomplete", "failed", "in_progress"]},
            "model": {"type": "string"},
            "output": {"type": "array", "items": {"type": "object"}},
            "usage": {
                "type": ["object", "null"],
                "properties": {
                    "input_tokens": {"type": "integer"},
                    "output_tokens": {"type": "integer"},
                    "total_tokens": {"type": "integer"},
                },
                **_OPEN,
            },
        },
        **_OPEN,
    },
    "CompletionRequest": {
        "type": "object",
        "required": ["model", "prompt"],
        "properties": {
            "model": {"type": "string", "minLength": 1},
            "prompt": {
                "description": "one prompt: a string, or a list of one string",
                "type": ["string", "array"],
            },
            "max_tokens": {"type": ["integer", "null"], "minimum": 1, "default": 16},
            "stream": {"type": ["boolean", "null"]},
        },
        **_OPEN,
    },
    "TextCompletion": {
        "type": "object",
        "required": ["id", "object", "created", "model", "choices"],
        "properties": {
            "id": {"type": "string"},
            "object": {"const": "text_completion"},
            "created": {"type": "integer"},
            "model": {"type": "string"},
            "choices": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["text", "index", "finish_reason"],
                    "properties": {
                        "text": {"type": "string"},
                        "index": {"type": "integer"},
                        "finish_reason": {"enum": ["stop", "length", "content_filter"]},
                    },
                    **_OPEN,
                },
            },
            "usage": _OPENAI_USAGE,
        },
        **_OPEN,
    },
    "Model": {
        "type": "object",
        "required": ["id", "object", "created", "owned_by"],
        "properties": {
            "id": {"type": "string"},
            "object": {"const": "model"},
            "created": {"type": "integer"},
            "owned_by": {"type": "string"},
        },
    },
    "CountTokensRequest": {
        "type": "object",
        "required": ["model", "messages"],
        "properties": {
            "model": {"type": "string", "minLength": 1},
            "messages": {"type": "array", "minItems": 1, "items": {"type": "object"}},
            "system": {"type": ["string", "array"]},
            "tools": {"type": "array", "items": {"type": "object"}},
        },
        **_OPEN,
    },
    "TokenCount": {
        "type": "object",
        "required": ["input_tokens", "estimated"],
        "properties": {
            "input_tokens": {"type": "integer", "minimum": 0},
            "estimated": {
                "type": "boolean",
                "description": "true: counted by the gateway's bundled tokenizer, not the provider",
            },
        },
    },
    "Alive": {
        "type": "object",
        "required": ["status"],
        "properties": {"status": {"const": "ok"}},
    },
    "Readiness": {
        "type": "object",
        "required": ["status", "database", "redis", "records", "providers"],
        "properties": {
            "status": {"enum": ["ready", "not ready"]},
            "database": {"type": "string"},
            "redis": {"type": "string"},
            "records": {"type": "string"},
            "providers": {"type": "integer"},
        },
        **_OPEN,
    },
}

PROXY_SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "anthropicKey": {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "an API key (gai_...), as the anthropic SDK sends it",
    },
}


def proxy_paths() -> dict[str, dict[str, Any]]:
    """The ``paths`` of ``PROXY_OPERATIONS``, in OpenAPI 3.1."""
    paths: dict[str, dict[str, Any]] = {}
    for op in PROXY_OPERATIONS:
        responses: dict[str, Any] = {}
        for status, (content_type, schema) in op.answers.items():
            code = status.split()[0]
            answer = responses.setdefault(code, {"description": op.summary, "content": {}})
            answer["content"][content_type] = {"schema": schema}
        responses["default"] = {
            "description": "an error, in the client's own API's error shape",
            "content": {"application/json": {"schema": ref(op.error)}},
        }
        operation: dict[str, Any] = {
            "operationId": op.operation_id,
            "summary": op.summary,
            "tags": [op.tag],
            "parameters": op.parameters,
            "responses": responses,
            "security": [{scheme: []} for scheme in op.security],
        }
        if op.description:
            operation["description"] = op.description
        if op.request is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": op.request}},
            }
        paths.setdefault(op.path, {})[op.method.lower()] = operation
    return paths
