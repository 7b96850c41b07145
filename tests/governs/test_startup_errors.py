"""Start-up problems are one line on stderr and exit code 2, no traceback (issue #16): run as a
user runs it, ``governs serve`` in a subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from governs.startup import ignore_replies_to_a_closed_loop
from tests.governs.test_cli import KEY_PATTERN, free_port, wait_until_serving
from tests.services import POSTGRES_ADMIN_URL, postgres_database

ADMIN = POSTGRES_ADMIN_URL.removeprefix("postgresql://")  # user@host:port/db


def serve(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({"database": {"url": database_url}}))
    return subprocess.run(
        [sys.executable, "-m", "governs", "serve", "--config", "c.yaml", *args],
        cwd=tmp_path,
        env={**os.environ, "GOVERNS_BOOTSTRAP_KEY": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for words in expected:
        assert words in lines[0], lines[0]
    assert result.stdout == ""  # no bootstrap key printed
    return lines[0]


def test_a_database_that_refuses_connections(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    line = one_line(
        serve(tmp_path, f"postgresql+asyncpg://postgres:secret@127.0.0.1:{dead}/x"),
        "refuses connections",
        f"127.0.0.1:{dead}",
        "start it",
    )
    assert "secret" not in line  # the password is never printed


def test_an_unknown_database_host(tmp_path: Path) -> None:
    one_line(
        serve(tmp_path, "postgresql+asyncpg://postgres@no-such-host.invalid:5432/x"),
        "'no-such-host.invalid' is unknown",
        "database.url",
    )


def test_a_database_that_does_not_exist(tmp_path: Path) -> None:
    name = f"governs_missing_{uuid.uuid4().hex[:8]}"
    base = ADMIN.rsplit("/", 1)[0]
    one_line(
        serve(tmp_path, f"postgresql://{base}/{name}"),
        f"the database '{name}' does not exist",
        f"createdb {name}",
    )


def test_a_sqlite_file_that_cannot_be_opened(tmp_path: Path) -> None:
    one_line(
        serve(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/g.db"),
        "cannot open the SQLite file",
    )


def test_an_unsupported_driver_is_named(tmp_path: Path) -> None:
    result = serve(tmp_path, f"postgresql+psycopg2://{ADMIN}")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "postgresql+asyncpg://" in result.stderr, result.stderr


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    databases = postgres_database()
    yield next(databases)
    databases.close()


def test_postgresql_urls_get_the_asyncpg_driver(tmp_path: Path, fresh_postgres: str) -> None:
    plain = fresh_postgres.replace("postgresql+asyncpg://", "postgresql://")
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({"database": {"url": plain}}))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "governs", "serve", "--config", "c.yaml", "--port", str(port)],
        cwd=tmp_path,
        env={**os.environ, "GOVERNS_BOOTSTRAP_KEY": ""},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_serving(f"http://127.0.0.1:{port}", process)
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert KEY_PATTERN.search(stdout)  # a first start on an empty database


def test_a_port_in_use_is_refused_before_anything_is_made(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve(tmp_path, f"sqlite+aiosqlite:///{tmp_path}/g.db", "--port", str(port))
    one_line(result, f"127.0.0.1:{port}", "already in use", "--port")
    assert not (tmp_path / "g.db").exists()  # no database made for a gateway that never ran


def test_a_worker_thread_answering_a_closed_loop_prints_no_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # aiosqlite's worker thread may finish closing a connection that could not open after
    # asyncio.run has closed the loop: that must not add a traceback to the one line.
    shown: list[str] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: shown.append(str(args.exc_value)))
    ignore_replies_to_a_closed_loop()

    def _connection_worker_thread() -> None:
        raise RuntimeError("Event loop is closed")

    def other_work() -> None:
        raise RuntimeError("something else")

    for target in (_connection_worker_thread, other_work):
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    assert shown == ["something else"]  # other threads' errors still reach the default hook
