"""Embeddings (``POST /v1/embeddings``, OpenAI's format) for the providers that have them.

An ``EmbeddingsAdapter`` is the embeddings counterpart of ``providers.base.ProviderAdapter``:
pure translation, no I/O, built once from a ``ProviderConfig``. OpenAI and OpenAI-compatible
servers (and Azure) get the client's body with the model replaced and answer in OpenAI's format
already; Gemini gets a ``batchEmbedContents`` request and its answer is rewritten in OpenAI's
format. Anthropic has no embeddings API and the echo provider none either:
``embeddings_adapter_for`` gives None for them.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

import orjson

from core.errors import InvalidRequestError, UpstreamError, UpstreamUnavailableError
from core.settings import ProviderConfig
from providers import gemini
from providers.base import UpstreamRequest, Usage
from providers.openai import (
    AzureEndpoints,
    OpenAIEndpoints,
    openai_error,
    usage_from_openai,
)

# --- constants -------------------------------------------------------------------------------

GEMINI_MAX_BATCH = 100  # batchEmbedContents takes at most 100 requests

# --- the contract ----------------------------------------------------------------------------


class EmbeddingsAdapter(Protocol):
    """One provider kind's embeddings. Pure translation, no I/O.

    ``build_embeddings_request`` takes the client's OpenAI embeddings body (``input``: a string
    or a list of them, or token arrays where the provider takes them; ``dimensions``;
    ``encoding_format``) and the provider's name for the model; it raises
    ``InvalidRequestError`` for what the provider cannot serve. ``parse_embeddings_response``
    takes a successful (2xx) upstream body and the client's body it answers (whose ``model``
    and ``encoding_format`` a translated answer follows) and returns the OpenAI body the client
    receives with the usage the upstream reported (None if it reported none: the gateway then
    counts the input itself). ``parse_error`` maps an error response as the chat adapters do.
    """

    kind: ClassVar[str]

    def build_embeddings_request(
        self, body: dict[str, Any], upstream_model: str
    ) -> UpstreamRequest: ...

    def parse_embeddings_response(
        self, body: bytes, request: Mapping[str, Any]
    ) -> tuple[bytes, Usage | None]: ...

    def parse_error(
        self, status: int, body: bytes, headers: Mapping[str, str]
    ) -> UpstreamError: ...


# --- OpenAI and compatible servers -----------------------------------------------------------


class OpenAIEmbeddings:
    """OpenAI and OpenAI-compatible servers: the body goes with the model replaced; the answer
    comes back byte for byte."""

    kind: ClassVar[str] = "openai"
    endpoints_class: ClassVar[type[OpenAIEndpoints]] = OpenAIEndpoints

    def __init__(self, config: ProviderConfig) -> None:
        self.endpoints = self.endpoints_class(config)

    def embeddings_url(self, upstream_model: str) -> str:
        return self.endpoints.url("embeddings", upstream_model)

    def build_embeddings_request(
        self, body: dict[str, Any], upstream_model: str
    ) -> UpstreamRequest:
        payload = orjson.dumps({**body, "model": upstream_model})
        return UpstreamRequest(
            "POST", self.embeddings_url(upstream_model), self.endpoints.headers, payload
        )

    def parse_embeddings_response(
        self, body: bytes, request: Mapping[str, Any]
    ) -> tuple[bytes, Usage | None]:
        document = _json_object(body)
        return body, usage_from_openai(document.get("usage"))

    def parse_error(self, status: int, body: bytes, headers: Mapping[str, str]) -> UpstreamError:
        return openai_error(status, body, headers)


class AzureOpenAIEmbeddings(OpenAIEmbeddings):
    """Azure OpenAI: deployment URLs, ``api-version`` and the ``api-key`` header."""

    kind: ClassVar[str] = "azure"
    endpoints_class = AzureEndpoints


# --- Gemini ----------------------------------------------------------------------------------


class GeminiEmbeddings:
    """Gemini's ``batchEmbedContents``: one request per input text, answered in order."""

    kind: ClassVar[str] = "gemini"

    def __init__(self, config: ProviderConfig) -> None:
        base_url = (config.base_url or "").rstrip("/")
        self._prefix = f"{base_url}/{config.api_version or gemini.DEFAULT_API_VERSION}/"
        headers = {"content-type": "application/json"}
        if config.api_key:
            headers["x-goog-api-key"] = config.api_key
        self._headers = {**headers, **config.headers}

    def build_embeddings_request(
        self, body: dict[str, Any], upstream_model: str
    ) -> UpstreamRequest:
        # "models/x" and "tunedModels/x" are full resource names; a bare name is a base model.
        model = upstream_model if "/" in upstream_model else f"models/{upstream_model}"
        payload = orjson.dumps(batch_embed_contents_body(body, model))
        url = f"{self._prefix}{model}:batchEmbedContents"
        return UpstreamRequest("POST", url, self._headers, payload)

    def parse_embeddings_response(
        self, body: bytes, request: Mapping[str, Any]
    ) -> tuple[bytes, Usage | None]:
        """``{"embeddings": [{"values": [...]}]}`` -> OpenAI's list, in the client's encoding."""
        document = _json_object(body)
        vectors = [item.get("values") or [] for item in document.get("embeddings") or []]
        usage = _gemini_usage(document.get("usageMetadata"))
        answer = openai_embeddings_document(
            vectors,
            str(request.get("model") or ""),
            usage,
            encoding_format=str(request.get("encoding_format") or "float"),
        )
        return orjson.dumps(answer), usage

    def parse_error(self, status: int, body: bytes, headers: Mapping[str, str]) -> UpstreamError:
        return gemini.upstream_error(status, body, headers)


