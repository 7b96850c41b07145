"""``POST /v1/responses`` with the real ``openai`` SDK, through the gateway to every provider.

``gpt-4o-mini`` (kind openai) is forwarded to the fake's own ``/v1/responses``; the others are
translated to chat (``tests/gateway/test_responses_native.py`` has the native path's own tests).
"""

from __future__ import annotations

import json
import uuid

import openai
import pytest

from tests.fakes.server import FakeUpstream
from tests.gateway.test_pii_e2e import EMAIL, org_with_policy
from tests.harness import RunningGateway

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather in a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
CITY_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}


def client(gateway: RunningGateway, correlation_id: str | None = None) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=gateway.openai_base_url,
        api_key=gateway.api_key,
        max_retries=0,
        default_headers={"X-Request-ID": correlation_id} if correlation_id else None,
    )


@pytest.fixture(params=["gpt-4o-mini", "azure-gpt-4o", "claude", "gemini"])
def model(request: pytest.FixtureRequest) -> str:
    return request.param


def test_plain_text_usage_and_records(gateway: RunningGateway, model: str) -> None:
    correlation_id = f"resp-{uuid.uuid4().hex}"
    response = client(gateway, correlation_id).responses.create(
        model=model,
        instructions="Be brief.",
        input="hello from the responses api",
        max_output_tokens=100,
        temperature=0.5,
    )
    assert response.object == "response" and response.status == "completed"
    assert response.id.startswith("resp_")
    assert response.model.startswith(model)  # OpenAI's own answer names its snapshot
    assert "hello from the responses api" in response.output_text
    assert response.output[0].type == "message"
    assert response.usage is not None and response.usage.output_tokens > 0
    assert response.usage.total_tokens == (
        response.usage.input_tokens + response.usage.output_tokens
    )
    assert response.max_output_tokens == 100 and response.temperature == 0.5
    (usage,) = gateway.rows("usage_records", correlation_id=correlation_id)
    assert usage["output_tokens"] == response.usage.output_tokens
    decisions = gateway.rows("decisions", correlation_id=correlation_id)
    assert decisions and all("api:responses" in d["tags"] for d in decisions)


def test_input_items_reach_the_upstream_as_chat(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    image = "data:image/png;base64,iVBORw0KGgo="
    response = client(gateway).responses.create(
        model="chat-only-gpt",  # an OpenAI-compatible server without /v1/responses
        instructions="Answer in French.",
        input=[
            {"role": "user", "content": "first question"},
            {"role": "assistant", "content": "first answer"},
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "what is in"},
                    {"type": "input_image", "image_url": image, "detail": "low"},
                ],
            },
        ],
    )
    assert response.output_text == "echo: what is in"
    sent = fake_openai.received[-1].body
    assert sent["messages"] == [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "what is in"},
                {"type": "image_url", "image_url": {"url": image, "detail": "low"}},
            ],
        },
    ]


def test_streamed_events(gateway: RunningGateway, model: str) -> None:
    correlation_id = f"resp-{uuid.uuid4().hex}"
    stream = client(gateway, correlation_id).responses.create(
        model=model, input="stream me back", stream=True
    )
    events = list(stream)
    kinds = [event.type for event in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] == "response.completed"
    for kind in (
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
    ):
        assert kind in kinds
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert "stream me back" in text
    completed = events[-1].response
    assert completed.output_text == text
    assert completed.usage is not None and completed.usage.output_tokens > 0
    (usage,) = gateway.rows("usage_records", correlation_id=correlation_id)
    assert usage["output_tokens"] == completed.usage.output_tokens


def test_the_sdk_stream_helper_assembles_the_response(gateway: RunningGateway) -> None:
    with client(gateway).responses.stream(model="claude", input="helper stream") as stream:
        text = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert final.output_text == text and "helper stream" in text


