"""The outage tests' cuttable proxy: a cut drops every connection, even one still being set up."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from tests.fakes.tcp_proxy import CuttableProxy


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()
    writer.close()


@pytest.fixture
async def proxy() -> AsyncIterator[CuttableProxy]:
    server = await asyncio.start_server(_echo, "127.0.0.1", 0)
    proxy = CuttableProxy("127.0.0.1", server.sockets[0].getsockname()[1])
    await proxy.start()
    yield proxy
    await proxy.close()
    server.close()
    await server.wait_closed()


async def _round_trip(port: int) -> bytes:
    """What comes back for a ping: nothing when the proxy closed or reset the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"ping")
        await writer.drain()
        return await asyncio.wait_for(reader.read(4), timeout=2)
    except ConnectionError:
        return b""
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def test_a_connection_passes_bytes_until_the_cut(proxy: CuttableProxy) -> None:
    assert await _round_trip(proxy.port) == b"ping"
    await proxy.cut()
    assert await _round_trip(proxy.port) == b""
    await proxy.restore()
    assert await _round_trip(proxy.port) == b"ping"


async def test_a_connection_accepted_before_a_cut_does_not_outlive_it(
    proxy: CuttableProxy,
) -> None:
    await proxy.stall()  # holds the next connection inside its set-up
    pending = asyncio.create_task(_round_trip(proxy.port))
    await asyncio.sleep(0.05)
    await proxy.cut()
    await proxy.restore()
    assert await pending == b""
    assert await _round_trip(proxy.port) == b"ping"
