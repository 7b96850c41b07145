"""Start-up problems as one line a user can act on: what failed, where, what to do.

``governs serve`` (and every command that opens the database) turns the errors below into a
``ConfigError``, which the CLI prints as one line on stderr and exits with code 2, without a
traceback: a port already in use (checked before the database is touched or a bootstrap key
printed), a database that refuses connections, an unknown host, a database that does not
exist, a user or password PostgreSQL refuses, a SQLite file that cannot be opened.
"""

from __future__ import annotations

import contextlib
import errno
import socket
import sqlite3
import threading
from collections.abc import Iterator

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from core.errors import ConfigError
from core.settings import Settings


def check_port(settings: Settings) -> None:
    """Fail now if ``server.host``:``server.port`` cannot be listened on (in use, not an
    address of this machine), rather than after the database is made and a key printed."""
    host, port = settings.server.host, settings.server.port
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise ConfigError(
            f"cannot listen on {host}:{port}: {host!r} is not a known host name; set "
            "server.host (or --host) to an address of this machine"
        ) from None
    for family, kind, protocol, _, address in addresses:
        with socket.socket(family, kind, protocol) as probe:
            # As aiohttp binds: a port left in TIME_WAIT by a stopped gateway is free.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as error:
                raise ConfigError(_port_problem(host, port, error)) from None


def _port_problem(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"cannot listen on {host}:{port}: the port is already in use (another gateway?); "
            "stop that process or choose another port with --port or server.port"
        )
    if error.errno == errno.EACCES:
        return (
            f"cannot listen on {host}:{port}: permission denied (ports below 1024 need "
            "privileges); choose another port with --port or server.port"
        )
    return (
        f"cannot listen on {host}:{port}: {error.strerror or error}; set server.host and "
        "server.port (or --host, --port) to an address and port of this machine"
    )


def ignore_replies_to_a_closed_loop() -> None:
    """Drop the one thread error a failed start-up can leave behind: aiosqlite's worker thread
    finishing an operation (closing the connection that could not open) after ``asyncio.run``
    has closed the loop it would answer on. It raised "Event loop is closed" and printed a
    traceback before the one-line message, now and then (a race with the loop's end)."""
    default = threading.excepthook

    def hook(args: threading.ExceptHookArgs) -> None:
        thread = args.thread.name if args.thread is not None else ""
        if (
            isinstance(args.exc_value, RuntimeError)
            and str(args.exc_value) == "Event loop is closed"
            and "_connection_worker_thread" in thread
        ):
            return
        default(args)

    threading.excepthook = hook


@contextlib.contextmanager
def database_problems(url: str) -> Iterator[None]:
    """Translate the errors of opening and migrating the database at ``url`` into one line."""
    try:
        yield
    except ConfigError:
        raise
    except Exception as error:
        message = database_problem(url, error)
        if message is None:
            raise
        raise ConfigError(message) from None


def database_problem(url: str, error: BaseException) -> str | None:
    """One line for a database error we know, or None."""
    where = f"database.url {safe_url(url)}"
    for cause in _chain(error):
        if isinstance(cause, asyncpg.InvalidCatalogNameError):
            name = _url_part(url, "database")
            return (
                f"the database {name!r} does not exist ({where}); create it "
                f"(createdb {name}) or point database.url at one that does"
            )
        if isinstance(
            cause, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
        ):
            return (
                f"PostgreSQL refused the user or password ({where}): {cause}; fix the "
                "credentials in database.url"
            )
        if isinstance(cause, socket.gaierror):
            host = _url_part(url, "host")
            return (
                f"the database host {host!r} is unknown ({where}); check the host name in "
                "database.url"
            )
        if isinstance(cause, ConnectionRefusedError):
            return (
                f"the database refuses connections ({where}); start it, or fix the host and "
                "port in database.url"
            )
        if isinstance(cause, TimeoutError):
            return (
                f"the database did not answer in time ({where}); check that it runs and that "
                "this machine can reach it"
            )
        if isinstance(cause, OSError) and cause.errno is not None:
            return f"cannot reach the database ({where}): {cause.strerror or cause}"
        if isinstance(cause, sqlite3.OperationalError) and "unable to open" in str(cause):
            return (
                f"cannot open the SQLite file ({where}): its directory must exist and be writable"
            )
        if isinstance(cause, NoSuchModuleError | ArgumentError):
            return (
                f"{where} is not a URL the gateway can use: {cause}; use "
                "postgresql+asyncpg://user:password@host:5432/name or "
                "sqlite+aiosqlite:///path/to/file.db"
            )
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__, getattr(current, "orig", None)]


def safe_url(url: str) -> str:
    """``url`` with its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a URL)"


def _url_part(url: str, part: str) -> str:
    try:
        return str(getattr(make_url(url), part) or "")
    except ArgumentError:
        return ""
