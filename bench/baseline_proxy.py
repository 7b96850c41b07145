"""The floor under the gateway: the least an aiohttp proxy can do per request.

    python bench/baseline_proxy.py --upstream http://127.0.0.1:P [--port 0]

An aiohttp server that reads the body and POSTs it, unchanged, to the upstream with one pooled
``aiohttp.ClientSession`` (the same connector settings as ``gateway.forwarder``), then returns
the upstream's body: no key check, no validation, no records, no middleware. bench/run.py
--baseline measures it next to the gateway, so the table shows how much of the gateway's cost
is aiohttp server + client + loopback TCP, and how much is the gateway's own work.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

import aiohttp
from aiohttp import web

SESSION = web.AppKey("session", aiohttp.ClientSession)
UPSTREAM = web.AppKey("upstream", str)


async def forward(request: web.Request) -> web.Response:
    body = await request.read()
    async with request.app[SESSION].post(
        request.app[UPSTREAM] + request.path,
        data=body,
        headers={"Content-Type": "application/json", "Authorization": "Bearer sk-bench-upstream"},
    ) as upstream:
        data = await upstream.read()
    response = web.Response(body=data, status=upstream.status, content_type="application/json")
    request_id = request.headers.get("X-Request-ID")
    if request_id is not None:  # as the gateway does; bench/chat.lua's window=S mode needs it
        response.headers["X-Request-ID"] = request_id
    return response


async def main(args: argparse.Namespace) -> None:
    app = web.Application()
    app[UPSTREAM] = args.upstream.rstrip("/")
    app[SESSION] = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=1000, limit_per_host=1000, ttl_dns_cache=300),
        skip_auto_headers=("User-Agent",),
        timeout=aiohttp.ClientTimeout(total=None),
    )
    app.router.add_post("/v1/chat/completions", forward)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", args.port)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    sys.stdout.write(f"listening on http://127.0.0.1:{port}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()
    await app[SESSION].close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upstream", required=True, help="the fake upstream's base URL")
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        asyncio.run(main(arguments))
    else:
        uvloop.run(main(arguments))
