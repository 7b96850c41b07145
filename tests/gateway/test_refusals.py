"""Refusals a retry cannot change (budget, policy) say so with ``x-should-retry: false``; their
amounts are plain decimals; a request without max_tokens holds the model's own output limit."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from decimal import Decimal

import openai
import pytest

from core.settings import DatabaseConfig
from core.storage import keys as key_queries
from core.storage.database import create_engine, migrate, session_factory
from core.storage.models import Budget
from gateway.budgets.alerts import alert_text
from gateway.budgets.ledger import plain_usd
from governs.cli_policies import PolicyBody, apply_policy
from tests.conftest import TEST_BOOTSTRAP_KEY, proxy_config
from tests.fakes.server import FakeUpstream
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway

SHORT_OUTPUT = 1000  # the configured output limit of `gpt-4o-mini-short`


@pytest.fixture(scope="module")
def refusing(
    service_thread: ServiceThread,
    fake_openai: FakeUpstream,
    fake_anthropic: FakeUpstream,
    fake_gemini: FakeUpstream,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    directory = tmp_path_factory.mktemp("refusals")
    raw = proxy_config(
        {"openai": fake_openai, "anthropic": fake_anthropic, "gemini": fake_gemini},
        f"sqlite+aiosqlite:///{directory / 'governs.db'}",
        directory / "spool",
    )
    raw["models"].append(
        {
            "name": "gpt-4o-mini-short",
            "provider": "fake-openai",
            "upstream_model": "gpt-4o-mini",
            "input_cost_per_mtok": "0.15",
            "output_cost_per_mtok": "0.60",
            "max_output_tokens": SHORT_OUTPUT,
        }
    )
    running = start_gateway(service_thread, gateway_settings(raw, bootstrap_key=TEST_BOOTSTRAP_KEY))
    yield running
    running.stop()


async def _key_with_budget(database_url: str, limit: Decimal) -> tuple[str, str, str]:
    """A new org and key, the key bound by a monthly budget of ``limit``: (secret, key, org)."""
    engine = create_engine(DatabaseConfig(url=database_url))
    try:
        await migrate(engine)
        async with session_factory(engine).begin() as session:
            slug = f"refusals-{uuid.uuid4().hex[:10]}"
            org = await key_queries.get_or_create_org(session, slug)
            key, secret = await key_queries.create_key(
                session, org, label="metered", scopes=("precheck:invoke",)
            )
            session.add(
                Budget(
                    org_id=org.id, api_key_id=key.id, name="tiny", amount=limit, period="monthly"
                )
            )
            return secret, key.id, slug
    finally:
        await engine.dispose()


def _budget_bound_client(gateway: RunningGateway, limit: str) -> tuple[openai.OpenAI, str, str]:
    secret, key_id, slug = asyncio.run(
        _key_with_budget(gateway.settings.database.url, Decimal(limit))
    )
    gateway.thread.run(gateway.gateway.metering.directory.refresh())
    # The SDK's own default retry policy, made quick: it retries 429s unless told not to.
    client = openai.OpenAI(base_url=gateway.openai_base_url, api_key=secret, max_retries=3)
    return client, key_id, slug


def test_a_budget_refusal_is_not_retried_by_the_sdk(
    refusing: RunningGateway, fake_openai: FakeUpstream
) -> None:
    client, key_id, _ = _budget_bound_client(refusing, "0.000001")
    before = len(fake_openai.received)
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert caught.value.code == "budget_exceeded"
    refusals = [
        d
        for d in refusing.rows("decisions", api_key_id=key_id, decision="deny")
        if d["direction"] == "precheck"
    ]
    assert len(refusals) == 1  # one request reached the gateway: no retry
    assert len(fake_openai.received) == before


def test_budget_amounts_are_plain_decimals(refusing: RunningGateway) -> None:
    client, _, _ = _budget_bound_client(refusing, "0.000001")
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
        )
    message = caught.value.response.json()["error"]["message"]
    assert "E-" not in message, message
    assert "0.000001 USD)" in message and ": 0.00 USD spent" in message


def test_without_max_tokens_the_model_s_configured_output_limit_is_held(
    refusing: RunningGateway,
) -> None:
    # 1000 output tokens at $0.60/M is $0.0006: a $0.0005 budget refuses, naming that amount.
    client, _, _ = _budget_bound_client(refusing, "0.0005")
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini-short", messages=[{"role": "user", "content": "hi"}]
        )
    message = caught.value.response.json()["error"]["message"]
    held = Decimal(message.split("may cost up to ")[1].removesuffix(" USD"))
    assert Decimal("0.0006") < held < Decimal("0.00061"), message  # 1000 out + a short prompt
    # A $0.001 budget affords it (the default 32,768 tokens would be $0.0197).
    client, _, _ = _budget_bound_client(refusing, "0.001")
    answer = client.chat.completions.create(
        model="gpt-4o-mini-short", messages=[{"role": "user", "content": "hi"}]
    )
    assert answer.choices[0].message.content


def test_a_policy_refusal_says_not_to_retry(refusing: RunningGateway) -> None:
    secret, _, slug = asyncio.run(_key_with_budget(refusing.settings.database.url, Decimal(100)))
    body = PolicyBody.model_validate(
        {"name": "no ssn", "toolAccessMatrix": {"ai.generate": {"ssn": "deny"}}}
    )
    asyncio.run(apply_policy(refusing.settings, slug, body))
    refusing.thread.run(refusing.gateway.policies.refresh())
    client = openai.OpenAI(base_url=refusing.openai_base_url, api_key=secret, max_retries=0)
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "my ssn is 536-22-1845"}]
        )
    assert caught.value.response.headers["x-should-retry"] == "false"


def test_other_refusals_leave_retries_to_the_sdk(refusing: RunningGateway) -> None:
    # Only budget and policy refusals carry the header: a model without a price, refused to a
    # budget-bound key, is a configuration matter the SDK's own rules handle.
    client, _, _ = _budget_bound_client(refusing, "1")
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.chat.completions.create(
            model="unpriced-model", messages=[{"role": "user", "content": "hi"}]
        )
    assert "x-should-retry" not in caught.value.response.headers


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal(0).scaleb(-9), "0.00"),
        (Decimal("12.5"), "12.50"),
        (Decimal("100"), "100.00"),
        (Decimal("0.000135000"), "0.000135"),
        (Decimal("1E+3"), "1000.00"),
    ],
)
def test_plain_usd(amount: Decimal, text: str) -> None:
    assert plain_usd(amount) == text


def test_an_alert_log_names_the_budget_and_the_amount() -> None:
    alert = {
        "kind": "denied",
        "thresholdPercent": None,
        "spent": "0",
        "budget": {
            "id": "b1",
            "name": "team",
            "scope": "org",
            "periodKey": "2026-12",
            "limit": "10",
        },
    }
    text = alert_text(alert)
    assert "None" not in text
    assert text == (
        "budget alert: budget 'team' (b1, org, 2026-12) refused a request: "
        "0.00 USD spent of 10.00 USD"
    )
    threshold = alert_text({**alert, "kind": "threshold", "thresholdPercent": 80, "spent": "8"})
    assert "reached 80%: 8.00 USD spent of 10.00 USD" in threshold


def test_cost_and_budget_remaining_headers(refusing: RunningGateway) -> None:
    client, _, _ = _budget_bound_client(refusing, "1")
    client = client.with_options(max_retries=0)
    messages = [{"role": "user", "content": "what does it cost"}]
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", max_tokens=50, messages=messages
    )
    usage = raw.parse().usage
    assert usage is not None
    cost = (usage.prompt_tokens * Decimal("0.15") + usage.completion_tokens * Decimal("0.60")) / (
        10**6
    )
    assert Decimal(raw.headers["x-governs-cost"]) == cost
    assert Decimal(raw.headers["x-governs-budget-remaining"]) == 1 - cost
    refusing.thread.run(refusing.gateway.metering.budgets.wait_idle())  # the first one settled
    with client.chat.completions.with_streaming_response.create(
        model="gpt-4o-mini", max_tokens=50, messages=messages, stream=True
    ) as stream:
        # A stream's cost is not known when its headers go out: what was left as it started.
        assert "x-governs-cost" not in stream.headers
        assert Decimal(stream.headers["x-governs-budget-remaining"]) == 1 - cost
        list(stream.parse())


def test_no_budget_no_remaining_header(refusing: RunningGateway) -> None:
    raw = openai.OpenAI(
        base_url=refusing.openai_base_url, api_key=refusing.api_key, max_retries=0
    ).chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    )
    assert "x-governs-budget-remaining" not in raw.headers
    assert Decimal(raw.headers["x-governs-cost"]) > 0
    unpriced = openai.OpenAI(
        base_url=refusing.openai_base_url, api_key=refusing.api_key, max_retries=0
    ).chat.completions.with_raw_response.create(
        model="unpriced-model", messages=[{"role": "user", "content": "hi"}]
    )
    assert "x-governs-cost" not in unpriced.headers  # no price, no figure


def test_embeddings_say_what_they_cost(refusing: RunningGateway) -> None:
    client, _, _ = _budget_bound_client(refusing, "1")
    raw = client.with_options(max_retries=0).embeddings.with_raw_response.create(
        model="text-embedding-3-small", input="what does this cost"
    )
    usage = raw.parse().usage
    cost = usage.prompt_tokens * Decimal("0.02") / 10**6
    assert Decimal(raw.headers["x-governs-cost"]) == cost
    assert Decimal(raw.headers["x-governs-budget-remaining"]) == 1 - cost
