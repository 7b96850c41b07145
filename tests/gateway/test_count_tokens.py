"""``POST /v1/messages/count_tokens`` with the real ``anthropic`` SDK, for every provider kind."""

from __future__ import annotations

import anthropic
import pytest

from tests.fakes import gemini_upstream
from tests.fakes.anthropic_upstream import COUNT_BASE
from tests.fakes.server import FakeUpstream
from tests.gateway.test_anthropic_messages import TOOLS
from tests.gateway.test_pii_e2e import EMAIL, org_with_policy
from tests.harness import RunningGateway


def client(gateway: RunningGateway, api_key: str | None = None) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=gateway.base_url, api_key=api_key or gateway.api_key, max_retries=0
    )


def test_anthropic_counts_itself(gateway: RunningGateway, fake_anthropic: FakeUpstream) -> None:
    counted = client(gateway).messages.count_tokens(
        model="claude",
        system="Be brief.",
        messages=[{"role": "user", "content": "how many tokens is this"}],
        tools=TOOLS,
    )
    sent = fake_anthropic.received[-1]
    assert sent.path == "/v1/messages/count_tokens"
    assert sent.body["model"] == "claude-sonnet-4-5" and "max_tokens" not in sent.body
    assert counted.input_tokens > COUNT_BASE  # the provider's own count
    assert counted.model_extra == {"estimated": False}


def test_gemini_counts_itself(gateway: RunningGateway, fake_gemini: FakeUpstream) -> None:
    counted = client(gateway).messages.count_tokens(
        model="gemini",
        system="Be brief.",
        messages=[{"role": "user", "content": "how many tokens is this"}],
        tools=TOOLS,
    )
    sent = fake_gemini.received[-1]
    assert sent.path.endswith("/models/gemini-2.5-flash:countTokens")
    assert set(sent.body["generateContentRequest"]) >= {"model", "contents", "tools"}
    assert counted.input_tokens > gemini_upstream.COUNT_BASE
    assert counted.model_extra == {"estimated": False}


@pytest.mark.parametrize("model", ["gpt-4o-mini", "azure-gpt-4o", "echo"])
def test_other_providers_get_the_bundled_estimate(
    gateway: RunningGateway, model: str, fake_openai: FakeUpstream
) -> None:
    calls_before = len(fake_openai.received)
    short = client(gateway).messages.count_tokens(
        model=model, messages=[{"role": "user", "content": "one two three"}]
    )
    longer = client(gateway).messages.count_tokens(
        model=model,
        messages=[{"role": "user", "content": "one two three " * 20}],
        tools=TOOLS,
    )
    assert 0 < short.input_tokens < longer.input_tokens < COUNT_BASE
    assert short.model_extra == {"estimated": True}
    assert len(fake_openai.received) == calls_before  # counting here calls no provider


def test_the_pii_policy_applies_before_the_provider_counts(
    gateway: RunningGateway, fake_anthropic: FakeUpstream
) -> None:
    tokenizing = org_with_policy(
        gateway, {"toolAccessMatrix": {"ai.generate": {"email": "tokenize"}}}
    )
    client(gateway, tokenizing.api_key).messages.count_tokens(
        model="claude", messages=[{"role": "user", "content": f"mail {EMAIL}"}]
    )
    assert EMAIL not in str(fake_anthropic.received[-1].body)
    denying = org_with_policy(gateway, {"toolAccessMatrix": {"ai.generate": {"email": "deny"}}})
    before = len(fake_anthropic.received)
    with pytest.raises(anthropic.PermissionDeniedError) as caught:
        client(gateway, denying.api_key).messages.count_tokens(
            model="claude", messages=[{"role": "user", "content": f"mail {EMAIL}"}]
        )
    assert caught.value.body["error"]["type"] == "permission_error"
    assert len(fake_anthropic.received) == before


def test_errors_come_in_anthropic_shape(gateway: RunningGateway) -> None:
    with pytest.raises(anthropic.NotFoundError) as not_found:
        client(gateway).messages.count_tokens(
            model="nope", messages=[{"role": "user", "content": "x"}]
        )
    assert not_found.value.body["error"]["type"] == "not_found_error"
    with pytest.raises(anthropic.BadRequestError) as bad:
        client(gateway).messages.count_tokens(model="claude", messages=[])
    assert bad.value.body["error"]["type"] == "invalid_request_error"
    with pytest.raises(anthropic.InternalServerError) as upstream:
        client(gateway).messages.count_tokens(
            model="claude-error-500", messages=[{"role": "user", "content": "x"}]
        )
    assert upstream.value.body["type"] == "error"
    with pytest.raises(anthropic.AuthenticationError):
        client(gateway, "wrong").messages.count_tokens(
            model="claude", messages=[{"role": "user", "content": "x"}]
        )