def batch_embed_contents_body(body: dict[str, Any], model: str) -> dict[str, Any]:
    """An OpenAI embeddings body -> a ``BatchEmbedContentsRequest`` for ``model``."""
    texts = _input_texts(body.get("input"))
    if len(texts) > GEMINI_MAX_BATCH:
        raise InvalidRequestError(
            f"Gemini embeds at most {GEMINI_MAX_BATCH} inputs per request; got {len(texts)}",
            param="input",
        )
    dimensions = body.get("dimensions")
    if dimensions is not None and (
        not isinstance(dimensions, int) or isinstance(dimensions, bool) or dimensions < 1
    ):
        raise InvalidRequestError("dimensions must be a positive integer", param="dimensions")
    if body.get("encoding_format", "float") not in ("float", "base64"):
        raise InvalidRequestError(
            "encoding_format must be 'float' or 'base64'", param="encoding_format"
        )
    requests = []
    for text in texts:
        # The role is what the google-genai SDK sends; embeddings ignore it.
        content = {"parts": [{"text": text}], "role": "user"}
        request: dict[str, Any] = {"model": model, "content": content}
        if dimensions is not None:
            request["outputDimensionality"] = dimensions
        requests.append(request)
    return {"requests": requests}


def _input_texts(value: Any) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise InvalidRequestError(
            "input must be a non-empty string or list of strings", param="input"
        )
    for i, text in enumerate(value):
        if not isinstance(text, str):
            raise InvalidRequestError(
                "Gemini embeds text only: token arrays are not supported", param=f"input.{i}"
            )
        if not text:
            raise InvalidRequestError("input must not contain empty strings", param=f"input.{i}")
    return value


def _gemini_usage(metadata: Any) -> Usage | None:
    # The Gemini API reports no usage for embeddings today; the SDK already reads it if it does.
    if isinstance(metadata, dict) and isinstance(metadata.get("promptTokenCount"), int):
        return Usage(input_tokens=metadata["promptTokenCount"], output_tokens=0)
    return None


# --- OpenAI's response shape -----------------------------------------------------------------


def openai_embeddings_document(
    vectors: list[list[float]], model: str, usage: Usage | None, *, encoding_format: str = "float"
) -> dict[str, Any]:
    """OpenAI's embeddings list. Without usage, the counts are 0 (the gateway counts then).

    ``encoding_format="base64"`` writes each vector as OpenAI does: little-endian float32,
    base64-encoded.
    """
    tokens = usage.input_tokens if usage else 0
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": i, "embedding": encode(vector, encoding_format)}
            for i, vector in enumerate(vectors)
        ],
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def encode(vector: list[float], encoding_format: str) -> list[float] | str:
    if encoding_format != "base64":
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


# --- the registry ----------------------------------------------------------------------------

EMBEDDINGS_ADAPTERS: dict[str, type[EmbeddingsAdapter]] = {
    "openai": OpenAIEmbeddings,
    "azure": AzureOpenAIEmbeddings,
    "gemini": GeminiEmbeddings,
}


def embeddings_adapter_for(config: ProviderConfig) -> EmbeddingsAdapter | None:
    """The provider's embeddings adapter; None for kinds without embeddings (anthropic, echo)."""
    adapter_class = EMBEDDINGS_ADAPTERS.get(config.kind)
    return None if adapter_class is None else adapter_class(config)


# --- errors ----------------------------------------------------------------------------------


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        document = None
    if not isinstance(document, dict):
        raise UpstreamUnavailableError(
            "the provider sent an embeddings response that is not a JSON object",
            code="bad_upstream_response",
        )
    return document
