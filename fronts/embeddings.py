"""``POST /v1/embeddings``: OpenAI's embeddings API, the shape inside, so only validated.

Token arrays cannot be scanned for PII: ``texts`` is None for them, and the route refuses
them for an org with an active policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.errors import InvalidRequestError
from fronts.chat_request import decode_json_object


@dataclass(frozen=True, slots=True)
class EmbeddingsRequest:
    body: dict[str, Any]
    model: str
    texts: list[str] | None  # None: token arrays


def parse_embeddings(raw: bytes) -> EmbeddingsRequest:
    body = decode_json_object(raw)
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequestError(
            "missing required parameter: 'model'", code="invalid_request_body", param="model"
        )
    return EmbeddingsRequest(body, model, _input_texts(body))


def _input_texts(body: dict[str, Any]) -> list[str] | None:
    """The input as texts, None for token arrays; a bad input is a 400 naming ``input``."""
    value = body.get("input")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return list(value)
    if (
        isinstance(value, list)
        and value
        and (
            all(isinstance(v, int) for v in value)
            or all(isinstance(v, list) and all(isinstance(t, int) for t in v) for v in value)
        )
    ):
        return None
    raise InvalidRequestError(
        "'input' must be a string, a list of strings, or token arrays",
        code="invalid_request_body",
        param="input",
    )
