"""What one upstream call costs the gateway's process, layer by layer, without the server side.

    python bench/upstream_call_costs.py [--calls 4000] [--rounds 3] [--cpu 1 --upstream-cpu 0]

Starts bench/fake_upstream.py (pinned to ``--upstream-cpu``) and, from this process (pinned to
``--cpu``), makes the same chat call to it four ways, one after another and 16 at a time:

    plain          aiohttp ``session.post`` as bench/baseline_proxy.py does it
    plain+timeout  the same with the provider's connect and read timeouts
    transport      ``HttpTransport.send`` then ``release`` (gateway/forwarder.py) on the
                   gateway's own client (gateway/upstream_http.py)
    attempts       ``open_upstream`` (gateway/attempts.py): routing, breaker, deadline, retries

and prints the CPU time of this process per call. ``plain`` against ``transport`` compares
aiohttp's client with the gateway's; ``attempts`` against ``transport`` is what that layer adds
to every proxied request. The upstream is pinned with ``taskset``
(util-linux) unless ``--no-pin``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from core.settings import settings_from_mapping  # noqa: E402
from gateway.attempts import AttemptLog, open_upstream  # noqa: E402
from gateway.exchanges import ChatExchange  # noqa: E402
from gateway.forwarder import HttpTransport  # noqa: E402
from gateway.routing import Router  # noqa: E402
from gateway.upstream_http import Pool  # noqa: E402
from providers.registry import build_adapter  # noqa: E402

FAKE_UPSTREAM = Path(__file__).resolve().parent / "fake_upstream.py"
BODY = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Where is my order?"}]}
CONCURRENCY = (1, 16)
WARM_UP_CALLS = 50


async def measure(base_url: str, calls: int, rounds: int) -> None:
    settings = settings_from_mapping(
        {
            "providers": [
                {"name": "bench", "kind": "openai", "base_url": base_url, "api_key": "sk-bench"}
            ],
            "models": [{"name": "gpt-4o-mini", "provider": "bench"}],
        },
        environ={},
    )
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=100), cookie_jar=aiohttp.DummyCookieJar()
    )
    pool = Pool(100)
    transport = HttpTransport(pool, settings.providers[0])
    adapters = {p.name: build_adapter(p) for p in settings.providers}
    router = Router(settings, adapters, {"bench": transport})
    route = router.resolve("gpt-4o-mini").routes[0]
    upstream = route.adapter.build_chat_request(BODY, route.upstream_model, stream=False)
    exchange = ChatExchange(BODY, stream=False)
    provider_timeout = aiohttp.ClientTimeout(
        total=None,
        sock_connect=settings.providers[0].connect_timeout_seconds,
        sock_read=settings.providers[0].read_timeout_seconds,
    )

    async def plain() -> bytes:
        async with session.post(upstream.url, data=upstream.body, headers=upstream.headers) as r:
            return await r.read()

    async def plain_with_timeout() -> bytes:
        async with session.post(
            upstream.url, data=upstream.body, headers=upstream.headers, timeout=provider_timeout
        ) as r:
            return await r.read()

    async def through_transport() -> bytes:
        response = await transport.send(upstream)
        try:
            return await response.read()
        finally:
            response.release()

    async def through_attempts() -> bytes:
        async with open_upstream(
            router, settings.routing, "gpt-4o-mini", exchange, AttemptLog()
        ) as call:
            return await call.response.read()

    ways: dict[str, Callable[[], Awaitable[bytes]]] = {
        "plain": plain,
        "plain+timeout": plain_with_timeout,
        "transport": through_transport,
        "attempts": through_attempts,
    }
    results: dict[tuple[str, int], list[float]] = {}
    try:
        for _ in range(rounds):
            for name, call in ways.items():
                for concurrency in CONCURRENCY:
                    results.setdefault((name, concurrency), []).append(
                        await cpu_per_call(call, calls, concurrency)
                    )
    finally:
        await session.close()
        await pool.close()
    print(f"CPU µs per upstream call, median of {rounds} rounds of {calls} calls")
    print(f"{'way':<15}" + "".join(f"{f'{c} at a time':>14}" for c in CONCURRENCY))
    for name in ways:
        medians = [sorted(results[(name, c)])[len(results[(name, c)]) // 2] for c in CONCURRENCY]
        print(f"{name:<15}" + "".join(f"{m:14.1f}" for m in medians))


async def cpu_per_call(call: Callable[[], Awaitable[bytes]], calls: int, concurrency: int) -> float:
    async def worker(count: int) -> None:
        for _ in range(count):
            await call()

    await asyncio.gather(*(worker(WARM_UP_CALLS) for _ in range(concurrency)))
    started = time.process_time()
    await asyncio.gather(*(worker(calls // concurrency) for _ in range(concurrency)))
    return (time.process_time() - started) / (calls // concurrency * concurrency) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cpu", type=int, default=1, help="CPU for this process")
    parser.add_argument("--upstream-cpu", type=int, default=0, help="CPU for the fake upstream")
    parser.add_argument("--no-pin", action="store_true", help="let the kernel place both")
    args = parser.parse_args()
    pin = not args.no_pin
    if pin and shutil.which("taskset") is None:
        raise SystemExit("taskset is not installed (util-linux); or pass --no-pin")
    command = [sys.executable, str(FAKE_UPSTREAM)]
    if pin:
        command = ["taskset", "-c", str(args.upstream_cpu), *command]
        os.sched_setaffinity(0, {args.cpu})
    upstream = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert upstream.stdout is not None
        line = upstream.stdout.readline()
        if not line.startswith("listening on "):
            raise SystemExit(f"the fake upstream did not start: {line!r}")
        base_url = line.removeprefix("listening on ").strip() + "/v1"
        try:
            import uvloop
        except ImportError:
            asyncio.run(measure(base_url, args.calls, args.rounds))
        else:
            uvloop.run(measure(base_url, args.calls, args.rounds))
    finally:
        upstream.terminate()
        upstream.wait(10)


if __name__ == "__main__":
    main()
