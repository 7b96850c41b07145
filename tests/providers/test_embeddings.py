"""providers.embeddings: on recorded bodies, then over HTTP against the OpenAI and Gemini fakes.

The ``google-genai`` SDK's ``embed_content`` against the Gemini fake shows that the fake (and so
the adapter tested against it) speaks the real wire format; the ``openai`` SDK, as the client of
a small front app, reads what the adapters answer (base64 included, its default).
"""

from __future__ import annotations

import base64
import functools
import struct
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import openai
import orjson
import pytest
from aiohttp import web
from google import genai
from google.genai import types
from openai.types import CreateEmbeddingResponse

from core.errors import (
    GatewayError,
    InvalidRequestError,
    UpstreamError,
    UpstreamUnavailableError,
)
from core.settings import ProviderConfig
from providers.base import Usage
from providers.embeddings import (
    AzureOpenAIEmbeddings,
    EmbeddingsAdapter,
    GeminiEmbeddings,
    OpenAIEmbeddings,
    embeddings_adapter_for,
)
from tests.fakes.gemini_upstream import embedding, start_fake_gemini
from tests.fakes.openai_upstream import FAKE_OPENAI_KEY, start_fake_openai
from tests.fakes.server import FakeUpstream, start_fake

# --- recorded bodies ---------------------------------------------------------------------------

OPENAI_RESPONSE = (
    b'{\n  "object": "list",\n  "data": [\n    {\n      "object": "embedding",\n      "index": 0,\n'
    b'      "embedding": [-0.006929283, -0.005336422, 0.024047505]\n    }\n  ],\n'
    b'  "model": "text-embedding-3-small",\n'
    b'  "usage": {\n    "prompt_tokens": 8,\n    "total_tokens": 8\n  }\n}\n'
)
GEMINI_RESPONSE = orjson.dumps(
    {
        "embeddings": [
            {"values": [0.0108, -0.0063, -0.0157, 0.0203]},
            {"values": [-0.0224, 0.0071, 0.0015, -0.0119]},
        ]
    }
)


def config(kind: str, **fields: Any) -> ProviderConfig:
    settings = {"name": kind, "kind": kind, "base_url": "http://up.test/v1/", "api_key": "key"}
    return ProviderConfig(**settings | fields)


def floats32(values: list[float]) -> list[float]:
    """The values as float32 holds them, as a base64-encoded embedding carries them."""
    return list(struct.unpack(f"<{len(values)}f", struct.pack(f"<{len(values)}f", *values)))


def decode(embedding_value: str) -> list[float]:
    raw = base64.b64decode(embedding_value)
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


# --- choosing an adapter -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "adapter_class"),
    [
        ("openai", OpenAIEmbeddings),
        ("azure", AzureOpenAIEmbeddings),
        ("gemini", GeminiEmbeddings),
        ("anthropic", None),
        ("echo", None),
    ],
)
def test_embeddings_adapter_for_each_kind(kind: str, adapter_class: type | None) -> None:
    adapter = embeddings_adapter_for(config(kind))
    if adapter_class is None:
        assert adapter is None
    else:
        assert type(adapter) is adapter_class


# --- OpenAI and Azure --------------------------------------------------------------------------


def test_openai_request_replaces_the_model_and_keeps_the_rest() -> None:
    body = {"model": "embed-public", "input": ["a", "b"], "dimensions": 256, "user": "u"}
    adapter = OpenAIEmbeddings(config("openai", headers={"OpenAI-Organization": "org"}))
    request = adapter.build_embeddings_request(body, "text-embedding-3-small")
    assert (request.method, request.url) == ("POST", "http://up.test/v1/embeddings")
    assert request.headers == {
        "Content-Type": "application/json",
        "Authorization": "Bearer key",
        "OpenAI-Organization": "org",
    }
    assert orjson.loads(request.body) == {**body, "model": "text-embedding-3-small"}
    assert body["model"] == "embed-public"  # the client's body is not mutated


def test_openai_response_comes_back_byte_for_byte_with_its_usage() -> None:
    answer, usage = OpenAIEmbeddings(config("openai")).parse_embeddings_response(
        OPENAI_RESPONSE, {"model": "embed-public"}
    )
    assert answer is OPENAI_RESPONSE
    assert usage == Usage(input_tokens=8, output_tokens=0)
    CreateEmbeddingResponse.model_validate_json(answer)


