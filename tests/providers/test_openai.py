"""The OpenAI adapter on recorded bytes: requests, responses, streams in any split, errors."""

from __future__ import annotations

import random

import orjson
import pytest

from core.settings import ProviderConfig
from providers.base import Usage
from providers.openai import AzureOpenAIAdapter, OpenAIAdapter

CONFIG = ProviderConfig(name="o", kind="openai", base_url="http://up/v1/", api_key="sk-up")
CHAT = {"model": "public", "messages": [{"role": "user", "content": "hi"}], "seed": 7}

# A stream as OpenAI sends it with include_usage (recorded shape, trimmed ids).
STREAM = (
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",'
    b'"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],'
    b'"usage":null}\n\n'
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",'
    b'"choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"usage":null}\n\n'
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",'
    b'"choices":[{"index":0,"delta":{"content":"lo \\"usage\\":null"},"finish_reason":null}],'
    b'"usage":null}\n\n'
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",'
    b'"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n'
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",'
    b'"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,'
    b'"prompt_tokens_details":{"cached_tokens":4}}}\n\n'
    b"data: [DONE]\n\n"
)


def splits(data: bytes, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    pieces, start = [], 0
    while start < len(data):
        end = start + rng.randint(1, 40)
        pieces.append(data[start:end])
        start = end
    return pieces


def run_stream(data: bytes, pieces: list[bytes], *, wants_usage: bool) -> tuple[bytes, object]:
    translator = OpenAIAdapter(CONFIG).open_stream(client_wants_usage=wants_usage)
    out = b"".join(translator.feed(piece) for piece in pieces) + translator.close()
    return out, translator


def test_request_replaces_the_model_and_keeps_unknown_fields() -> None:
    request = OpenAIAdapter(CONFIG).build_chat_request(CHAT, "gpt-4o-mini", stream=False)
    assert request.url == "http://up/v1/chat/completions"
    assert request.headers["Authorization"] == "Bearer sk-up"
    assert orjson.loads(request.body) == {**CHAT, "model": "gpt-4o-mini"}
    assert CHAT["model"] == "public"  # the client's body is not mutated


def test_stream_request_asks_for_usage_and_keeps_other_options() -> None:
    body = {**CHAT, "stream": True, "stream_options": {"include_obfuscation": False}}
    request = OpenAIAdapter(CONFIG).build_chat_request(body, "m", stream=True)
    assert orjson.loads(request.body)["stream_options"] == {
        "include_obfuscation": False,
        "include_usage": True,
    }


def test_azure_uses_the_deployment_url_and_api_key_header() -> None:
    config = ProviderConfig(
        name="a", kind="azure", base_url="https://x.openai.azure.com", api_key="k"
    )
    request = AzureOpenAIAdapter(config).build_chat_request(CHAT, "my-deploy", stream=False)
    assert request.url == (
        "https://x.openai.azure.com/openai/deployments/my-deploy/chat/completions"
        "?api-version=2024-10-21"
    )
    assert request.headers["api-key"] == "k" and "Authorization" not in request.headers


def test_response_bytes_are_kept_and_usage_read() -> None:
    body = (
        b'{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",'
        b'"content":"hi there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,'
        b'"completion_tokens":2,"total_tokens":7}}'
    )
    response = OpenAIAdapter(CONFIG).parse_chat_response(body)
    assert response.body is body
    assert response.usage == Usage(input_tokens=5, output_tokens=2)
    assert response.completion_text == "hi there"


@pytest.mark.parametrize("seed", range(20))
def test_stream_with_usage_passes_every_byte_in_any_split(seed: int) -> None:
    out, translator = run_stream(STREAM, splits(STREAM, seed), wants_usage=True)
    assert out == STREAM
    assert translator.usage == Usage(input_tokens=9, output_tokens=3, cached_input_tokens=4)
    assert translator.completion_text == 'Hello "usage":null'
    assert translator.finished


@pytest.mark.parametrize("seed", range(20))
def test_stream_without_usage_drops_the_usage_chunk_and_fields(seed: int) -> None:
    out, translator = run_stream(STREAM, splits(STREAM, seed), wants_usage=False)
    events = out.split(b"\n\n")
    assert b'"choices":[]' not in out
    assert b',"usage":null}' not in out
    assert b'lo \\"usage\\":null' in out  # text that merely looks like the field is untouched
    assert events[-2] == b"data: [DONE]"
    assert translator.usage == Usage(input_tokens=9, output_tokens=3, cached_input_tokens=4)


def test_crlf_framed_events_are_split_too() -> None:
    data = STREAM.replace(b"\n\n", b"\r\n\r\n")
    out, translator = run_stream(data, splits(data, 1), wants_usage=True)
    assert out == data and translator.finished


@pytest.mark.parametrize("seed", range(5))
def test_lf_and_crlf_framed_events_mixed_in_one_stream_are_split_alike(seed: int) -> None:
    first = STREAM.index(b"\n\n") + 2  # the first event LF-framed, the rest CRLF
    data = STREAM[:first] + STREAM[first:].replace(b"\n\n", b"\r\n\r\n")
    out, translator = run_stream(data, splits(data, seed), wants_usage=True)
    assert out == data and translator.finished
    assert translator.completion_text == 'Hello "usage":null'


def test_a_cut_stream_is_not_finished_but_keeps_its_text() -> None:
    cut = STREAM[: STREAM.index(b"lo ")]
    out, translator = run_stream(cut, [cut], wants_usage=True)
    assert not translator.finished
    assert translator.usage is None
    assert translator.completion_text == "Hel"
    assert out == STREAM[: STREAM.index(b'data: {"id":"c1"', 300)]  # the half event is dropped


def test_a_last_event_without_its_blank_line_is_completed() -> None:
    data = STREAM[:-2]
    out, translator = run_stream(data, splits(data, 3), wants_usage=True)
    assert out == STREAM and translator.finished


def test_openai_error_body_is_kept() -> None:
    body = (
        b'{"error":{"message":"Rate limit","type":"requests","param":null,'
        b'"code":"rate_limit_exceeded"}}'
    )
    error = OpenAIAdapter(CONFIG).parse_error(429, body, {"Retry-After": "3"})
    assert error.http_status == 429
    assert error.to_body() == orjson.loads(body)
    assert error.headers == {"Retry-After": "3"}


def test_non_json_error_is_wrapped() -> None:
    error = OpenAIAdapter(CONFIG).parse_error(503, b"<html>Bad gateway</html>", {})
    body = error.to_body()["error"]
    assert error.http_status == 503
    assert set(body) == {"message", "type", "param", "code"}
    assert "Bad gateway" in body["message"]
