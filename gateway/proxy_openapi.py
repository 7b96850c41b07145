"""The OpenAPI description of the proxy's front doors, merged into the admin document.

Hand-written, unlike the admin API's (built from its ``Endpoint`` declarations): these routes
take the providers' own wire formats, which the official SDKs define in full. The schemas
below say what the gateway checks and the fields a client can count on, and allow the rest;
each route's errors come in its own client's shape (OpenAI's, or Anthropic's for the
Anthropic routes).
"""

from __future__ import annotations

from typing import Any

REF = "#/components/schemas/{}"
PROXY_TAG = "proxy"

_ANY_OBJECT: dict[str, Any] = {"type": "object"}
_MODEL = {"type": "string", "minLength": 1, "description": "a model name configured here"}

SCHEMAS: dict[str, dict[str, Any]] = {
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
    "ResponseCreate": {
        "type": "object",
        "required": ["model", "input"],
        "properties": {
            "model": _MODEL,
            "input": {
                "description": "a string, or items: messages (input_text, input_image with an "
                "image_url, input_file with file_data), function_call and "
                "function_call_output",
                "oneOf": [{"type": "string"}, {"type": "array", "items": _ANY_OBJECT}],
            },
            "instructions": {"type": "string"},
            "tools": {
                "type": "array",
                "description": "function tools only",
                "items": {
                    "type": "object",
                    "required": ["type", "name"],
                    "properties": {
                        "type": {"const": "function"},
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "parameters": _ANY_OBJECT,
                        "strict": {"type": "boolean"},
                    },
                },
            },
            "tool_choice": {
                "oneOf": [{"enum": ["auto", "none", "required"]}, _ANY_OBJECT],
            },
            "max_output_tokens": {"type": "integer", "minimum": 1},
            "temperature": {"type": "number", "minimum": 0, "maximum": 2},
            "top_p": {"type": "number", "minimum": 0, "maximum": 1},
            "text": {
                "type": "object",
                "properties": {"format": _ANY_OBJECT},
                "description": "format: text, json_object or json_schema (name, schema, strict)",
            },
            "stream": {"type": "boolean"},
            "metadata": _ANY_OBJECT,
            "store": {"const": False, "description": "true is refused: nothing is stored"},
            "previous_response_id": {
                "type": "null",
                "description": "refused: this gateway stores no responses",
            },
        },
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
            "output": {"type": "array", "items": _ANY_OBJECT},
            "usage": {"oneOf": [{"$ref": REF.format("ResponseUsage")}, {"type": "null"}]},
        },
    },
    "ResponseUsage": {
        "type": "object",
        "required": ["input_tokens", "output_tokens", "total_tokens"],
        "properties": {
            "input_tokens": {"type": "integer"},
            "output_tokens": {"type": "integer"},
            "total_tokens": {"type": "integer"},
        },
    },
    "CompletionCreate": {
        "type": "object",
        "required": ["model", "prompt"],
        "properties": {
            "model": _MODEL,
            "prompt": {
                "description": "one prompt: a string or a list of one string",
                "oneOf": [
                    {"type": "string", "minLength": 1},
                    {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 1},
                ],
            },
            "max_tokens": {"type": "integer", "minimum": 1, "default": 16},
            "temperature": {"type": "number", "minimum": 0, "maximum": 2},
            "stream": {"type": "boolean"},
        },
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
                },
            },
        },
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
            "model": _MODEL,
            "messages": {"type": "array", "minItems": 1, "items": _ANY_OBJECT},
            "system": {"oneOf": [{"type": "string"}, {"type": "array", "items": _ANY_OBJECT}]},
            "tools": {"type": "array", "items": _ANY_OBJECT},
        },
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
}


def _operation(
    operation_id: str,
    summary: str,
    answer: str,
    *,
    body: str | None = None,
    error: str = "Error",
    stream: bool = False,
) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": {"$ref": REF.format(answer)}}}
    if stream:
        content["text/event-stream"] = {"schema": {"type": "string"}}
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [PROXY_TAG],
        "security": [{"bearer": []}],
        "parameters": [],
        "responses": {
            "200": {"description": summary, "content": content},
            "default": {
                "description": "an error, in the client API's own error shape",
                "content": {"application/json": {"schema": {"$ref": REF.format(error)}}},
            },
        },
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(body)}}},
        }
    return operation


def proxy_paths() -> dict[str, dict[str, Any]]:
    model_id = {
        "name": "model",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    }
    retrieve = _operation("retrieveModel", "One model a key may use", "Model")
    retrieve["parameters"] = [model_id]
    count = _operation(
        "countMessageTokens",
        "Anthropic's token count: the provider's own, else the bundled tokenizer's estimate",
        "TokenCount",
        body="CountTokensRequest",
        error="AnthropicError",
    )
    count["security"] = [{"bearer": []}, {"anthropicKey": []}]
    return {
        "/v1/responses": {
            "post": _operation(
                "createResponse",
                "OpenAI's Responses API, served by any provider",
                "Response",
                body="ResponseCreate",
                stream=True,
            )
        },
        "/v1/completions": {
            "post": _operation(
                "createCompletion",
                "OpenAI's legacy text completions, served by chat models",
                "TextCompletion",
                body="CompletionCreate",
                stream=True,
            )
        },
        "/v1/models/{model}": {"get": retrieve},
        "/v1/messages/count_tokens": {"post": count},
    }


def add_proxy_routes(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (the admin API's) with the proxy's front doors added."""
    document["paths"].update(proxy_paths())
    components = document["components"]
    components["schemas"].update(SCHEMAS)
    components["securitySchemes"]["anthropicKey"] = {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "an API key (gai_...), as the anthropic SDK sends it",
    }
    return document