def test_azure_puts_the_deployment_in_the_url_and_the_key_in_api_key() -> None:
    adapter = AzureOpenAIEmbeddings(config("azure", base_url="https://r.openai.azure.com/"))
    request = adapter.build_embeddings_request({"input": "x"}, "my-embedder")
    assert request.url == (
        "https://r.openai.azure.com/openai/deployments/my-embedder/embeddings"
        "?api-version=2024-10-21"
    )
    assert request.headers == {"Content-Type": "application/json", "api-key": "key"}
    assert adapter.build_embeddings_request({"input": "y"}, "my-embedder").url == request.url
    versioned = AzureOpenAIEmbeddings(config("azure", api_version="2025-01-01"))
    assert versioned.build_embeddings_request({}, "d").url.endswith("?api-version=2025-01-01")


def test_an_openai_body_that_is_not_json_is_a_bad_upstream_response() -> None:
    with pytest.raises(UpstreamUnavailableError) as raised:
        OpenAIEmbeddings(config("openai")).parse_embeddings_response(b"<html>", {})
    assert raised.value.code == "bad_upstream_response"


def test_openai_errors_keep_their_body() -> None:
    body = b'{"error":{"message":"bad input","type":"invalid_request_error","param":"input"}}'
    error = OpenAIEmbeddings(config("openai")).parse_error(400, body, {"Retry-After": "2"})
    assert error.http_status == 400
    assert error.to_body()["error"]["param"] == "input"
    assert error.headers == {"Retry-After": "2"}


# --- Gemini ------------------------------------------------------------------------------------


def test_gemini_request_is_a_batch_of_one_request_per_text() -> None:
    adapter = GeminiEmbeddings(config("gemini", base_url="https://g.test/"))
    body = {"model": "embed-public", "input": ["first text", "second"], "dimensions": 768}
    request = adapter.build_embeddings_request(body, "gemini-embedding-001")
    assert request.url == "https://g.test/v1beta/models/gemini-embedding-001:batchEmbedContents"
    assert request.headers == {"content-type": "application/json", "x-goog-api-key": "key"}
    model = "models/gemini-embedding-001"
    assert orjson.loads(request.body) == {
        "requests": [
            {
                "model": model,
                "content": {"parts": [{"text": "first text"}], "role": "user"},
                "outputDimensionality": 768,
            },
            {
                "model": model,
                "content": {"parts": [{"text": "second"}], "role": "user"},
                "outputDimensionality": 768,
            },
        ]
    }
    one = adapter.build_embeddings_request({"input": "alone"}, "tunedModels/mine")
    assert one.url == "https://g.test/v1beta/tunedModels/mine:batchEmbedContents"
    assert orjson.loads(one.body) == {
        "requests": [
            {"model": "tunedModels/mine", "content": {"parts": [{"text": "alone"}], "role": "user"}}
        ]
    }


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({}, "input"),
        ({"input": []}, "input"),
        ({"input": [1, 2, 3]}, "input.0"),
        ({"input": [[1, 2], [3]]}, "input.0"),
        ({"input": ["ok", ""]}, "input.1"),
        ({"input": ["x"] * 101}, "input"),
        ({"input": "x", "dimensions": 0}, "dimensions"),
        ({"input": "x", "encoding_format": "int8"}, "encoding_format"),
    ],
)
def test_what_gemini_cannot_embed_is_rejected_clearly(body: dict[str, Any], param: str) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        GeminiEmbeddings(config("gemini")).build_embeddings_request(body, "gemini-embedding-001")
    assert raised.value.param == param


def test_gemini_response_becomes_an_openai_list_without_usage() -> None:
    answer, usage = GeminiEmbeddings(config("gemini")).parse_embeddings_response(
        GEMINI_RESPONSE, {"model": "embed-public", "input": ["a", "b"]}
    )
    assert usage is None  # the gateway counts the input itself
    document = orjson.loads(answer)
    CreateEmbeddingResponse.model_validate(document)
    assert document == {
        "object": "list",
        "data": [
            {"object": "embedding", "index": 0, "embedding": [0.0108, -0.0063, -0.0157, 0.0203]},
            {"object": "embedding", "index": 1, "embedding": [-0.0224, 0.0071, 0.0015, -0.0119]},
        ],
        "model": "embed-public",
        "usage": {"prompt_tokens": 0, "total_tokens": 0},
    }


def test_gemini_vectors_in_base64_as_openai_encodes_them() -> None:
    answer, _ = GeminiEmbeddings(config("gemini")).parse_embeddings_response(
        GEMINI_RESPONSE, {"model": "m", "encoding_format": "base64"}
    )
    data = orjson.loads(answer)["data"]
    assert decode(data[0]["embedding"]) == floats32([0.0108, -0.0063, -0.0157, 0.0203])
    assert decode(data[1]["embedding"]) == floats32([-0.0224, 0.0071, 0.0015, -0.0119])