def test_function_tool_round_trip(gateway: RunningGateway, model: str) -> None:
    sdk = client(gateway)
    first = sdk.responses.create(
        model=f"{model}-tools", input="Paris", tools=[WEATHER], tool_choice="auto"
    )
    (call,) = [item for item in first.output if item.type == "function_call"]
    assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "Paris"}
    assert call.call_id and first.tools[0].name == "get_weather"
    second = sdk.responses.create(
        model=f"{model}-tools",
        tools=[WEATHER],
        input=[
            {"role": "user", "content": "Paris"},
            {
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            },
            {"type": "function_call_output", "call_id": call.call_id, "output": "sunny, 21 C"},
        ],
    )
    assert "sunny" in second.output_text


def test_streamed_function_call(gateway: RunningGateway, model: str) -> None:
    events = list(
        client(gateway).responses.create(
            model=f"{model}-tools", input="Paris", tools=[WEATHER], stream=True
        )
    )
    kinds = [event.type for event in events]
    assert "response.function_call_arguments.delta" in kinds
    (done,) = [e for e in events if e.type == "response.function_call_arguments.done"]
    assert json.loads(done.arguments) == {"city": "Paris"}
    (call,) = [i for i in events[-1].response.output if i.type == "function_call"]
    assert call.name == "get_weather" and call.arguments == done.arguments


def test_json_schema_output_reaches_each_provider(
    gateway: RunningGateway,
    model: str,
    fake_openai: FakeUpstream,
    fake_anthropic: FakeUpstream,
    fake_gemini: FakeUpstream,
) -> None:
    text_format = {"type": "json_schema", "name": "city", "schema": CITY_SCHEMA, "strict": True}
    response = client(gateway).responses.create(
        model=model, input="name a city", text={"format": text_format}
    )
    assert response.text is not None and response.text.format.type == "json_schema"
    fake = {"claude": fake_anthropic, "gemini": fake_gemini}.get(model, fake_openai)
    sent = json.dumps(fake.received[-1].body)
    assert '"additionalProperties": false' in sent  # the schema went upstream, in its dialect
    if model == "gpt-4o-mini":  # OpenAI speaks the Responses API: sent as it came
        assert fake.received[-1].body["text"] == {"format": text_format}
    if model == "azure-gpt-4o":
        assert fake.received[-1].body["response_format"] == {
            "type": "json_schema",
            "json_schema": {"name": "city", "schema": CITY_SCHEMA, "strict": True},
        }


