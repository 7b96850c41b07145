"""What the response cache, the cost headers and tracing add to a request, in-process.

    python bench/path_hooks_costs.py [--rounds 20000]

Times, in this thread's CPU time, the per-request work each of them adds on the benchmark's
request (the body chat.lua sends): with the cache and tracing off (what every request pays),
and on (a cache key, a hit read back, a whole trace of spans with the SDK but no exporter).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import orjson  # noqa: E402
from fake_upstream import completion_body  # noqa: E402
from opentelemetry.sdk.trace import TracerProvider  # noqa: E402
from opentelemetry.trace import SpanKind, set_span_in_context  # noqa: E402

from core.settings import ResponseCacheConfig, settings_from_mapping  # noqa: E402
from gateway.budgets.ledger import plain_usd  # noqa: E402
from gateway.cache_replay import plan_cache  # noqa: E402
from gateway.forwarder import UpstreamResponse  # noqa: E402
from gateway.response_cache import (  # noqa: E402
    CachedAnswer,
    MemoryStore,
    ResponseCache,
    requested_ttl,
)
from gateway.routing import Router  # noqa: E402
from gateway.spend_headers import spend_headers  # noqa: E402
from gateway.tracing import RequestTrace  # noqa: E402
from providers.base import UpstreamRequest, Usage  # noqa: E402
from providers.registry import build_adapter  # noqa: E402

CHAT_BODY = (
    b'{"model":"gpt-4o-mini","messages":['
    b'{"role":"system","content":"You are a concise support assistant for an online shop."},'
    b'{"role":"user","content":"My order 10482 arrived with a cracked screen protector. '
    b'How do I request a replacement, and how long does it usually take?"}],'
    b'"temperature":0.2,"max_tokens":200}'
)


class _NoTransport:
    """Nothing is sent here: the router only needs a transport per provider."""

    async def send(self, request: UpstreamRequest) -> UpstreamResponse:
        raise NotImplementedError


def timed(label: str, rounds: int, step: Callable[[], Any]) -> None:
    step()
    started = time.thread_time()
    for _ in range(rounds):
        step()
    print(f"{label:58} {(time.thread_time() - started) / rounds * 1e6:8.2f} µs")


async def timed_async(label: str, rounds: int, step: Callable[[], Awaitable[Any]]) -> None:
    await step()
    started = time.thread_time()
    for _ in range(rounds):
        await step()
    print(f"{label:58} {(time.thread_time() - started) / rounds * 1e6:8.2f} µs")


async def main(rounds: int) -> None:
    settings = settings_from_mapping(
        {
            "providers": [{"name": "bench", "kind": "openai", "base_url": "http://127.0.0.1:9/v1"}],
            "models": [{"name": "gpt-4o-mini", "provider": "bench"}],
        },
        environ={},
    )
    adapters = {p.name: build_adapter(p) for p in settings.providers}
    router = Router(settings, adapters, {"bench": _NoTransport()})
    body = orjson.loads(CHAT_BODY)
    headers: dict[str, str] = {"content-type": "application/json"}
    cache = ResponseCache(ResponseCacheConfig(), MemoryStore(10_000, 64 * 1024 * 1024))
    cost = Decimal("0.000135")

    print("-- off: what every request pays")
    timed("requested_ttl (no cache field, no header)", rounds, lambda: requested_ttl(headers, body))

    async def plan_off() -> None:
        await plan_cache(
            cache, router, org_id="o", api="openai", model="gpt-4o-mini", body=body,
            stream=False, asked_ttl=None, key_ttl=None,
        )  # fmt: skip

    await timed_async("plan_cache (not asked)", rounds, plan_off)
    timed("spend_headers (priced, no budget)", rounds, lambda: spend_headers(cost, None))
    timed("plain_usd", rounds, lambda: plain_usd(cost))

    print("-- cache on")
    found = cache.lookup_for(
        org_id="o", api="openai", model="gpt-4o-mini", body=body, asked_ttl=60, key_ttl=None
    )
    assert found is not None
    timed(
        "lookup_for (canonical JSON + SHA-256 of the body)",
        rounds,
        lambda: cache.lookup_for(
            org_id="o", api="openai", model="gpt-4o-mini", body=body, asked_ttl=60, key_ttl=None
        ),
    )
    answer = CachedAnswer((completion_body(1, int(time.time())),), False, "bench/gpt-4o-mini")
    cache.put_nowait(found, answer)
    await cache.wait_idle()

    async def hit() -> None:
        await plan_cache(
            cache, router, org_id="o", api="openai", model="gpt-4o-mini", body=body,
            stream=False, asked_ttl=60, key_ttl=None,
        )  # fmt: skip

    await timed_async("plan_cache, a hit (key, get, decode, route)", rounds, hit)
    timed("CachedAnswer.encode (a miss stores it)", rounds, answer.encode)

    print("-- tracing on (SDK spans, no exporter)")
    provider = TracerProvider()
    tracer = provider.get_tracer("bench")
    route = router.resolve("gpt-4o-mini").routes[0]
    usage = Usage(input_tokens=40, output_tokens=120)

    def whole_trace() -> None:
        span = tracer.start_span("POST /v1/chat/completions", kind=SpanKind.SERVER)
        trace = RequestTrace(tracer, span, "chat")
        trace.requested("gpt-4o-mini")
        with trace.step("governs.precheck") as precheck:
            for step in ("pii_policy", "rate_limit", "budget"):
                with trace.step(f"governs.precheck.{step}", precheck):
                    pass
        trace.attempt(route, 1).done(None)
        trace.served(route, cache_hit=False)
        trace.billed(usage, "allow", ())
        trace.finish(200, "req-1")
        set_span_in_context(span)

    timed("a whole request's spans (8 spans, attributes)", rounds // 10, whole_trace)
    provider.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().rounds))
