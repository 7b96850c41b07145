"""``/metrics`` on a running gateway reports what happened: requests and their latency, tokens
and cost as recorded, decisions by outcome, PII findings, budget denials, the DLQ."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from gateway.metrics import (
    METRICS,
    GatewayMetrics,
    request_metrics,
    upstream_finished,
    upstream_started,
)
from tests.fakes.openai_upstream import FAKE_OPENAI_KEY
from tests.fakes.server import FakeUpstream
from tests.gateway.live.support import Feed, chat, new_key, small_gateway
from tests.harness import RunningGateway, ServiceThread

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def running(
    service_thread: ServiceThread,
    fake_openai: FakeUpstream,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    gateway = small_gateway(
        service_thread,
        tmp_path_factory.mktemp("metrics"),
        providers=[
            {
                "name": "fake-openai",
                "kind": "openai",
                "base_url": fake_openai.base_url,
                "api_key": FAKE_OPENAI_KEY,
            }
        ],
        models=[
            {
                "name": "priced",
                "provider": "fake-openai",
                "upstream_model": "gpt-4o-mini",
                "input_cost_per_mtok": "0.15",
                "output_cost_per_mtok": "0.60",
            },
            {
                "name": "failing",
                "provider": "fake-openai",
                "upstream_model": "gpt-4o-mini-error-500",
            },
        ],
        routing={"max_retries": 0, "breaker_failure_threshold": 1000},
    )
    yield gateway
    gateway.stop()


def scrape(base_url: str, **headers: str) -> Samples:
    response = httpx.get(f"{base_url}/metrics", headers=headers)
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_proxied_requests_show_up_with_their_tokens_cost_and_decisions(
    running: RunningGateway,
) -> None:
    key = new_key(running, ("precheck:invoke",))
    before = scrape(running.base_url)
    ids = [f"metrics-{n}-{uuid.uuid4().hex}" for n in range(3)]
    for rid in ids:
        assert chat(running, key.secret, rid, model="priced") == 200
    assert chat(running, key.secret, f"metrics-bad-{uuid.uuid4().hex}", model="failing") == 500
    after = scrape(running.base_url)

    route = {"route": "/v1/chat/completions"}
    assert (
        grew(before, after, "governs_http_requests_total", **route, method="POST", status="200")
        == 3
    )
    assert (
        grew(before, after, "governs_http_requests_total", **route, method="POST", status="500")
        == 1
    )
    assert grew(before, after, "governs_request_duration_seconds_count", **route) == 4
    assert (
        grew(before, after, "governs_decisions_total", direction="precheck", decision="allow") == 4
    )
    assert (
        grew(before, after, "governs_decisions_total", direction="postcheck", decision="allow") == 3
    )
    assert (
        grew(before, after, "governs_decisions_total", direction="postcheck", decision="error") == 1
    )

    usage = [row for rid in ids for row in running.rows("usage_records", correlation_id=rid)]
    assert len(usage) == 3
    tokens = {"provider": "fake-openai", "model": "priced"}
    assert grew(before, after, "governs_tokens_total", **tokens, kind="input") == sum(
        u["input_tokens"] for u in usage
    )
    assert grew(before, after, "governs_tokens_total", **tokens, kind="output") == sum(
        u["output_tokens"] for u in usage
    )
    cost = grew(before, after, "governs_cost_usd_total", **tokens)
    assert Decimal(str(cost)).quantize(Decimal("1e-12")) == sum(u["cost"] for u in usage).quantize(
        Decimal("1e-12")
    )
    assert value(after, "governs_dlq_records") == 0
    assert value(after, "governs_records_dropped_total") == 0


async def test_ingested_decisions_count_their_pii_and_budget_denials_once(
    running: RunningGateway,
) -> None:
    key = new_key(running, ("ingest:write",))
    message = {
        "direction": "precheck",
        "decision": "deny",
        "payloadHash": "c" * 64,
        "reasons": ["budget.monthly_exceeded"],
        "detectorSummary": {
            "piiDetected": [{"class": "email", "count": 2}, {"class": "ssn", "count": 1}]
        },
        "idempotencyKey": uuid.uuid4().hex,
    }
    before = scrape(running.base_url)
    async with await Feed.open(running.base_url, key.secret) as feed:
        for _ in range(2):  # a client retrying: one decision
            assert (await feed.ask({"type": "INGEST", "data": message}))["type"] == "ACK"
    after = scrape(running.base_url)
    assert (
        grew(before, after, "governs_decisions_total", direction="precheck", decision="deny") == 1
    )
    assert grew(before, after, "governs_budget_denials_total") == 1
    assert (
        grew(
            before, after, "governs_pii_findings_total", direction="precheck", **{"class": "email"}
        )
        == 2
    )
    assert (
        grew(before, after, "governs_pii_findings_total", direction="precheck", **{"class": "ssn"})
        == 1
    )


def test_metrics_may_require_an_admin_key(service_thread: ServiceThread, tmp_path: Path) -> None:
    gateway = small_gateway(service_thread, tmp_path, metrics={"require_key": True})
    try:
        reader = new_key(gateway, ("decisions:read",))
        assert httpx.get(f"{gateway.base_url}/metrics").status_code == 401
        denied = httpx.get(
            f"{gateway.base_url}/metrics", headers={"Authorization": f"Bearer {reader.secret}"}
        )
        assert denied.status_code == 403
        scrape(gateway.base_url, Authorization=f"Bearer {gateway.api_key}")
    finally:
        gateway.stop()


def test_metrics_can_be_switched_off(service_thread: ServiceThread, tmp_path: Path) -> None:
    gateway = small_gateway(service_thread, tmp_path, metrics={"enabled": False})
    try:
        assert httpx.get(f"{gateway.base_url}/metrics").status_code == 404
        assert chat(gateway, gateway.api_key, f"no-metrics-{uuid.uuid4().hex}") == 200
    finally:
        gateway.stop()


# -- the latency split, on a small app of its own ---------------------------------------------

UPSTREAM_SECONDS = 0.2
OWN_SECONDS = 0.05


async def proxy_like(request: web.Request) -> web.Response:
    await asyncio.sleep(OWN_SECONDS / 2)  # "precheck"
    upstream_started(request)
    await asyncio.sleep(UPSTREAM_SECONDS)
    upstream_finished(request)
    await asyncio.sleep(OWN_SECONDS / 2)  # "postcheck"
    return web.json_response({})


@pytest.fixture
async def timed_app() -> AsyncIterator[tuple[str, GatewayMetrics]]:
    app = web.Application(middlewares=[request_metrics])
    app[METRICS] = metrics = GatewayMetrics()
    app.router.add_get("/proxy", proxy_like)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}", metrics
    await runner.cleanup()


async def test_total_time_splits_into_upstream_and_the_gateways_own(
    timed_app: tuple[str, GatewayMetrics],
) -> None:
    url, metrics = timed_app
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{url}/proxy")).status_code == 200
        assert (await client.get(f"{url}/nowhere")).status_code == 404
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in metrics.registry.collect()
        for s in family.samples
    }
    route = {"route": "/proxy"}
    total = value(samples, "governs_request_duration_seconds_sum", **route)
    upstream = value(samples, "governs_upstream_duration_seconds_sum", **route)
    overhead = value(samples, "governs_gateway_overhead_seconds_sum", **route)
    assert UPSTREAM_SECONDS <= upstream < UPSTREAM_SECONDS + 0.1
    assert OWN_SECONDS <= overhead < OWN_SECONDS + 0.1
    assert total == pytest.approx(upstream + overhead)
    assert (
        value(samples, "governs_http_requests_total", route="unmatched", method="GET", status="404")
        == 1
    )
    assert value(samples, "governs_upstream_duration_seconds_count", route="unmatched") == 0


def test_the_pipeline_marks_its_upstream_time(gateway: RunningGateway) -> None:
    for stream in (False, True):
        response = httpx.post(
            f"{gateway.openai_base_url}/chat/completions",
            headers={"Authorization": f"Bearer {gateway.api_key}"},
            json={
                "model": "gpt-4o-mini",
                "stream": stream,
                "messages": [{"role": "user", "content": "t"}],
            },
        )
        assert response.status_code == 200
    text = httpx.get(f"{gateway.base_url}/metrics").text
    pattern = r'governs_upstream_duration_seconds_count\{route="/v1/chat/completions"\} (\S+)'
    match = re.search(pattern, text)
    assert match is not None and float(match.group(1)) >= 2
    assert 'governs_gateway_overhead_seconds_count{route="/v1/chat/completions"}' in text
