"""``POST /v1/completions`` and ``GET /v1/models/{id}`` with the real ``openai`` SDK."""

from __future__ import annotations

import uuid

import httpx
import openai
import pytest

from tests.fakes.server import FakeUpstream
from tests.gateway.test_pii_e2e import EMAIL, org_with_policy
from tests.harness import RunningGateway


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


def test_completion_usage_and_records(gateway: RunningGateway, model: str) -> None:
    correlation_id = f"cmpl-{uuid.uuid4().hex}"
    completion = client(gateway, correlation_id).completions.create(
        model=model, prompt="complete this", max_tokens=50, temperature=0
    )
    assert completion.object == "text_completion" and completion.id.startswith("cmpl-")
    assert completion.model == model
    (choice,) = completion.choices
    assert "complete this" in choice.text and choice.finish_reason == "stop"
    assert completion.usage is not None and completion.usage.completion_tokens > 0
    (usage,) = gateway.rows("usage_records", correlation_id=correlation_id)
    assert usage["output_tokens"] == completion.usage.completion_tokens
    decisions = gateway.rows("decisions", correlation_id=correlation_id)
    assert decisions and all("api:completions" in d["tags"] for d in decisions)


def test_the_prompt_is_one_user_message_with_openais_default_max_tokens(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client(gateway).completions.create(model="gpt-4o-mini", prompt=["only prompt"], stop=["\n"])
    sent = fake_openai.received[-1].body
    assert sent["messages"] == [{"role": "user", "content": "only prompt"}]
    assert sent["max_tokens"] == 16 and sent["stop"] == ["\n"]


def test_streamed_completion(gateway: RunningGateway, model: str) -> None:
    correlation_id = f"cmpl-{uuid.uuid4().hex}"
    chunks = list(
        client(gateway, correlation_id).completions.create(
            model=model,
            prompt="stream me back",
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert all(c.object == "text_completion" for c in chunks)
    text = "".join(c.choices[0].text for c in chunks if c.choices)
    assert "stream me back" in text
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens > 0
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    (usage,) = gateway.rows("usage_records", correlation_id=correlation_id)
    assert usage["output_tokens"] == chunks[-1].usage.completion_tokens


def test_pii_is_tokenized_upstream_and_restored(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    policy_client = org_with_policy(
        gateway, {"toolAccessMatrix": {"ai.generate": {"email": "tokenize"}}}
    )
    prompt = f"mail {EMAIL} now"
    completion = policy_client.completions.create(model="gpt-4o-mini", prompt=prompt)
    assert EMAIL not in str(fake_openai.received[-1].body)
    assert completion.choices[0].text == f"echo: {prompt}"
    stream = policy_client.completions.create(model="gpt-4o-mini", prompt=prompt, stream=True)
    assert "".join(c.choices[0].text for c in stream if c.choices) == f"echo: {prompt}"
    assert EMAIL not in str(fake_openai.received[-1].body)


def test_what_needs_a_raw_completion_model_is_a_clear_400(gateway: RunningGateway) -> None:
    sdk = client(gateway)
    for extra in ({"echo": True}, {"suffix": "end"}, {"logprobs": 2}, {"best_of": 3}):
        with pytest.raises(openai.BadRequestError) as caught:
            sdk.completions.create(model="echo", prompt="x", **extra)
        assert caught.value.param == next(iter(extra))
    for prompt in (["a", "b"], [1, 2, 3], ""):
        with pytest.raises(openai.BadRequestError) as caught:
            sdk.completions.create(model="echo", prompt=prompt)
        assert caught.value.param == "prompt"
    with pytest.raises(openai.NotFoundError):
        sdk.completions.create(model="nope", prompt="x")


def test_retrieve_a_model(gateway: RunningGateway) -> None:
    sdk = client(gateway)
    listed = {m.id: m for m in sdk.models.list()}
    for name in ("gpt-4o-mini", "claude", "azure-gpt-4o"):
        model = sdk.models.retrieve(name)
        assert model.model_dump() == listed[name].model_dump()
    direct = sdk.models.retrieve("fake-openai/gpt-4o-mini")  # a provider/model name has a slash
    assert direct.id == "fake-openai/gpt-4o-mini" and direct.owned_by == "fake-openai"
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.models.retrieve("no-such-model")
    assert caught.value.code == "model_not_found"
    unauthenticated = httpx.get(f"{gateway.openai_base_url}/models/claude")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"]["code"] == "missing_api_key"
