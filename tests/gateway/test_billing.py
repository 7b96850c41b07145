"""Every route that reaches a provider records the same way on every ending (one ledger).

Chat, streamed chat, Anthropic messages (whole and streamed), embeddings, Responses (whole and
streamed; forwarded to the provider's own Responses API, and translated to chat for a provider
without it) and legacy completions, each ending four ways (done, upstream error, client gone
while the provider works, timeout), through a gateway on PostgreSQL with its budget ledger in a
real Redis: one precheck and one postcheck Decision each, a usage row when the provider was
reached and billed (done, client gone), none otherwise, the same rows whatever the front door;
and no budget hold left behind, with the spend in Redis equal to what the usage rows bill.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from core.storage import keys as key_queries
from core.storage.database import session_factory
from core.storage.models import Budget
from gateway.budgets.ledger import to_nanos
from tests.fakes.openai_upstream import FAKE_OPENAI_KEY, SLOW_SECONDS
from tests.fakes.server import FakeUpstream
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway
from tests.services import REDIS_URL

PRICES = {"input_cost_per_mtok": "0.15", "output_cost_per_mtok": "0.60"}
UPSTREAM = {
    "chat": "gpt-4o-mini",
    "stream": "gpt-4o-mini",
    "messages": "gpt-4o-mini",
    "messages_stream": "gpt-4o-mini",
    "embeddings": "text-embedding-3-small",
    "responses": "gpt-4o-mini",
    "responses_stream": "gpt-4o-mini",
    "responses_chat": "gpt-4o-mini",
    "responses_chat_stream": "gpt-4o-mini",
    "completions": "gpt-4o-mini",
}
ENDINGS = {  # ending -> (upstream suffix, model timeout)
    "done": ("", None),
    "upstream_error": ("-error-500", None),
    "client_gone": ("-slow", None),
    "timeout": ("-slow", SLOW_SECONDS / 4),
}
# Kinds served by a provider without the Responses API (/v1/responses translated to chat).
CHAT_ONLY = frozenset({"responses_chat", "responses_chat_stream"})


@pytest.fixture(scope="module")
def running(
    service_thread: ServiceThread,
    fake_openai: FakeUpstream,
    postgres_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    directory: Path = tmp_path_factory.mktemp("billing")
    models = [
        {
            "name": f"{kind}-{ending}",
            "provider": "up-chat" if kind in CHAT_ONLY else "up",
            "upstream_model": UPSTREAM[kind] + suffix,
            **PRICES,
            **({"timeout_seconds": timeout} if timeout else {}),
        }
        for kind in UPSTREAM
        for ending, (suffix, timeout) in ENDINGS.items()
    ]
    config = {
        "database": {"url": postgres_url},
        "redis": {"url": REDIS_URL},
        "writer": {"spool_dir": str(directory / "spool"), "flush_interval_seconds": 0.01},
        "routing": {"max_retries": 0, "breaker_failure_threshold": 1000},
        "providers": [
            {
                "name": "up",
                "kind": "openai",
                "base_url": fake_openai.base_url,
                "api_key": FAKE_OPENAI_KEY,
            },
            {
                "name": "up-chat",
                "kind": "openai",
                "base_url": fake_openai.base_url,
                "api_key": FAKE_OPENAI_KEY,
                "responses_api": False,
            },
        ],
        "models": models,
    }
    gateway = start_gateway(service_thread, gateway_settings(config, bootstrap_key="gai_bill"))
    yield gateway
    gateway.stop()


def _metered_key(running: RunningGateway) -> tuple[str, str]:
    """A key bound by a $10 budget: (secret, org id)."""

    async def make() -> tuple[str, str]:
        async with session_factory(running.gateway.engine).begin() as session:
            org = await key_queries.get_or_create_org(session, f"bill-{uuid.uuid4().hex[:10]}")
            key, secret = await key_queries.create_key(
                session, org, label="billed", scopes=("precheck:invoke",)
            )
            session.add(
                Budget(
                    org_id=org.id,
                    api_key_id=key.id,
                    name="key budget",
                    amount=Decimal(10),
                    period="monthly",
                )
            )
            return secret, org.id

    made = running.thread.run(make())
    running.thread.run(running.gateway.metering.directory.refresh())
    return made


def _request(kind: str, model: str, marker: str) -> tuple[str, dict[str, Any]]:
    if kind == "embeddings":
        return "/v1/embeddings", {"model": model, "input": [marker]}
    if kind.startswith("responses"):
        return "/v1/responses", {
            "model": model,
            "input": marker,
            "stream": kind.endswith("_stream"),
        }
    if kind == "completions":
        return "/v1/completions", {"model": model, "prompt": marker}
    body = {"model": model, "messages": [{"role": "user", "content": marker}]}
    if kind.startswith("messages"):
        return "/v1/messages", {**body, "max_tokens": 64, "stream": kind == "messages_stream"}
    return "/v1/chat/completions", {**body, "stream": kind == "stream"}


async def _send(
    running: RunningGateway, fake: FakeUpstream, key: str, kind: str, ending: str
) -> str:
    correlation_id = f"bill-{kind}-{ending}-{uuid.uuid4().hex}"
    marker = f"marker {correlation_id}"
    path, body = _request(kind, f"{kind}-{ending}", marker)
    headers = {"Authorization": f"Bearer {key}", "X-Request-ID": correlation_id}
    async with httpx.AsyncClient(timeout=30) as client:
        sent = asyncio.ensure_future(
            client.post(f"{running.base_url}{path}", headers=headers, json=body)
        )
        if ending == "client_gone":
            # Leave once the provider has the request (it answers SLOW_SECONDS later): a fixed
            # wait would, on a loaded machine, leave before the gateway had sent it.
            async with asyncio.timeout(10):
                while not any(marker in str(r.body) for r in fake.received[-20:]):
                    await asyncio.sleep(0.002)
            sent.cancel()
            with pytest.raises(asyncio.CancelledError):
                await sent
            return correlation_id
        response = await sent
    expected = {"done": 200, "upstream_error": 500, "timeout": 504}[ending]
    assert response.status_code == expected, response.text
    return correlation_id


async def _budget_counter(org_id: str) -> tuple[int, int]:
    redis = Redis.from_url(REDIS_URL)
    try:
        names = [
            n
            async for n in redis.scan_iter(match=f"governs:{{{org_id}}}:budget:*")
            if not n.endswith(b":holds")
        ]
        assert len(names) == 1, names
        spent, held = await redis.hmget(names[0], "spent", "held")
        return int(spent or 0), int(held or 0)
    finally:
        await redis.aclose()


def _shape(tag: str) -> str:
    """A tag without the deployment it names (``attempt:1:up/<model>:status_500``)."""
    if tag.startswith("attempt:"):
        number, _deployment, outcome = tag.removeprefix("attempt:").split(":", 2)
        return f"attempt:{number}:{outcome}"
    return tag


async def test_every_route_records_every_ending_the_same_way(
    running: RunningGateway, fake_openai: FakeUpstream
) -> None:
    secret, org_id = await asyncio.to_thread(_metered_key, running)
    sent = {
        (kind, ending): await _send(running, fake_openai, secret, kind, ending)
        for kind in UPSTREAM
        for ending in ENDINGS
    }
    missing = list(UPSTREAM)
    try:
        async with asyncio.timeout(5):  # the provider saw every client that left go
            while missing := [
                k
                for k in UPSTREAM
                if f"marker {sent[k, 'client_gone']}" not in fake_openai.cancelled
            ]:
                await asyncio.sleep(0.02)
    except TimeoutError:
        pytest.fail(f"the provider never saw these clients go: {missing}")
    await asyncio.sleep(0.2)  # the gateway's side of the cancellations runs

    billed = 0
    shapes: dict[str, set[tuple[object, ...]]] = {ending: set() for ending in ENDINGS}
    for (kind, ending), correlation_id in sent.items():
        rows = await asyncio.to_thread(running.rows, "decisions", correlation_id=correlation_id)
        (precheck,) = [d for d in rows if d["direction"] == "precheck"]
        (postcheck,) = [d for d in rows if d["direction"] == "postcheck"]
        usage = await asyncio.to_thread(
            running.rows, "usage_records", correlation_id=correlation_id
        )
        what = (kind, ending, postcheck["decision"], postcheck["tags"])
        if ending in ("done", "client_gone"):
            assert postcheck["decision"] == "allow", what
            assert len(usage) == 1, what
            assert usage[0]["input_tokens"] > 0 and usage[0]["cost"] > 0, what
            billed += to_nanos(Decimal(str(usage[0]["cost"])))
        else:
            assert postcheck["decision"] == "error", what
            assert usage == [], what
            status = "500" if ending == "upstream_error" else "504"
            assert f"status:{status}" in postcheck["tags"], what
        if ending == "client_gone":
            assert "client_disconnected" in postcheck["tags"], what
            assert usage[0]["metadata"]["estimated"] is True, what
        # The same rows whatever the front door: only the model, api and provider tags differ.
        shapes[ending].add(
            (
                precheck["decision"],
                postcheck["decision"],
                tuple(postcheck["reasons"]),
                tuple(
                    _shape(t)
                    for t in postcheck["tags"]
                    if not t.startswith(("model:", "api:", "provider:"))
                ),
                len(usage),
                bool(usage) and usage[0]["metadata"]["estimated"],
            )
        )
    for ending, seen in shapes.items():
        assert len(seen) == 1, (ending, seen)

    async def settled() -> bool:
        return await _budget_counter(org_id) == (billed, 0)

    async with asyncio.timeout(5):
        while not await settled():
            await asyncio.sleep(0.05)
