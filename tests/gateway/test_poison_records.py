"""One request can never stop recording (issue #16).

Each poison request of the issue is sent to a running gateway (SQLite and PostgreSQL): a
non-UTF-8 byte in ``X-Governs-Tool``, an ingested ``detectorSummary`` nested 300 deep, a
201-character tool name. Each is answered with a 4xx in its client's shape, and every request
after it is still recorded, decision and usage rows both.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import text

from tests.fakes.openai_upstream import FAKE_OPENAI_KEY
from tests.fakes.server import FakeUpstream
from tests.gateway.live.support import new_key, small_gateway
from tests.harness import RunningGateway, ServiceThread
from tests.services import postgres_database

LATER = 10  # requests sent after each poison, all of which must be recorded


STALL_SECONDS = 0.5


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def running(
    request: pytest.FixtureRequest,
    service_thread: ServiceThread,
    fake_openai: FakeUpstream,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    directory = tmp_path_factory.mktemp(f"poison-{request.param}")
    databases = None
    sections: dict[str, Any] = {}
    if request.param == "postgresql":
        databases = postgres_database()
        sections["database"] = {"url": next(databases)}
    gateway = small_gateway(
        service_thread,
        directory,
        writer={
            "flush_interval_seconds": 0.01,
            "spool_dir": str(directory / "spool"),
            "stall_seconds": STALL_SECONDS,
        },
        providers=[
            {"name": "echo", "kind": "echo"},
            {
                "name": "fake-openai",
                "kind": "openai",
                "base_url": fake_openai.base_url,
                "api_key": FAKE_OPENAI_KEY,
            },
        ],
        models=[
            {"name": "echo", "provider": "echo"},
            {"name": "slow", "provider": "fake-openai", "upstream_model": "gpt-4o-mini-slow"},
        ],
        **sections,
    )
    yield gateway
    gateway.stop()
    if databases is not None:
        databases.close()


def _nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": True}
    for _ in range(depth - 1):
        value = {"n": value}
    return value


def _chat(running: RunningGateway, request_id: str, **headers: Any) -> httpx.Response:
    return httpx.post(
        f"{running.base_url}/v1/chat/completions",
        headers={
            "Authorization": f"Bearer {running.api_key}",
            "X-Request-ID": request_id,
            **headers,
        },
        json={"model": "echo", "messages": [{"role": "user", "content": "hello"}]},
        timeout=30,
    )


def _recorded(running: RunningGateway, ids: list[str], timeout: float = 15) -> None:
    """Every request of ``ids`` left its two decisions and its usage row, within ``timeout``
    (polled, not ``flush``: a dead writer would make a flush wait forever)."""
    deadline = time.monotonic() + timeout
    while True:
        decisions = [r for r in running.thread.run(_rows(running, "decisions")) if r in ids]
        usage = [r for r in running.thread.run(_rows(running, "usage_records")) if r in ids]
        if sorted(decisions) == sorted(ids * 2) and sorted(usage) == sorted(ids):
            return
        assert time.monotonic() < deadline, (
            f"{len(decisions)} of {2 * len(ids)} decisions and {len(usage)} of {len(ids)} "
            "usage rows recorded"
        )
        time.sleep(0.1)


async def _rows(running: RunningGateway, table: str) -> list[str]:
    async with running.gateway.engine.connect() as connection:
        result = await connection.execute(text(f"select correlation_id from {table}"))
        return [row[0] for row in result]


def _later_requests_are_recorded(running: RunningGateway) -> None:
    ids = [f"after-{uuid.uuid4().hex}" for _ in range(LATER)]
    for request_id in ids:
        assert _chat(running, request_id).status_code == 200
    _recorded(running, ids)


def _openai_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["type"] == "invalid_request_error", error


def test_a_non_utf8_tool_header_is_refused_and_recording_goes_on(
    running: RunningGateway,
) -> None:
    response = _chat(running, f"poison-{uuid.uuid4().hex}", **{"X-Governs-Tool": b"t\xff"})
    _openai_error(response, 400, "invalid_tool")
    assert response.json()["error"]["param"] == "X-Governs-Tool"
    _later_requests_are_recorded(running)


def test_a_201_character_tool_is_refused_and_recording_goes_on(running: RunningGateway) -> None:
    response = _chat(running, f"poison-{uuid.uuid4().hex}", **{"X-Governs-Tool": "t" * 201})
    _openai_error(response, 400, "invalid_tool")
    _later_requests_are_recorded(running)


@pytest.mark.parametrize(
    ("depth", "code", "param"),
    [
        (100, "invalid_request_body", "detectorSummary"),  # a value stored: at most 64 levels
        (300, "invalid_json", None),  # the whole body: at most 128
    ],
)
def test_an_ingested_summary_nested_deep_is_refused_and_recording_goes_on(
    running: RunningGateway, depth: int, code: str, param: str | None
) -> None:
    key = new_key(running, ("ingest:write",))
    response = httpx.post(
        f"{running.base_url}/api/v1/ingest/decision",
        headers={"Authorization": f"Bearer {key.secret}"},
        json={
            "direction": "precheck",
            "decision": "allow",
            "payloadHash": "ab" * 32,
            "detectorSummary": _nested(depth),
        },
        timeout=30,
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["param"]) == (code, param)
    _later_requests_are_recorded(running)


def test_a_bad_request_id_header_is_replaced_and_recorded(running: RunningGateway) -> None:
    """X-Request-ID is stored as the correlation id: a non-UTF-8 one is not adopted."""
    response = _chat(running, "ok", **{"X-Request-ID": b"r\xff" + b"x" * 300})
    assert response.status_code == 200, response.text
    replaced = response.headers["X-Request-ID"]
    assert replaced.isascii() and len(replaced) <= 128
    _recorded(running, [replaced])
    _later_requests_are_recorded(running)


def _metric(running: RunningGateway, name: str) -> float:
    for line in httpx.get(f"{running.base_url}/metrics").text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"no metric {name}")


def _pill(running: RunningGateway, key: str) -> dict[str, Any]:
    response = httpx.get(
        f"{running.base_url}/api/health", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_rows_of_an_org_deleted_mid_request_are_set_aside_and_counted(
    running: RunningGateway, fake_openai: FakeUpstream
) -> None:
    """The rows of the response (postcheck decision, usage) name an org that is gone by then:
    the database refuses them whatever is retried; they are set aside, the rest flow on."""
    doomed = new_key(running, ("precheck:invoke",))
    watcher = new_key(running, ("decisions:read",))
    before = _pill(running, watcher.secret)["dlqCount"]
    request_id = f"doomed-{uuid.uuid4().hex}"
    seen = len(fake_openai.received)
    with ThreadPoolExecutor(1) as pool:
        answer = pool.submit(
            httpx.post,
            f"{running.base_url}/v1/chat/completions",
            headers={"Authorization": f"Bearer {doomed.secret}", "X-Request-ID": request_id},
            json={"model": "slow", "messages": [{"role": "user", "content": "hi"}]},
            timeout=30,
        )
        deadline = time.monotonic() + 10
        while len(fake_openai.received) == seen:  # the request waits on the slow upstream
            assert time.monotonic() < deadline
            time.sleep(0.01)
        running.thread.run(_delete_org(running, doomed.org_id))
        assert answer.result().status_code == 200
    _later_requests_are_recorded(running)

    deadline = time.monotonic() + 10
    while (pill := _pill(running, watcher.secret))["dlqCount"] < before + 2:
        assert time.monotonic() < deadline, pill
        time.sleep(0.1)
    set_aside = [
        orjson.loads(path.read_bytes())
        for path in (Path(running.settings.writer.spool_dir) / "dead-letters").glob("*.json")
    ]
    mine = [e for e in set_aside if e["row"]["correlation_id"] == request_id]
    # The postcheck decision and the usage row; the precheck decision too when it was still
    # queued when the org went.
    tables = sorted(e["table"] for e in mine)
    assert tables in (["decisions", "usage_records"], ["decisions", "decisions", "usage_records"])
    assert all("IntegrityError" in e["reason"] for e in mine)
    assert pill["dlqCount"] == before + len(mine) and pill["status"] == "warning"
    assert _metric(running, "governs_dead_letters") == before + len(mine)
    assert _metric(running, "governs_records_set_aside_total") >= len(mine)


async def _delete_org(running: RunningGateway, org_id: str) -> None:
    async with running.gateway.engine.begin() as connection:
        await connection.execute(text("delete from orgs where id = :id"), {"id": org_id})


def test_records_that_stop_flowing_turn_readiness_and_health_red(
    running: RunningGateway,
) -> None:
    if not running.settings.database.url.startswith("postgresql"):
        pytest.skip("PostgreSQL: a table lock holds inserts while reads go on")
    watcher = new_key(running, ("decisions:read",))
    ready = httpx.get(f"{running.base_url}/readyz")
    assert (ready.status_code, ready.json()["records"]) == (200, "ok")
    ids = [f"held-{uuid.uuid4().hex}" for _ in range(3)]
    locked = threading.Event()
    release = threading.Event()

    async def hold_the_table() -> None:
        async with running.gateway.engine.begin() as connection:
            await connection.execute(text("lock table decisions in exclusive mode"))
            locked.set()
            await asyncio.to_thread(release.wait, 30)

    holder = asyncio.run_coroutine_threadsafe(hold_the_table(), running.thread.loop)
    try:
        assert locked.wait(10)
        for request_id in ids:  # the proxy serves on: only the records wait
            assert _chat(running, request_id).status_code == 200
        time.sleep(STALL_SECONDS + 0.3)
        ready = httpx.get(f"{running.base_url}/readyz")
        assert ready.status_code == 503, ready.text
        assert ready.json()["records"] == "stalled" and ready.json()["database"] == "ok"
        assert _pill(running, watcher.secret)["status"] == "error"
        assert _metric(running, "governs_records_flowing") == 0
    finally:
        release.set()
        holder.result(30)
    _recorded(running, ids)
    ready = httpx.get(f"{running.base_url}/readyz")
    assert (ready.status_code, ready.json()["records"]) == (200, "ok")
    assert _metric(running, "governs_records_flowing") == 1
