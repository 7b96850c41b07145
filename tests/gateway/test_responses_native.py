"""``POST /v1/responses`` forwarded untranslated to providers that speak the Responses API.

The real ``openai`` SDK through the running gateway to the fake OpenAI upstream's own
``/v1/responses`` (``tests.fakes.openai_responses``: OpenAI's JSON and event stream), with a PII
policy that tokenizes emails and removes card numbers: what the provider received holds no raw
value, in every field it takes; what the client got back is restored, placeholders split across
deltas included. A model whose deployments do not all speak it is still translated to chat.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import openai
import pytest

from tests.fakes.server import FakeUpstream
from tests.gateway.test_pii_e2e import CARD, EMAIL, org_with_policy
from tests.gateway.test_responses_api import client
from tests.harness import RunningGateway

# The default row: a call's arguments and output are governed by the tool called (send_mail).
POLICY = {"toolAccessMatrix": {"default": {"email": "tokenize", "credit_card": "remove"}}}
SEND_MAIL = {
    "type": "function",
    "name": "send_mail",
    "description": f"Sends mail; the default sender is {EMAIL}",
    "parameters": {
        "type": "object",
        "properties": {"to": {"type": "string", "description": f"for example {EMAIL}"}},
        "required": ["to"],
    },
}
CONTACT_SCHEMA = {
    "type": "object",
    "description": f"a contact like {EMAIL}",
    "properties": {"email": {"type": "string"}},
    "required": ["email"],
    "additionalProperties": False,
}


def conversation(question: str) -> list[dict[str, Any]]:
    """Every kind of input item, PII in each: a message, a call, its output, a last question."""
    return [
        {"role": "user", "content": f"write to {EMAIL}"},
        {
            "type": "function_call",
            "call_id": "call_1",
            "name": "send_mail",
            "arguments": json.dumps({"to": EMAIL, "card": CARD}),
        },
        {"type": "function_call_output", "call_id": "call_1", "output": f"sent to {EMAIL}"},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": question}]},
    ]


def received(fake: FakeUpstream) -> dict[str, Any]:
    request = fake.received[-1]
    assert request.path == "/v1/responses"
    assert isinstance(request.body, dict)
    return request.body


def assert_no_raw_pii(body: dict[str, Any]) -> None:
    sent = json.dumps(body)
    assert EMAIL not in sent and CARD not in sent
    assert "<EMAIL_1>" in sent and "[REDACTED_CREDIT_CARD]" in sent


def test_a_plain_answer_is_the_providers_own(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    correlation_id = f"native-{uuid.uuid4().hex}"
    response = client(gateway, correlation_id).responses.create(
        model="gpt-4o-mini",
        instructions="Be brief.",
        input="hello natively",
        max_output_tokens=50,
        reasoning={"effort": "low"},  # no chat equivalent: forwarded as it is
        store=False,
    )
    body = received(fake_openai)
    assert body["input"] == "hello natively" and body["instructions"] == "Be brief."
    assert body["store"] is False and body["reasoning"] == {"effort": "low"}
    assert body["model"] == "gpt-4o-mini" and body["max_output_tokens"] == 50
    assert response.id.startswith("resp_fake")  # the provider's id, not a translation's
    assert response.output_text == "echo: hello natively"
    assert response.usage is not None
    (usage,) = gateway.rows("usage_records", correlation_id=correlation_id)
    assert usage["input_tokens"] == response.usage.input_tokens
    assert usage["output_tokens"] == response.usage.output_tokens
    assert usage["metadata"]["estimated"] is False
    decisions = gateway.rows("decisions", correlation_id=correlation_id)
    assert {d["direction"] for d in decisions} == {"precheck", "postcheck"}
    assert all("api:responses" in d["tags"] for d in decisions)


def test_store_is_never_forwarded_true(gateway: RunningGateway, fake_openai: FakeUpstream) -> None:
    client(gateway).responses.create(model="gpt-4o-mini", input="no store given")
    assert received(fake_openai)["store"] is False  # OpenAI's default is true: sent explicitly
    with pytest.raises(openai.BadRequestError) as caught:
        client(gateway).responses.create(
            model="gpt-4o-mini", input="x", previous_response_id="resp_1"
        )
    assert caught.value.code == "stored_responses_unsupported"


def test_every_field_is_checked_and_the_answer_restored(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    sdk = org_with_policy(gateway, POLICY)
    question = f"mail {EMAIL} card {CARD}"
    response = sdk.responses.create(
        model="gpt-4o-mini",
        instructions=f"You work for {EMAIL}.",
        input=conversation(question),
        tools=[SEND_MAIL],
        metadata={"note": f"from {EMAIL}"},
        text={"format": {"type": "json_schema", "name": "contact", "schema": CONTACT_SCHEMA}},
    )
    body = received(fake_openai)
    assert_no_raw_pii(body)
    # The call's arguments are still JSON, rewritten value by value.
    arguments = json.loads(body["input"][1]["arguments"])
    assert arguments == {"to": "<EMAIL_1>", "card": "[REDACTED_CREDIT_CARD]"}
    assert body["input"][2]["output"] == "sent to <EMAIL_1>"
    assert body["instructions"] == "You work for <EMAIL_1>."
    assert body["tools"][0]["name"] == "send_mail"
    assert body["text"]["format"]["schema"]["description"] == "a contact like <EMAIL_1>"
    # The answer, and what it repeats of the request, come back with the client's values.
    assert response.output_text == f"echo: mail {EMAIL} card [REDACTED_CREDIT_CARD]"
    assert response.instructions == f"You work for {EMAIL}."
    assert response.metadata == {"note": f"from {EMAIL}"}
    assert response.tools[0].description == f"Sends mail; the default sender is {EMAIL}"


def test_a_stream_is_restored_across_deltas(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    sdk = org_with_policy(gateway, POLICY)
    question = f"mail {EMAIL} card {CARD}"
    events = list(
        sdk.responses.create(model="gpt-4o-mini", input=conversation(question), stream=True)
    )
    assert_no_raw_pii(received(fake_openai))
    upstream_deltas = [
        json.loads(line[6:])["delta"]
        for line in fake_openai.sent[-1].decode().splitlines()
        if line.startswith("data: ") and '"response.output_text.delta"' in line
    ]
    # The provider split its placeholder across deltas: no delta holds all of it.
    assert "<EMAIL_1>" in "".join(upstream_deltas)
    assert not any("<EMAIL_1>" in delta for delta in upstream_deltas)
    expected = f"echo: mail {EMAIL} card [REDACTED_CREDIT_CARD]"
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(deltas) == expected and len(deltas) > 1
    (done,) = [e for e in events if e.type == "response.output_text.done"]
    assert done.text == expected
    (item,) = [e.item for e in events if e.type == "response.output_item.done"]
    assert item.type == "message" and item.content[0].text == expected
    assert events[-1].type == "response.completed"
    assert events[-1].response.output_text == expected
    assert [e.sequence_number for e in events] == list(range(len(events)))


@pytest.mark.parametrize("stream", [False, True])
def test_function_calls_come_back_restored(
    gateway: RunningGateway, fake_openai: FakeUpstream, stream: bool
) -> None:
    sdk = org_with_policy(gateway, POLICY)
    asked: dict[str, Any] = {
        "model": "gpt-4o-mini-tools-echo",
        "input": f"to {EMAIL}",
        "tools": [SEND_MAIL],
        "tool_choice": "required",
    }
    if not stream:
        response = sdk.responses.create(**asked)
    else:
        events = list(sdk.responses.create(**asked, stream=True))
        deltas = "".join(
            e.delta for e in events if e.type == "response.function_call_arguments.delta"
        )
        (done,) = [e for e in events if e.type == "response.function_call_arguments.done"]
        assert json.loads(deltas) == json.loads(done.arguments) == {"city": f"to {EMAIL}"}
        response = events[-1].response
    assert EMAIL not in json.dumps(received(fake_openai))
    (call,) = [item for item in response.output if item.type == "function_call"]
    assert call.name == "send_mail"
    assert json.loads(call.arguments) == {"city": f"to {EMAIL}"}


def test_a_json_schema_format_goes_as_it_is(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    text_format = {"type": "json_schema", "name": "contact", "schema": CONTACT_SCHEMA}
    response = client(gateway).responses.create(
        model="gpt-4o-mini", input="a contact", text={"format": text_format}
    )
    assert received(fake_openai)["text"] == {"format": text_format}
    assert response.text is not None and response.text.format.type == "json_schema"


def test_azure_with_the_responses_api_on(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    response = client(gateway).responses.create(model="azure-responses-gpt-4o", input="azure")
    request = fake_openai.received[-1]
    assert request.path == "/openai/v1/responses" and not request.query
    assert request.body["model"] == "my-gpt-4o-deployment"
    assert response.output_text == "echo: azure"


@pytest.mark.parametrize(
    ("model", "fake_name", "path"),
    [
        ("claude", "anthropic", "/v1/messages"),
        ("chat-only-gpt", "openai", "/v1/chat/completions"),  # `responses_api: false`
        ("falls-back-to-claude", "openai", "/v1/chat/completions"),  # a fallback does not
    ],
)
def test_other_providers_are_translated(
    gateway: RunningGateway,
    fake_openai: FakeUpstream,
    fake_anthropic: FakeUpstream,
    model: str,
    fake_name: str,
    path: str,
) -> None:
    fake = {"openai": fake_openai, "anthropic": fake_anthropic}[fake_name]
    seen = len(fake.received)
    response = client(gateway).responses.create(model=model, input="translate me")
    assert "translate me" in response.output_text
    assert [r.path for r in fake.received[seen:]][:1] == [path]
