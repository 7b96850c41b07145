"""``POST /v1/messages`` with the real ``anthropic`` SDK, to every provider."""

from __future__ import annotations

import uuid

import anthropic
import httpx
import pytest

from tests.fakes.server import FakeUpstream
from tests.gateway.test_pii_e2e import EMAIL, org_with_policy
from tests.harness import RunningGateway

TOOLS = [
    {
        "name": "get_weather",
        "description": "Weather in a city",
        "input_schema": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    }
]


def client(gateway: RunningGateway, correlation_id: str | None = None) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=gateway.base_url,
        api_key=gateway.api_key,
        max_retries=0,
        default_headers={"X-Request-ID": correlation_id} if correlation_id else None,
    )


@pytest.fixture(params=["gpt-4o-mini", "claude", "gemini"])
def model(request: pytest.FixtureRequest) -> str:
    return request.param


def test_text_and_usage_records(gateway: RunningGateway, model: str) -> None:
    correlation_id = f"msg-{uuid.uuid4().hex}"
    message = client(gateway, correlation_id).messages.create(
        model=model,
        max_tokens=100,
        system="Be brief.",
        messages=[{"role": "user", "content": "hello from the anthropic sdk"}],
    )
    assert message.type == "message" and message.role == "assistant"
    assert "hello from the anthropic sdk" in message.content[0].text
    assert message.stop_reason == "end_turn"
    (usage,) = gateway.rows("usage_records", correlation_id=correlation_id)
    assert usage["output_tokens"] == message.usage.output_tokens
    decisions = gateway.rows("decisions", correlation_id=correlation_id)
    assert all("api:anthropic" in d["tags"] for d in decisions)


def test_stream(gateway: RunningGateway, model: str) -> None:
    with client(gateway).messages.stream(
        model=model,
        max_tokens=100,
        messages=[{"role": "user", "content": "stream me back"}],
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert "stream me back" in text
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens > 0


def test_tool_use_round_trip(gateway: RunningGateway, model: str) -> None:
    sdk = client(gateway)
    messages: list[dict] = [{"role": "user", "content": "Paris"}]
    first = sdk.messages.create(
        model=f"{model}-tools", max_tokens=100, messages=messages, tools=TOOLS
    )
    assert first.stop_reason == "tool_use"
    tool_use = next(block for block in first.content if block.type == "tool_use")
    assert tool_use.name == "get_weather" and tool_use.input == {"city": "Paris"}
    messages += [
        {"role": "assistant", "content": [block.model_dump() for block in first.content]},
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": tool_use.id, "content": "sunny, 21 C"}
            ],
        },
    ]
    second = sdk.messages.create(
        model=f"{model}-tools", max_tokens=100, messages=messages, tools=TOOLS
    )
    assert "sunny" in second.content[0].text


def test_x_api_key_header_is_accepted(gateway: RunningGateway) -> None:
    response = httpx.post(
        f"{gateway.base_url}/v1/messages",
        headers={"x-api-key": gateway.api_key, "anthropic-version": "2023-06-01"},
        json={"model": "echo", "max_tokens": 10, "messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == 200
    assert response.json()["content"][0]["text"] == "x"


def test_errors_come_in_anthropic_shape(gateway: RunningGateway) -> None:
    with pytest.raises(anthropic.NotFoundError) as caught:
        client(gateway).messages.create(
            model="nope", max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
    body = caught.value.response.json()
    assert body["type"] == "error" and body["error"]["type"] == "not_found_error"
    with pytest.raises(anthropic.BadRequestError) as caught:
        client(gateway).messages.create(model="echo", max_tokens=10, messages=[])
    assert caught.value.response.json()["error"]["type"] == "invalid_request_error"
    with pytest.raises(anthropic.AuthenticationError):
        anthropic.Anthropic(
            base_url=gateway.base_url, api_key="wrong", max_retries=0
        ).messages.create(model="echo", max_tokens=10, messages=[{"role": "user", "content": "x"}])


def test_the_same_pii_policy_applies(gateway: RunningGateway, fake_openai: FakeUpstream) -> None:
    openai_client = org_with_policy(
        gateway, {"toolAccessMatrix": {"ai.generate": {"email": "tokenize"}}}
    )
    sdk = anthropic.Anthropic(
        base_url=gateway.base_url, api_key=openai_client.api_key, max_retries=0
    )
    message = sdk.messages.create(
        model="gpt-4o-mini",
        max_tokens=50,
        messages=[{"role": "user", "content": f"mail {EMAIL}"}],
    )
    assert EMAIL not in str(fake_openai.received[-1].body)
    assert message.content[0].text == f"echo: mail {EMAIL}"
    with sdk.messages.stream(
        model="gpt-4o-mini", max_tokens=50, messages=[{"role": "user", "content": f"mail {EMAIL}"}]
    ) as stream:
        assert "".join(stream.text_stream) == f"echo: mail {EMAIL}"


def test_parallel_tool_calls_whose_deltas_interleave(gateway: RunningGateway) -> None:
    """The upstream streams two calls' argument pieces taking turns (call 0, call 1, call 0...):
    each tool_use block gets its own arguments, one block open at a time."""
    events = list(
        client(gateway).messages.create(
            model="gpt-4o-mini-parallel-tools",
            max_tokens=100,
            tools=TOOLS,  # type: ignore[arg-type]
            messages=[{"role": "user", "content": "weather in two cities"}],
            stream=True,
        )
    )
    open_block: int | None = None
    arguments: dict[int, str] = {}
    for event in events:
        if event.type == "content_block_start":
            assert open_block is None, "a block started before the last one stopped"
            open_block = event.index
            arguments[event.index] = ""
        elif event.type == "content_block_delta":
            assert event.index == open_block, "a delta for a block that is not open"
            assert event.delta.type == "input_json_delta"
            arguments[event.index] += event.delta.partial_json
        elif event.type == "content_block_stop":
            assert event.index == open_block
            open_block = None
    assert arguments == {0: '{"city": "Paris"}', 1: '{"city": "Lyon"}'}
    with client(gateway).messages.stream(
        model="gpt-4o-mini-parallel-tools",
        max_tokens=100,
        tools=TOOLS,  # type: ignore[arg-type]
        messages=[{"role": "user", "content": "weather in two cities"}],
    ) as stream:
        message = stream.get_final_message()
    assert [(b.type, getattr(b, "input", None)) for b in message.content] == [
        ("tool_use", {"city": "Paris"}),
        ("tool_use", {"city": "Lyon"}),
    ]
    assert message.content[0].id != message.content[1].id  # type: ignore[union-attr]
    assert message.stop_reason == "tool_use"
