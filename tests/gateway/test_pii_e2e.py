"""PII policies through the running gateway: no raw value a policy covers reaches the fake
upstream, tokens come back restored (streamed or not), denials never leave the gateway."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import openai
import pytest

from core.storage import keys as key_queries
from core.storage.database import create_engine, session_factory
from governs.cli_policies import PolicyBody, apply_policy
from tests.fakes.server import FakeUpstream
from tests.harness import RunningGateway

EMAIL = "jane.doe@example.com"
SSN = "536-22-1845"
PHONE = "+1 415 555 0100"
CARD = "4242 4242 4242 4242"


async def _org_with_key(gateway: RunningGateway, slug: str) -> str:
    engine = create_engine(gateway.settings.database)
    try:
        async with session_factory(engine).begin() as session:
            org = await key_queries.get_or_create_org(session, slug)
            _, secret = await key_queries.create_key(
                session, org, label="pii", scopes=("precheck:invoke",)
            )
            return secret
    finally:
        await engine.dispose()


def org_with_policy(gateway: RunningGateway, policy: dict[str, Any]) -> openai.OpenAI:
    """A new org with ``policy`` live in the gateway, and an SDK client for its key."""
    slug = f"pii-{uuid.uuid4().hex[:10]}"
    key = asyncio.run(_org_with_key(gateway, slug))
    body = PolicyBody.model_validate({"name": "test", **policy})
    asyncio.run(apply_policy(gateway.settings, slug, body))
    gateway.thread.run(gateway.gateway.policies.refresh())
    return openai.OpenAI(base_url=gateway.openai_base_url, api_key=key, max_retries=0)


def sent_upstream(fake: FakeUpstream) -> str:
    return str(fake.received[-1].body)


def test_tokenized_values_never_reach_the_upstream_and_come_back(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client = org_with_policy(
        gateway, {"toolAccessMatrix": {"ai.generate": {"email": "tokenize", "phone": "tokenize"}}}
    )
    text = f"Write to {EMAIL} or call {PHONE}, then {EMAIL} again"
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
    )
    upstream = sent_upstream(fake_openai)
    assert EMAIL not in upstream and PHONE not in upstream
    assert "Write to <EMAIL_1> or call <PHONE_1>, then <EMAIL_1> again" in upstream
    assert completion.choices[0].message.content == f"echo: {text}"


@pytest.mark.parametrize("model", ["gpt-4o-mini", "claude", "gemini"])
def test_streamed_tokens_are_restored_across_chunks(gateway: RunningGateway, model: str) -> None:
    client = org_with_policy(gateway, {"toolAccessMatrix": {"ai.generate": {"email": "tokenize"}}})
    text = f"mail {EMAIL} now"
    stream = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": text}], stream=True
    )
    received = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text in received
    assert "<EMAIL_1>" not in received


def test_mask_and_remove_keep_the_conversation_readable(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client = org_with_policy(
        gateway,
        {"toolAccessMatrix": {"ai.generate": {"email": "mask", "credit_card": "remove"}}},
    )
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"card {CARD}, mail {EMAIL}"}],
    )
    assert "card [REDACTED_CREDIT_CARD], mail j***@example.com" in sent_upstream(fake_openai)


def test_deny_is_403_and_never_reaches_the_upstream(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client = org_with_policy(gateway, {"toolAccessMatrix": {"ai.generate": {"ssn": "deny"}}})
    before = len(fake_openai.received)
    correlation_id = f"deny-{uuid.uuid4().hex}"
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": f"my ssn is {SSN}"}],
            extra_headers={"X-Request-ID": correlation_id},
        )
    error = caught.value.response.json()["error"]
    assert error["code"] == "policy_denied"
    assert "ssn" in error["message"] and "ai.generate" in error["message"]
    assert SSN not in caught.value.response.text
    assert len(fake_openai.received) == before
    (decision,) = gateway.rows("decisions", correlation_id=correlation_id)
    assert decision["decision"] == "deny"
    assert decision["detector_summary"]["piiDetected"] == [{"class": "ssn", "count": 1}]
    assert SSN not in str(decision)


def test_the_tool_header_picks_the_row_and_default_row_applies(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client = org_with_policy(
        gateway,
        {
            "toolAccessMatrix": {
                "crm.lookup": {"email": "pass_through"},
                "default": {"email": "remove"},
            }
        },
    )
    messages = [{"role": "user", "content": f"find {EMAIL}"}]
    client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, extra_headers={"X-Governs-Tool": "crm.lookup"}
    )
    assert EMAIL in sent_upstream(fake_openai)
    client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, extra_headers={"X-Governs-Tool": "web.search"}
    )
    assert EMAIL not in sent_upstream(fake_openai)
    assert "[REDACTED_EMAIL]" in sent_upstream(fake_openai)


def test_a_tool_message_is_governed_by_the_tool_that_produced_it(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client = org_with_policy(
        gateway,
        {
            "toolAccessMatrix": {
                "ai.generate": {"email": "pass_through"},
                "crm_lookup": {"email": "mask"},
            }
        },
    )
    messages = [
        {"role": "user", "content": f"who is {EMAIL}?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "crm_lookup", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": f"owner: {EMAIL}"},
    ]
    client.chat.completions.create(model="gpt-4o-mini", messages=messages)
    sent = fake_openai.received[-1].body["messages"]
    assert sent[0]["content"] == f"who is {EMAIL}?"
    assert sent[2]["content"] == "owner: j***@example.com"


def test_the_output_policy_applies_to_what_the_model_wrote(gateway: RunningGateway) -> None:
    client = org_with_policy(
        gateway,
        {
            "toolAccessMatrix": {
                "crm.lookup": {"email": "pass_through"},
                "ai.generate": {"email": "mask"},
            }
        },
    )
    messages = [{"role": "user", "content": f"repeat {EMAIL}"}]
    headers = {"X-Governs-Tool": "crm.lookup"}
    whole = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, extra_headers=headers
    )
    assert whole.choices[0].message.content == "echo: repeat j***@example.com"
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, extra_headers=headers, stream=True
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert streamed == "echo: repeat j***@example.com"


def test_restored_values_are_not_scanned_again(gateway: RunningGateway) -> None:
    client = org_with_policy(gateway, {"toolAccessMatrix": {"ai.generate": {"email": "tokenize"}}})
    # Output row = ai.generate tokenizes emails too; the restored email is the user's own.
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": EMAIL}]
    )
    assert completion.choices[0].message.content == f"echo: {EMAIL}"


def test_a_failing_detector_fails_closed_unless_the_policy_fails_open(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    catastrophic = {"class": "evil", "pattern": "(?:a|aa)+$", "score": 0.9}  # backtracks
    matrix = {"toolAccessMatrix": {"ai.generate": {"evil": "remove"}}}
    text = "a" * 60 + "!"
    closed = org_with_policy(gateway, {**matrix, "customRules": [catastrophic]})
    before = len(fake_openai.received)
    with pytest.raises(openai.APIStatusError) as caught:
        closed.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
        )
    assert caught.value.status_code == 503
    assert caught.value.response.json()["error"]["code"] == "pii_check_failed"
    assert len(fake_openai.received) == before

    open_ = org_with_policy(gateway, {**matrix, "customRules": [catastrophic], "onError": "pass"})
    completion = open_.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": text}]
    )
    assert completion.choices[0].message.content == f"echo: {text}"


def test_custom_rules_detect_org_specific_classes(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client = org_with_policy(
        gateway,
        {
            "toolAccessMatrix": {"ai.generate": {"employee_id": "tokenize"}},
            "customRules": [{"class": "employee_id", "pattern": r"EMP-\d{6}"}],
        },
    )
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "badge EMP-123456"}]
    )
    assert "EMP-123456" not in sent_upstream(fake_openai)
    assert "<EMPLOYEE_ID_1>" in sent_upstream(fake_openai)
    assert completion.choices[0].message.content == "echo: badge EMP-123456"


def test_a_policy_change_is_live_within_two_seconds(gateway: RunningGateway) -> None:
    slug = f"pii-{uuid.uuid4().hex[:10]}"
    key = asyncio.run(_org_with_key(gateway, slug))
    client = openai.OpenAI(base_url=gateway.openai_base_url, api_key=key, max_retries=0)
    messages = [{"role": "user", "content": f"my ssn is {SSN}"}]
    client.chat.completions.create(model="echo", messages=messages)  # no policy: allowed
    body = PolicyBody.model_validate(
        {"name": "p", "toolAccessMatrix": {"default": {"ssn": "deny"}}}
    )
    asyncio.run(apply_policy(gateway.settings, slug, body))
    changed = time.monotonic()
    while True:
        try:
            client.chat.completions.create(model="echo", messages=messages)
        except openai.PermissionDeniedError:
            break
        assert time.monotonic() - changed < 2.0, "the new policy was not live within 2 s"
        time.sleep(0.05)


def test_names_found_by_ner_are_masked(gateway: RunningGateway, fake_openai: FakeUpstream) -> None:
    client = org_with_policy(gateway, {"toolAccessMatrix": {"ai.generate": {"name": "mask"}}})
    assert gateway.thread.run(gateway.gateway.pii.ner_ready(), timeout=60)
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Please call Maria Gonzalez about the invoice."}],
    )
    sent = fake_openai.received[-1].body["messages"][0]["content"]
    assert "Maria Gonzalez" not in sent
    assert "M*** G***" in sent


def test_output_policy_keeps_a_stream_streaming(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    # The output row masks emails. The upstream sends its first word, then waits until the
    # client has it: the first word must not wait for the next one (it cannot grow into an
    # email), and the email is masked even though it arrives split across chunks.
    guarded = org_with_policy(
        gateway,
        {
            "toolAccessMatrix": {
                "crm.lookup": {"email": "pass_through"},
                "ai.generate": {"email": "mask"},
            }
        },
    )
    guarded = guarded.with_options(default_headers={"X-Governs-Tool": "crm.lookup"})
    fake_openai.gate.clear()
    opened = len(fake_openai.gate_opened)
    stream = guarded.chat.completions.create(
        model="gpt-4o-mini-gatedstream",
        messages=[{"role": "user", "content": f"write to {EMAIL} soon"}],
        stream=True,
    )
    text = ""
    for chunk in stream:
        piece = chunk.choices[0].delta.content if chunk.choices else None
        if piece:
            fake_openai.gate.set()  # the client has a word while the upstream waits
        text += piece or ""
    assert text == "echo: write to j***@example.com soon"
    assert fake_openai.gate_opened[opened:] == [True]


def test_tokenize_on_the_output_row_never_puts_another_value_in_the_answer(
    gateway: RunningGateway,
) -> None:
    # The request's phone is tokenized (<PHONE_1>); its email goes upstream as is and the
    # model writes it back. The output row tokenizes emails: the answer must hold the email
    # the model wrote, never a placeholder nor a value of the request's vault.
    client = org_with_policy(
        gateway,
        {
            "toolAccessMatrix": {
                "crm.lookup": {"email": "pass_through", "phone": "tokenize"},
                "ai.generate": {"email": "tokenize", "phone": "tokenize"},
            }
        },
    )
    messages = [{"role": "user", "content": f"call {PHONE} or mail {EMAIL}"}]
    headers = {"X-Governs-Tool": "crm.lookup"}
    whole = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, extra_headers=headers
    )
    assert whole.choices[0].message.content == f"echo: call {PHONE} or mail {EMAIL}"
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, extra_headers=headers, stream=True
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert streamed == f"echo: call {PHONE} or mail {EMAIL}"