def test_gemini_usage_is_read_when_reported() -> None:
    body = orjson.dumps(
        {"embeddings": [{"values": [0.5]}], "usageMetadata": {"promptTokenCount": 7}}
    )
    answer, usage = GeminiEmbeddings(config("gemini")).parse_embeddings_response(
        body, {"model": "m"}
    )
    assert usage == Usage(input_tokens=7, output_tokens=0)
    assert orjson.loads(answer)["usage"] == {"prompt_tokens": 7, "total_tokens": 7}


def test_gemini_errors_map_as_for_chat() -> None:
    body = b'{"error":{"code":429,"message":"Quota exceeded.","status":"RESOURCE_EXHAUSTED"}}'
    error = GeminiEmbeddings(config("gemini")).parse_error(429, body, {})
    assert error.http_status == 429
    assert error.to_body()["error"]["type"] == "rate_limit_error"
    with pytest.raises(UpstreamUnavailableError):
        GeminiEmbeddings(config("gemini")).parse_embeddings_response(b"[]", {})


# --- against the fakes, over HTTP --------------------------------------------------------------


@pytest.fixture(scope="module")
async def fakes() -> AsyncIterator[dict[str, FakeUpstream]]:
    started = {"openai": await start_fake_openai(), "gemini": await start_fake_gemini()}
    yield started
    for fake in started.values():
        await fake.close()


def adapter_for(fakes: dict[str, FakeUpstream], kind: str) -> EmbeddingsAdapter:
    key = FAKE_OPENAI_KEY if kind == "openai" else "g-key"
    adapter = embeddings_adapter_for(config(kind, base_url=fakes[kind].base_url, api_key=key))
    assert adapter is not None
    return adapter


async def embed(
    session: aiohttp.ClientSession, adapter: EmbeddingsAdapter, body: dict[str, Any], model: str
) -> tuple[bytes, Usage | None]:
    """The test-only forwarding loop: build with the adapter, send, parse with the adapter."""
    request = adapter.build_embeddings_request(body, model)
    async with session.request(
        request.method, request.url, headers=request.headers, data=request.body
    ) as response:
        answer = await response.read()
        if response.status >= 400:
            raise adapter.parse_error(response.status, answer, response.headers)
        return adapter.parse_embeddings_response(answer, body)


async def test_openai_embeddings_through_the_fake(fakes: dict[str, FakeUpstream]) -> None:
    body = {"model": "embed-public", "input": ["one two", "three"]}
    async with aiohttp.ClientSession() as session:
        answer, usage = await embed(
            session, adapter_for(fakes, "openai"), body, "text-embedding-3-small"
        )
    document = CreateEmbeddingResponse.model_validate_json(answer)
    assert [item.index for item in document.data] == [0, 1]
    assert document.model == "text-embedding-3-small"
    assert usage == Usage(input_tokens=3, output_tokens=0)
    assert fakes["openai"].received[-1].body["model"] == "text-embedding-3-small"


async def test_gemini_embeddings_through_the_fake(fakes: dict[str, FakeUpstream]) -> None:
    adapter = adapter_for(fakes, "gemini")
    body = {"model": "embed-public", "input": ["first text", "second"], "dimensions": 4}
    async with aiohttp.ClientSession() as session:
        answer, usage = await embed(session, adapter, body, "gemini-embedding-001")
        encoded, _ = await embed(
            session, adapter, {**body, "encoding_format": "base64"}, "gemini-embedding-001"
        )
    assert usage is None
    document = CreateEmbeddingResponse.model_validate_json(answer)
    assert document.model == "embed-public"
    assert [item.embedding for item in document.data] == [
        embedding("first text", 4),
        embedding("second", 4),
    ]
    base64_data = orjson.loads(encoded)["data"]
    assert [decode(item["embedding"]) for item in base64_data] == [
        embedding("first text", 4),
        embedding("second", 4),
    ]
    received = fakes["gemini"].received[-1]
    assert received.path == "/v1beta/models/gemini-embedding-001:batchEmbedContents"
    assert received.headers["x-goog-api-key"] == "g-key"


async def test_gemini_errors_through_the_fake(fakes: dict[str, FakeUpstream]) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(UpstreamError) as raised:
            await embed(session, adapter_for(fakes, "gemini"), {"input": "x"}, "gemini-error-429")
    assert raised.value.http_status == 429
    assert raised.value.headers["retry-after"] == "7"


def batch(*requests: dict[str, Any]) -> dict[str, Any]:
    return {"requests": list(requests)}


