"""A TCP proxy that a test can cut and restore, to play a database or Redis outage.

``cut`` drops every connection and refuses new ones (a server that went away); ``stall``
keeps connections open but passes no byte either way (a network that black-holes them).
"""

from __future__ import annotations

import asyncio
import contextlib


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0
        self.up = True
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Drop every connection; new ones are accepted and closed at once."""
        self.up = False
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def stall(self) -> None:
        """Keep every connection, accept new ones, and pass nothing until ``restore``."""
        self._flowing.clear()

    async def restore(self) -> None:
        self.up = True
        self._flowing.set()

    async def close(self) -> None:
        await self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.transport.abort()
            return
        # Registered before the awaits below, so a cut while this connection is still being
        # set up drops it too; a connection that outlived a cut would carry queries through it.
        self._writers.add(writer)
        await self._flowing.wait()
        try:
            target_reader, target_writer = await asyncio.open_connection(*self._target)
        except OSError:
            self._writers.discard(writer)
            writer.transport.abort()
            return
        if not self.up or writer not in self._writers:
            self._writers.discard(writer)
            writer.transport.abort()
            target_writer.transport.abort()
            return
        self._writers.add(target_writer)
        await asyncio.gather(self._pipe(reader, target_writer), self._pipe(target_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                await self._flowing.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.transport.abort()
