"""Upstream recovery: an open breaker lets a trial through as soon as its open time allows.

A provider reached through a cuttable TCP proxy goes away and comes back: the breaker opens
after its threshold, and once the provider is back traffic flows again within about the
outage's length (the open time starts at ``breaker_initial_reset_seconds`` and doubles per
failed trial), not after ``breaker_reset_seconds``. A trial whose client went away does not
hold the breaker half-open for ever.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.breaker import CircuitBreaker
from tests.fakes.openai_upstream import FAKE_OPENAI_KEY
from tests.fakes.server import FakeUpstream
from tests.fakes.tcp_proxy import CuttableProxy
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway

INITIAL_OPEN_SECONDS = 0.2


@pytest.fixture
def upstream_proxy(
    service_thread: ServiceThread, fake_openai: FakeUpstream
) -> Iterator[CuttableProxy]:
    proxy = CuttableProxy("127.0.0.1", fake_openai.port)
    service_thread.run(proxy.start())
    yield proxy
    service_thread.run(proxy.close())


@pytest.fixture
def running(
    service_thread: ServiceThread, upstream_proxy: CuttableProxy, tmp_path: Path
) -> Iterator[RunningGateway]:
    config = {
        "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'breaker.db'}"},
        "writer": {"spool_dir": str(tmp_path / "spool")},
        "routing": {
            "max_retries": 0,
            "breaker_failure_threshold": 2,
            "breaker_reset_seconds": 30,
            "breaker_initial_reset_seconds": INITIAL_OPEN_SECONDS,
        },
        "providers": [
            {
                "name": "flaky-net",
                "kind": "openai",
                "base_url": f"http://127.0.0.1:{upstream_proxy.port}/v1",
                "api_key": FAKE_OPENAI_KEY,
            }
        ],
        "models": [
            {"name": "flappy", "provider": "flaky-net", "upstream_model": "gpt-4o-mini"},
            {"name": "flappy-slow", "provider": "flaky-net", "upstream_model": "gpt-4o-mini-slow"},
        ],
    }
    gateway = start_gateway(service_thread, gateway_settings(config, bootstrap_key="gai_trial"))
    yield gateway
    gateway.stop()


def _call(gateway: RunningGateway, model: str) -> httpx.Response:
    return httpx.post(
        f"{gateway.openai_base_url}/chat/completions",
        headers={"Authorization": f"Bearer {gateway.api_key}"},
        json={"model": model, "messages": [{"role": "user", "content": "hi"}]},
        timeout=30,
    )


def _open_the_breaker(gateway: RunningGateway, proxy: CuttableProxy, model: str) -> None:
    gateway.thread.run(proxy.cut())
    assert [_call(gateway, model).status_code for _ in range(2)] == [502, 502]
    # Open now; on a slow machine its first open time may pass before the next call, which is
    # then a (failed) trial: the open time doubles until a call finds it open.
    for _ in range(5):
        refused = _call(gateway, model)
        if refused.status_code == 503:
            break
        assert refused.status_code == 502
    assert refused.json()["error"]["code"] == "no_healthy_deployment"


def _breaker(gateway: RunningGateway, model: str) -> CircuitBreaker:
    return gateway.gateway.router.resolve(model).routes[0].breaker


def test_traffic_flows_again_soon_after_the_upstream_returns(
    running: RunningGateway, upstream_proxy: CuttableProxy
) -> None:
    assert _call(running, "flappy").status_code == 200
    _open_the_breaker(running, upstream_proxy, "flappy")
    outage_ends = time.monotonic() + 1.0
    while time.monotonic() < outage_ends:  # clients keep calling through the outage
        assert _call(running, "flappy").status_code in {502, 503}
        time.sleep(0.05)
    running.thread.run(upstream_proxy.restore())
    back = time.monotonic()
    while (status := _call(running, "flappy").status_code) != 200:
        assert status == 503
        # 1 s of outage: the open time has grown to about 1.6 s, far below the 30 s cap.
        assert time.monotonic() - back < 5, "the breaker kept a recovered upstream away"
        time.sleep(0.05)
    assert [_call(running, "flappy").status_code for _ in range(3)] == [200, 200, 200]


async def test_a_trial_whose_client_went_away_frees_the_breaker(
    running: RunningGateway, upstream_proxy: CuttableProxy
) -> None:
    await asyncio.to_thread(_open_the_breaker, running, upstream_proxy, "flappy-slow")
    await asyncio.to_thread(running.thread.run, upstream_proxy.restore())
    async with asyncio.timeout(10):
        while _breaker(running, "flappy-slow").state != "half_open":
            await asyncio.sleep(0.02)
    async with httpx.AsyncClient(timeout=30) as client:
        trial = client.post(
            f"{running.openai_base_url}/chat/completions",
            headers={"Authorization": f"Bearer {running.api_key}"},
            json={"model": "flappy-slow", "messages": [{"role": "user", "content": "hi"}]},
        )
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):  # the slow upstream takes 0.2 s
                await trial
    await asyncio.sleep(0.1)  # the gateway sees the client gone and cancels the call
    after = await asyncio.to_thread(_call, running, "flappy-slow")
    assert after.status_code == 200, after.text