def embed_request(
    text: str = "x", model: str = "models/gemini-embedding-001", **fields: Any
) -> dict[str, Any]:
    return {"model": model, "content": {"parts": [{"text": text}]}, **fields}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (batch(), "requests must not be empty"),
        (batch(*[embed_request()] * 101), "at most 100 requests"),
        (batch(embed_request(model="models/other")), "must be the batch's model"),
        (batch(embed_request("")), "oneof field 'data'"),
        (
            batch({"model": "models/gemini-embedding-001", "content": {"parts": []}}),
            "must not be empty",
        ),
        (batch(embed_request(taskType="SUMMARY")), "task_type"),
        (batch(embed_request(outputDimensionality=0)), "outputDimensionality"),
        (batch(embed_request(dimensions=3)), 'Unknown name "dimensions"'),
        ({"requests": [], "model": "x"}, 'Unknown name "model"'),
        (batch(embed_request(output_dimensionality=3, task_type="CLUSTERING")), ""),
    ],
)
async def test_the_gemini_fake_rejects_what_the_real_api_rejects(
    fakes: dict[str, FakeUpstream], body: dict[str, Any], message: str
) -> None:
    url = f"{fakes['gemini'].base_url}/v1beta/models/gemini-embedding-001:batchEmbedContents"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=body, headers={"x-goog-api-key": "k"}) as response:
            document = await response.json()
    if not message:
        assert response.status == 200 and len(document["embeddings"][0]["values"]) == 3
        return
    assert response.status == 400
    assert document["error"]["status"] == "INVALID_ARGUMENT"
    assert message in document["error"]["message"]


@pytest.mark.filterwarnings("ignore:Inheritance class AiohttpClientSession:DeprecationWarning")
async def test_the_google_genai_sdk_embeds_with_the_fake(fakes: dict[str, FakeUpstream]) -> None:
    fake = fakes["gemini"]
    client = genai.Client(api_key="g-key", http_options=types.HttpOptions(base_url=fake.base_url))
    response = await client.aio.models.embed_content(
        model="gemini-embedding-001",
        contents=["first text", "second"],
        config=types.EmbedContentConfig(output_dimensionality=4),
    )
    await client.aio.aclose()
    assert response.embeddings is not None
    assert [e.values for e in response.embeddings] == [
        embedding("first text", 4),
        embedding("second", 4),
    ]
    # What the SDK sent is what the adapter builds.
    sent_by_sdk = fake.received[-1]
    ours = GeminiEmbeddings(config("gemini")).build_embeddings_request(
        {"input": ["first text", "second"], "dimensions": 4}, "gemini-embedding-001"
    )
    # (The SDK defaults to the v1 API, the adapter to v1beta: both have batchEmbedContents.)
    assert sent_by_sdk.path.endswith("/models/gemini-embedding-001:batchEmbedContents")
    assert sent_by_sdk.body == orjson.loads(ours.body)


# --- the openai SDK as the client of the adapters ----------------------------------------------


async def serve_embeddings(
    session: aiohttp.ClientSession, adapters: dict[str, EmbeddingsAdapter], request: web.Request
) -> web.Response:
    """What the gateway's ``/v1/embeddings`` does, minus governance."""
    body = await request.json()
    adapter = adapters["gemini" if body["model"].startswith("gemini") else "openai"]
    try:
        answer, _ = await embed(session, adapter, body, body["model"])
    except GatewayError as error:
        return web.json_response(error.to_body(), status=error.http_status)
    return web.Response(body=answer, content_type="application/json")


async def test_the_openai_sdk_reads_what_the_adapters_answer(
    fakes: dict[str, FakeUpstream],
) -> None:
    adapters = {kind: adapter_for(fakes, kind) for kind in ("openai", "gemini")}
    async with aiohttp.ClientSession() as session:

        def build(_: FakeUpstream) -> web.Application:
            app = web.Application()
            app.router.add_post(
                "/v1/embeddings", functools.partial(serve_embeddings, session, adapters)
            )
            return app

        front = await start_fake(build, "/v1")
        client = openai.AsyncOpenAI(api_key="gai-k", base_url=front.base_url, max_retries=0)
        try:
            # The SDK asks for base64 unless told otherwise, and decodes it.
            default = await client.embeddings.create(
                model="gemini-embedding-001", input=["hi", "yo"]
            )
            floats = await client.embeddings.create(
                model="gemini-embedding-001", input="hi", encoding_format="float", dimensions=3
            )
            passed = await client.embeddings.create(model="text-embedding-3-small", input="a b c")
            with pytest.raises(openai.BadRequestError) as raised:
                await client.embeddings.create(model="gemini-embedding-001", input=[[1, 2]])
        finally:
            await client.close()
            await front.close()
    assert fakes["gemini"].received[-1].body["requests"][0]["content"] == {
        "parts": [{"text": "hi"}],
        "role": "user",
    }
    assert [item.embedding for item in default.data] == [
        embedding("hi", None),
        embedding("yo", None),
    ]
    assert floats.data[0].embedding == embedding("hi", 3)
    assert passed.usage.prompt_tokens == 3
    assert raised.value.status_code == 400
