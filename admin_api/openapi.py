"""The OpenAPI 3.1 document of the admin API, built from the same ``Endpoint`` declarations
(and pydantic models) that route and validate requests, so it says what the server does. The
proxy's own routes (``gateway.openapi``: the front doors, health, metrics, ``/ws``) are
described in the same document.

Request models are described as pydantic validates them and reply models as they are
serialised; every operation also documents the gateway's error shape as its ``default`` reply.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from admin_api.endpoint import Endpoint
from admin_api.sessions import SESSION_COOKIE
from gateway.openapi import PROXY_SCHEMAS, PROXY_SECURITY_SCHEMES, proxy_paths

REF = "#/components/schemas/{model}"
ERROR_REF = {"$ref": REF.format(model="Error")}
_PATH_PARAM = re.compile(r"\{(\w+)\}")

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type", "param", "code"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "code": {"type": ["string", "null"]},
            },
        }
    },
}


def build_openapi(endpoints: list[Endpoint], *, version: str = "0.1.0") -> dict[str, Any]:
    models: list[tuple[type[BaseModel], Any]] = []
    for endpoint in endpoints:
        if endpoint.body is not None:
            models.append((endpoint.body, "validation"))
        if endpoint.response is not None:
            models.append((endpoint.response, "serialization"))
    refs, definitions = models_json_schema(
        list(dict.fromkeys(models)), by_alias=True, ref_template=REF
    )
    schemas: dict[str, Any] = dict(definitions.get("$defs", {}))
    schemas["Error"] = ERROR_SCHEMA
    schemas.update(PROXY_SCHEMAS)

    paths: dict[str, dict[str, Any]] = proxy_paths()
    for endpoint in endpoints:
        operation: dict[str, Any] = {
            "operationId": endpoint.operation_id,
            "summary": endpoint.summary,
            "tags": [endpoint.tag],
            "parameters": _path_parameters(endpoint.path) + _query_parameters(endpoint.query),
            "responses": {
                str(endpoint.status): _success(endpoint, refs),
                "default": {
                    "description": "an error, in the gateway's error shape",
                    "content": {"application/json": {"schema": ERROR_REF}},
                },
            },
        }
        if endpoint.description:
            operation["description"] = endpoint.description
        if endpoint.permission is not None:
            operation["x-permission"] = endpoint.permission.value
        if endpoint.public:
            operation["security"] = []
        elif endpoint.signed_body is not None:
            operation["security"] = [{"bearer": []}, {"session": []}, {"signature": []}]
        if endpoint.body is not None:
            operation["requestBody"] = {
                "required": endpoint.body_required,
                "content": {"application/json": {"schema": refs[(endpoint.body, "validation")]}},
            }
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = operation

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "GovernsAI gateway: proxy and admin API",
            "version": version,
            "description": (
                "The proxy's front doors (OpenAI's and Anthropic's APIs), health and metrics; "
                "and the admin API: keys, policies, decisions, ingest, budgets, usage, audit, "
                "orgs and accounts. "
                "Authenticate with an API key or a session token as a bearer token, or with "
                "the session cookie. Errors: {error: {message, type, param, code}}."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "an API key (gai_...) or a session token (gas_...)",
                },
                "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
                **PROXY_SECURITY_SCHEMES,
                "signature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Governs-Signature",
                    "description": "sha256=<hex HMAC-SHA256 of the raw body with the signing "
                    "secret of the org the body names> (ingest only)",
                },
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }


def _success(endpoint: Endpoint, refs: dict[Any, Any]) -> dict[str, Any]:
    content: dict[str, Any] = {}
    for content_type in endpoint.content_types:
        if content_type == "application/json" and endpoint.response is not None:
            content[content_type] = {"schema": refs[(endpoint.response, "serialization")]}
        else:
            content[content_type] = {"schema": {"type": "string"}}
    return {"description": endpoint.summary, "content": content}


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "minLength": 1, "maxLength": 100},
        }
        for name in _PATH_PARAM.findall(path)
    ]


def _query_parameters(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema(by_alias=True, ref_template=REF)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field_schema in schema.get("properties", {}).items():
        field_schema = dict(field_schema)
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        description = field_schema.pop("description", None)
        field_schema.pop("title", None)
        if description:
            parameter["description"] = description
        parameter["schema"] = field_schema
        parameters.append(parameter)
    return parameters
