"""SIGTERM under load: in-flight requests finish and every completed one is recorded."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from tests.fakes.openai_upstream import FAKE_OPENAI_KEY
from tests.fakes.server import FakeUpstream
from tests.governs.test_cli import free_port, wait_until_serving

KEY = "gai_shutdown-test-bootstrap-key-0000000000000"
IN_FLIGHT = 40


async def _load(url: str, marker: str) -> list[int]:
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(i: int) -> int:
            response = await client.post(
                f"{url}/v1/chat/completions",
                headers={"Authorization": f"Bearer {KEY}", "X-Request-ID": f"shutdown-{i}"},
                json={
                    "model": "slow",
                    "messages": [{"role": "user", "content": f"{marker} request {i}"}],
                },
            )
            return response.status_code

        return await asyncio.gather(*(one(i) for i in range(IN_FLIGHT)))


def test_sigterm_under_load_loses_no_record(fake_openai: FakeUpstream, tmp_path: Path) -> None:
    config = {
        "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'governs.db'}"},
        "writer": {"spool_dir": str(tmp_path / "spool"), "flush_interval_seconds": 1.0},
        "providers": [
            {
                "name": "up",
                "kind": "openai",
                "base_url": fake_openai.base_url,
                "api_key": FAKE_OPENAI_KEY,
            }
        ],
        "models": [{"name": "slow", "provider": "up", "upstream_model": "gpt-4o-mini-slow"}],
    }
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(config))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "governs", "serve", "--config", "c.yaml", "--port", str(port)],
        cwd=tmp_path,
        env={**os.environ, "GOVERNS_BOOTSTRAP_KEY": KEY},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_serving(url, process)

    def waiting_upstream() -> int:
        marker = f"{tmp_path.name} request "
        return sum(
            1
            for r in fake_openai.received
            if isinstance(r.body, dict) and marker in str(r.body.get("messages"))
        )

    async def load_then_terminate() -> list[int]:
        load = asyncio.create_task(_load(url, tmp_path.name))
        async with asyncio.timeout(20):
            while waiting_upstream() < IN_FLIGHT:  # every request is in flight upstream
                await asyncio.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        return await load

    statuses = asyncio.run(load_then_terminate())
    assert process.wait(30) == 0
    assert statuses == [200] * IN_FLIGHT

    # The writer's flush interval (1 s) is longer than the test: only the shutdown flush
    # can have written these rows.
    with sqlite3.connect(tmp_path / "governs.db") as connection:
        usage = connection.execute(
            "select count(*) from usage_records where correlation_id like 'shutdown-%'"
        ).fetchone()[0]
        decisions = connection.execute(
            "select count(*) from decisions where correlation_id like 'shutdown-%'"
        ).fetchone()[0]
    assert usage == IN_FLIGHT
    assert decisions == 2 * IN_FLIGHT
    assert not list((tmp_path / "spool").glob("*.json*"))