def test_pii_is_tokenized_upstream_and_restored(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    policy_client = org_with_policy(
        gateway, {"toolAccessMatrix": {"ai.generate": {"email": "tokenize"}}}
    )
    text = f"mail {EMAIL} now"
    response = policy_client.responses.create(model="gpt-4o-mini", input=text)
    assert EMAIL not in str(fake_openai.received[-1].body)
    assert response.output_text == f"echo: {text}"
    events = list(policy_client.responses.create(model="gpt-4o-mini", input=text, stream=True))
    assert EMAIL not in str(fake_openai.received[-1].body)
    streamed = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert streamed == f"echo: {text}"
    assert events[-1].response.output_text == f"echo: {text}"


def test_stored_state_is_a_clear_400(gateway: RunningGateway) -> None:
    sdk = client(gateway)
    for extra in ({"previous_response_id": "resp_123"}, {"store": True}):
        with pytest.raises(openai.BadRequestError) as caught:
            sdk.responses.create(model="gpt-4o-mini", input="x", **extra)
        error = caught.value.body
        assert isinstance(error, dict)
        assert error["code"] == "stored_responses_unsupported"
        assert error["param"] == next(iter(extra))
        assert "stores no responses" in error["message"]
    assert sdk.responses.create(model="echo", input="x", store=False).output_text == "x"


def test_errors_come_in_openai_shape(gateway: RunningGateway) -> None:
    sdk = client(gateway)
    with pytest.raises(openai.NotFoundError) as not_found:
        sdk.responses.create(model="nope", input="x")
    assert not_found.value.code == "model_not_found"
    with pytest.raises(openai.BadRequestError) as bad_tool:
        sdk.responses.create(model="echo", input="x", tools=[{"type": "web_search"}])
    assert bad_tool.value.param == "tools[0].type"
    with pytest.raises(openai.InternalServerError):
        sdk.responses.create(model="gpt-4o-mini-error-500", input="x")
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(
            base_url=gateway.openai_base_url, api_key="wrong", max_retries=0
        ).responses.create(model="echo", input="x")


def test_a_cut_stream_ends_with_a_failed_response(gateway: RunningGateway) -> None:
    events = list(
        client(gateway).responses.create(model="gpt-4o-mini-cut", input="a b c d e", stream=True)
    )
    kinds = [event.type for event in events]
    assert "response.completed" not in kinds
    assert kinds[-2:] == ["error", "response.failed"]
    assert events[-1].response.status == "failed"


def test_the_output_policy_masks_and_denies_in_responses_shape(gateway: RunningGateway) -> None:
    headers = {"X-Governs-Tool": "crm.lookup"}  # the request may carry the email; output may not
    masking = org_with_policy(
        gateway,
        {
            "toolAccessMatrix": {
                "crm.lookup": {"email": "pass_through"},
                "ai.generate": {"email": "mask"},
            }
        },
    )
    whole = masking.responses.create(model="claude", input=f"repeat {EMAIL}", extra_headers=headers)
    assert whole.output_text.endswith("repeat j***@example.com")  # each fake echoes its way
    events = list(
        masking.responses.create(
            model="gemini", input=f"repeat {EMAIL}", extra_headers=headers, stream=True
        )
    )
    assert events[-1].response.output_text.endswith("repeat j***@example.com")
    denying = org_with_policy(
        gateway,
        {
            "toolAccessMatrix": {
                "crm.lookup": {"email": "pass_through"},
                "ai.generate": {"email": "deny"},
            }
        },
    )
    with pytest.raises(openai.PermissionDeniedError) as caught:
        denying.responses.create(
            model="gpt-4o-mini", input=f"repeat {EMAIL}", extra_headers=headers
        )
    assert caught.value.code == "policy_denied"
    events = list(
        denying.responses.create(
            model="gpt-4o-mini", input=f"repeat {EMAIL}", extra_headers=headers, stream=True
        )
    )
    assert [e.type for e in events][-2:] == ["error", "response.failed"]
    assert events[-2].code == "policy_denied"
    assert EMAIL not in "".join(e.delta for e in events if e.type == "response.output_text.delta")


def test_parallel_tool_calls_whose_deltas_interleave(gateway: RunningGateway) -> None:
    """The chat upstream streams two calls' argument pieces taking turns (call 0, call 1,
    call 0...): each function_call item gets its own arguments, one item open at a time."""
    events = list(
        client(gateway).responses.create(
            model="chat-only-gpt-parallel-tools",
            input="weather in two cities",
            tools=[WEATHER],
            stream=True,
        )
    )
    open_item: str | None = None
    arguments: dict[str, str] = {}
    for event in events:
        if event.type == "response.output_item.added":
            assert open_item is None, "an item was added before the last one was done"
            open_item = event.item.id
            arguments[event.item.id] = ""
        elif event.type == "response.function_call_arguments.delta":
            assert event.item_id == open_item, "a delta for an item that is not open"
            arguments[event.item_id] += event.delta
        elif event.type == "response.function_call_arguments.done":
            assert arguments[event.item_id] == event.arguments
        elif event.type == "response.output_item.done":
            assert event.item.id == open_item
            open_item = None
    calls = [i for i in events[-1].response.output if i.type == "function_call"]
    assert [json.loads(c.arguments) for c in calls] == [{"city": "Paris"}, {"city": "Lyon"}]
    assert list(arguments.values()) == [c.arguments for c in calls]
    assert len({c.call_id for c in calls}) == 2
