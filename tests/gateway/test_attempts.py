"""Faults upstream: retries, fallbacks, timeouts, circuit breakers, a client that goes away."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import httpx
import openai
import pytest

from tests.fakes.openai_upstream import FAKE_OPENAI_KEY
from tests.fakes.server import FakeUpstream
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway

MESSAGES = [{"role": "user", "content": "keep going"}]


def call(gateway: RunningGateway, model: str) -> tuple[openai.types.chat.ChatCompletion, str]:
    correlation_id = f"attempts-{uuid.uuid4().hex}"
    sdk = openai.OpenAI(
        base_url=gateway.openai_base_url,
        api_key=gateway.api_key,
        max_retries=0,
        default_headers={"X-Request-ID": correlation_id},
    )
    return sdk.chat.completions.create(model=model, messages=MESSAGES), correlation_id


def postcheck_tags(gateway: RunningGateway, correlation_id: str) -> list[str]:
    (row,) = [
        d
        for d in gateway.rows("decisions", correlation_id=correlation_id)
        if d["direction"] == "postcheck"
    ]
    return row["tags"]


def test_a_failing_deployment_is_retried_on_the_healthy_one(gateway: RunningGateway) -> None:
    for _ in range(4):  # the weighted draw may start on either deployment
        completion, correlation_id = call(gateway, "two-deployments")
        assert "keep going" in (completion.choices[0].message.content or "")
        (usage,) = gateway.rows("usage_records", correlation_id=correlation_id)
        assert usage["provider"] == "fake-gemini"


def test_fallback_after_retries_with_every_attempt_tagged(gateway: RunningGateway) -> None:
    completion, correlation_id = call(gateway, "falls-back-to-claude")
    assert "keep going" in (completion.choices[0].message.content or "")
    tags = postcheck_tags(gateway, correlation_id)
    attempts = [t for t in tags if t.startswith("attempt:")]
    assert attempts == [
        "attempt:1:fake-openai/gpt-4o-mini-error-500:status_500",
        "attempt:2:fake-openai/gpt-4o-mini-error-500:status_500",
        "attempt:3:fake-openai/gpt-4o-mini-error-500:status_500",
        "attempt:4:fake-anthropic/claude-sonnet-4-5:ok",
    ]
    (usage,) = gateway.rows("usage_records", correlation_id=correlation_id)
    assert (usage["provider"], usage["model"]) == ("fake-anthropic", "claude")


def test_a_long_retry_after_moves_to_the_fallback_at_once(gateway: RunningGateway) -> None:
    started = time.monotonic()
    completion, correlation_id = call(gateway, "rate-limited-falls-back")
    assert time.monotonic() - started < 2  # the upstream asked for 7 s: not waited for
    assert completion.choices[0].message.content
    attempts = [t for t in postcheck_tags(gateway, correlation_id) if t.startswith("attempt:")]
    assert attempts[0].endswith(":status_429") and attempts[-1].endswith(":ok")
    assert len(attempts) == 2


def test_a_timeout_falls_back(gateway: RunningGateway) -> None:
    completion, correlation_id = call(gateway, "too-slow-falls-back")
    assert completion.choices[0].message.content
    attempts = [t for t in postcheck_tags(gateway, correlation_id) if t.startswith("attempt:")]
    # The model's own deadline is spent by its first attempt: no retry, straight to fallback.
    assert attempts == [
        "attempt:1:fake-openai/gpt-4o-mini-slow:upstream_timeout",
        "attempt:2:fake-gemini/gemini-2.5-flash:ok",
    ]


def test_a_client_error_is_not_retried_nor_fallen_back(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    before = len(fake_openai.received)
    with pytest.raises(openai.BadRequestError):
        call(gateway, "bad-request-no-retry")
    assert len(fake_openai.received) == before + 1


def test_every_retry_failing_returns_the_last_error_and_records_attempts(
    gateway: RunningGateway,
) -> None:
    correlation_id = f"attempts-{uuid.uuid4().hex}"
    response = httpx.post(
        f"{gateway.openai_base_url}/chat/completions",
        headers={"Authorization": f"Bearer {gateway.api_key}", "X-Request-ID": correlation_id},
        json={"model": "gpt-4o-mini-error-500", "messages": MESSAGES},
    )
    assert response.status_code == 500
    tags = postcheck_tags(gateway, correlation_id)
    assert len([t for t in tags if t.startswith("attempt:")]) == 3


def test_the_breaker_opens_and_stops_calling_a_failing_deployment(
    service_thread: ServiceThread, fake_openai: FakeUpstream, tmp_path: Path
) -> None:
    config = {
        "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'breaker.db'}"},
        "writer": {"spool_dir": str(tmp_path / "spool")},
        "routing": {"backoff_initial_seconds": 0.01, "breaker_failure_threshold": 3},
        "providers": [
            {
                "name": "up",
                "kind": "openai",
                "base_url": fake_openai.base_url,
                "api_key": FAKE_OPENAI_KEY,
            }
        ],
        "models": [
            {"name": "failing", "provider": "up", "upstream_model": "gpt-4o-mini-error-500"}
        ],
    }
    running = start_gateway(service_thread, gateway_settings(config, bootstrap_key="gai_breaker"))
    try:
        with pytest.raises(openai.InternalServerError):
            call(running, "failing")  # three failed attempts: the threshold
        before = len(fake_openai.received)
        with pytest.raises(openai.APIStatusError) as caught:
            call(running, "failing")
        assert caught.value.status_code == 503
        assert caught.value.response.json()["error"]["code"] == "no_healthy_deployment"
        assert len(fake_openai.received) == before  # the open breaker sent nothing upstream
    finally:
        running.stop()


async def test_a_client_that_goes_away_cancels_the_upstream_call_and_is_billed(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    marker = f"goes away {uuid.uuid4().hex}"
    correlation_id = f"attempts-{uuid.uuid4().hex}"
    async with httpx.AsyncClient() as client:
        request = asyncio.ensure_future(
            client.post(
                f"{gateway.openai_base_url}/chat/completions",
                headers={
                    "Authorization": f"Bearer {gateway.api_key}",
                    "X-Request-ID": correlation_id,
                },
                json={
                    "model": "gpt-4o-mini-slow",
                    "messages": [{"role": "user", "content": marker}],
                },
            )
        )
        # Leave once the provider has the request (it answers SLOW_SECONDS later): a fixed
        # wait would, on a loaded machine, leave before the gateway had sent it.
        async with asyncio.timeout(10):
            while not any(marker in str(r.body) for r in fake_openai.received[-20:]):
                await asyncio.sleep(0.002)
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
    async with asyncio.timeout(5):
        while marker not in fake_openai.cancelled:
            await asyncio.sleep(0.02)
    (usage,) = await asyncio.to_thread(gateway.rows, "usage_records", correlation_id=correlation_id)
    assert usage["input_tokens"] > 0 and usage["output_tokens"] == 0
    assert usage["metadata"]["estimated"] is True
    assert "client_disconnected" in await asyncio.to_thread(postcheck_tags, gateway, correlation_id)


async def test_a_client_leaving_mid_stream_cancels_the_upstream_and_is_billed(
    gateway: RunningGateway, fake_openai: FakeUpstream
) -> None:
    marker = f"leaves mid-stream {uuid.uuid4().hex}"
    correlation_id = f"attempts-{uuid.uuid4().hex}"
    async with httpx.AsyncClient() as client:
        async with client.stream(
            "POST",
            f"{gateway.openai_base_url}/chat/completions",
            headers={"Authorization": f"Bearer {gateway.api_key}", "X-Request-ID": correlation_id},
            json={
                "model": "gpt-4o-mini-slowstream",
                "stream": True,
                "messages": [{"role": "user", "content": marker}],
            },
        ) as response:
            async for line in response.aiter_lines():
                if '"content":"echo:"' in line:
                    break  # got the first word: leave
    async with asyncio.timeout(5):
        while marker not in fake_openai.cancelled:
            await asyncio.sleep(0.02)
    (usage,) = await asyncio.to_thread(gateway.rows, "usage_records", correlation_id=correlation_id)
    assert usage["output_tokens"] >= 1 and usage["metadata"]["estimated"] is True
    tags = await asyncio.to_thread(postcheck_tags, gateway, correlation_id)
    assert "stream:client_disconnected" in tags
