"""``POST /v1/embeddings`` through the gateway with the openai SDK."""

from __future__ import annotations

import uuid
from decimal import Decimal

import openai
import pytest

from tests.fakes.server import FakeUpstream
from tests.gateway.test_pii_e2e import EMAIL, org_with_policy
from tests.harness import RunningGateway


def client(gateway: RunningGateway, correlation_id: str) -> openai.OpenAI:
    return openai.OpenAI(
        base_url=gateway.openai_base_url,
        api_key=gateway.api_key,
        max_retries=0,
        default_headers={"X-Request-ID": correlation_id},
    )


@pytest.mark.parametrize("model", ["text-embedding-3-small", "gemini-embedding"])
def test_embeddings_are_served_and_billed(gateway: RunningGateway, model: str) -> None:
    correlation_id = f"emb-{uuid.uuid4().hex}"
    result = client(gateway, correlation_id).embeddings.create(
        model=model, input=["first text here", "second"]
    )
    assert [item.index for item in result.data] == [0, 1]
    assert all(len(item.embedding) > 0 for item in result.data)
    (usage,) = gateway.rows("usage_records", correlation_id=correlation_id)
    assert usage["input_tokens"] > 0 and usage["output_tokens"] == 0
    assert usage["cost"] > Decimal(0)


def test_a_chat_only_provider_is_a_clear_400(gateway: RunningGateway) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client(gateway, f"emb-{uuid.uuid4().hex}").embeddings.create(model="claude", input="x")
    assert caught.value.response.json()["error"]["code"] == "embeddings_not_supported"


def test_embeddings_input_goes_through_the_pii_policy(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    sdk = org_with_policy(gateway, {"toolAccessMatrix": {"ai.generate": {"email": "mask"}}})
    sdk.embeddings.create(model="text-embedding-3-small", input=f"contact {EMAIL}")
    assert fake_openai.received[-1].body["input"] == "contact j***@example.com"
    denied = org_with_policy(gateway, {"toolAccessMatrix": {"ai.generate": {"email": "deny"}}})
    before = len(fake_openai.received)
    with pytest.raises(openai.PermissionDeniedError):
        denied.embeddings.create(model="text-embedding-3-small", input=f"contact {EMAIL}")
    assert len(fake_openai.received) == before
