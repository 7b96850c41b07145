"""The same openai SDK code against every provider: only the model name changes."""

from __future__ import annotations

import uuid
from decimal import Decimal

import openai
import orjson
import pytest

from tests.fakes.server import FakeUpstream
from tests.harness import RunningGateway

PROVIDER_MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude", "gemini": "gemini"}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather in a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]


def client(gateway: RunningGateway, correlation_id: str | None = None) -> openai.OpenAI:
    headers = {"X-Request-ID": correlation_id} if correlation_id else {}
    return openai.OpenAI(
        base_url=gateway.openai_base_url,
        api_key=gateway.api_key,
        max_retries=0,
        default_headers=headers,
    )


@pytest.fixture(params=sorted(PROVIDER_MODELS))
def model(request: pytest.FixtureRequest) -> str:
    return PROVIDER_MODELS[request.param]


def test_text(gateway: RunningGateway, model: str) -> None:
    correlation_id = f"e2e-{uuid.uuid4().hex}"
    completion = client(gateway, correlation_id).chat.completions.create(
        model=model,
        messages=[
            {"role": "system", "content": "Answer briefly."},
            {"role": "user", "content": "ping from the gateway"},
        ],
        max_tokens=50,
    )
    text = completion.choices[0].message.content or ""
    assert "ping from the gateway" in text
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.prompt_tokens > 0
    (usage,) = gateway.rows("usage_records", correlation_id=correlation_id)
    assert usage["input_tokens"] == completion.usage.prompt_tokens
    assert usage["output_tokens"] == completion.usage.completion_tokens
    assert usage["cost"] > Decimal(0)
    provider = next(k for k, v in PROVIDER_MODELS.items() if v == model)
    assert usage["provider"] == f"fake-{provider}"


def test_tool_call_round_trip(gateway: RunningGateway, model: str) -> None:
    sdk = client(gateway)
    messages: list[dict] = [{"role": "user", "content": "Paris"}]
    first = sdk.chat.completions.create(model=f"{model}-tools", messages=messages, tools=TOOLS)
    assert first.choices[0].finish_reason == "tool_calls"
    call = first.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert orjson.loads(call.function.arguments) == {"city": "Paris"}
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 C"},
    ]
    second = sdk.chat.completions.create(model=f"{model}-tools", messages=messages, tools=TOOLS)
    assert "sunny" in (second.choices[0].message.content or "")


def test_stream(gateway: RunningGateway, model: str) -> None:
    correlation_id = f"e2e-{uuid.uuid4().hex}"
    stream = client(gateway, correlation_id).chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "stream these words back"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text, usage, finish = "", None, None
    for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage:
            usage = chunk.usage
    assert "stream these words back" in text
    assert finish == "stop"
    assert usage is not None
    (record,) = gateway.rows("usage_records", correlation_id=correlation_id)
    assert record["output_tokens"] == usage.completion_tokens
    assert record["metadata"]["estimated"] is False


def test_streamed_tool_call(gateway: RunningGateway, model: str) -> None:
    stream = client(gateway).chat.completions.create(
        model=f"{model}-tools",
        messages=[{"role": "user", "content": "Paris"}],
        tools=TOOLS,
        stream=True,
    )
    name, arguments, finish = "", "", None
    for chunk in stream:
        if not chunk.choices:
            continue
        for call in chunk.choices[0].delta.tool_calls or ():
            name += call.function.name or "" if call.function else ""
            arguments += call.function.arguments or "" if call.function else ""
        finish = chunk.choices[0].finish_reason or finish
    assert name == "get_weather"
    assert orjson.loads(arguments) == {"city": "Paris"}
    assert finish == "tool_calls"


@pytest.mark.parametrize("model", ["claude-error-500", "gemini-error-500"])
def test_provider_errors_become_openai_errors(gateway: RunningGateway, model: str) -> None:
    with pytest.raises(openai.InternalServerError) as caught:
        client(gateway).chat.completions.create(
            model=model, messages=[{"role": "user", "content": "x"}]
        )
    assert set(caught.value.response.json()["error"]) == {"message", "type", "param", "code"}


@pytest.mark.parametrize("model", ["claude-cut", "gemini-cut"])
def test_a_cut_stream_is_billed(gateway: RunningGateway, model: str) -> None:
    correlation_id = f"e2e-{uuid.uuid4().hex}"
    with pytest.raises(openai.APIError):  # raised while iterating
        for _ in client(gateway, correlation_id).chat.completions.create(
            model=model, messages=[{"role": "user", "content": "one two three four"}], stream=True
        ):
            pass
    (record,) = gateway.rows("usage_records", correlation_id=correlation_id)
    assert record["input_tokens"] > 0
    decisions = gateway.rows("decisions", correlation_id=correlation_id)
    assert any("stream:upstream_cut" in d["tags"] for d in decisions)


def test_anthropic_cache_tokens_are_priced_as_cached(gateway: RunningGateway) -> None:
    correlation_id = f"e2e-{uuid.uuid4().hex}"
    completion = client(gateway, correlation_id).chat.completions.create(
        model="claude-cached", messages=[{"role": "user", "content": "cached prompt"}]
    )
    details = completion.usage.prompt_tokens_details
    assert details is not None and details.cached_tokens == 1024
    (record,) = gateway.rows("usage_records", correlation_id=correlation_id)
    assert record["cached_input_tokens"] == 1024
    uncached = record["input_tokens"] - 1024
    expected = (
        uncached * Decimal(3) + 1024 * Decimal("0.30") + record["output_tokens"] * Decimal(15)
    ) / Decimal(1_000_000)
    assert record["cost"] == expected


def test_azure_openai_deployment(gateway: RunningGateway, fake_openai: FakeUpstream) -> None:
    completion = client(gateway).chat.completions.create(
        model="azure-gpt-4o", messages=[{"role": "user", "content": "hello azure"}]
    )
    assert completion.choices[0].message.content == "echo: hello azure"
    received = fake_openai.received[-1]
    assert received.path == "/openai/deployments/my-gpt-4o-deployment/chat/completions"
    assert received.query == {"api-version": "2024-10-21"}
    assert "Authorization" not in received.headers
