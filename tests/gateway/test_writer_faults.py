"""The record writer cannot die and cannot be blocked by one row (issue #16).

Against real PostgreSQL and SQLite: rows holding what no column takes are stored all the same; a
row the database still refuses is set aside with its reason while the rows around it are
written; a spooled batch holding one is replayed the same way; an unreadable spool file is set
aside; a failing writer task is restarted; and a writer that cannot insert says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.ids import new_id
from core.settings import DatabaseConfig, WriterConfig
from core.storage.database import create_engine, migrate
from core.storage.models import Decision, Org
from gateway.spool import Batch, Spool
from gateway.writer import RecordWriter

FAST = WriterConfig(
    flush_interval_seconds=0.01,
    retry_attempts=1,
    replay_interval_seconds=0.1,
    batch_size=50,
    stall_seconds=0.5,
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('faults') / 'w.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module")
async def database(database_url: str) -> AsyncIterator[tuple[AsyncEngine, str]]:
    engine = create_engine(DatabaseConfig(url=database_url))
    await migrate(engine)
    org_id = new_id()
    async with engine.begin() as connection:
        await connection.execute(
            Org.__table__.insert().values(id=org_id, name=f"f-{org_id}", slug=f"f-{org_id}")
        )
    yield engine, org_id
    await engine.dispose()


def decision(org_id: str, batch: str, n: int, **changes: Any) -> dict[str, Any]:
    return {
        "id": new_id(),
        "org_id": org_id,
        "direction": "precheck",
        "decision": "allow",
        "tool": batch,
        "scope": None,
        "detector_summary": {"n": n},
        "payload_hash": "0" * 64,
        "payload_out": None,
        "reasons": [],
        "policy_id": None,
        "latency_ms": 1,
        "correlation_id": f"{batch}-{n}",
        "tags": [],
        "api_key_id": None,
        "user_id": None,
        "ts": datetime.now(UTC),
        **changes,
    }


async def stored(engine: AsyncEngine, batch: str) -> list[Any]:
    async with engine.connect() as connection:
        result = await connection.execute(
            select(Decision).where(Decision.tool == batch).order_by(Decision.correlation_id)
        )
        return list(result.all())


async def count(engine: AsyncEngine, batch: str) -> int:
    async with engine.connect() as connection:
        return await connection.scalar(
            select(func.count()).select_from(Decision).where(Decision.tool == batch)
        )


async def wait_for(predicate: Any, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not await predicate():
            await asyncio.sleep(0.05)


def entries(directory: Path) -> list[dict[str, Any]]:
    return [orjson.loads(p.read_bytes()) for p in sorted(directory.glob("*.json"))]


async def test_values_no_column_takes_are_stored_all_the_same(
    database: tuple[AsyncEngine, str], tmp_path: Path
) -> None:
    engine, org_id = database
    batch = f"guard-{new_id()}"
    deep: Any = "leaf"
    for _ in range(300):
        deep = {"n": deep}
    bad = decision(
        org_id,
        batch,
        0,
        correlation_id="c\udcff\x00" + "x" * 500,
        scope="s" * 201,
        latency_ms=2**40,
        detector_summary={"deep": deep, "text": "a\udcffb\x00c", "\udcffkey": 1},
        tags=["t\x00"],
    )
    writer = RecordWriter(engine, FAST, Spool(tmp_path / "spool"))
    await writer.start()
    writer.submit("decisions", bad)
    writer.submit("decisions", decision(org_id, batch, 1))
    await writer.close()
    rows = await stored(engine, batch)
    assert len(rows) == 2 and writer.set_aside == 0
    row = next(r for r in rows if r.id == bad["id"])
    assert row.correlation_id.startswith("c\ufffd\ufffdx") and len(row.correlation_id) == 128
    assert row.scope == "s" * 200 and row.latency_ms == 2**31 - 1
    assert row.detector_summary["text"] == "a\ufffdb\ufffdc"
    assert row.detector_summary["\ufffdkey"] == 1
    assert orjson.dumps(row.detector_summary).count(b"{") == 64  # kept 64 levels, then a marker
    assert row.tags == ["t\ufffd"]


async def test_a_row_the_database_refuses_is_set_aside_and_the_rest_are_written(
    database: tuple[AsyncEngine, str], tmp_path: Path
) -> None:
    engine, org_id = database
    batch = f"refused-{new_id()}"
    writer = RecordWriter(engine, FAST, Spool(tmp_path / "spool"))
    await writer.start()
    try:
        rows = [decision(org_id, batch, n) for n in range(40)]
        rows[17]["org_id"] = "no-such-org"  # a foreign key the database refuses
        for row in rows:
            writer.submit("decisions", row)
        await writer.wait_idle()
        assert await count(engine, batch) == 39
        assert (writer.set_aside, writer.spool_depth, writer.problem) == (1, 0, None)
        [entry] = entries(writer.dead_letters.directory)
        assert entry["table"] == "decisions" and entry["row"]["id"] == rows[17]["id"]
        assert "IntegrityError" in entry["reason"] and entry["setAsideAt"]
        assert writer.dead_letters.count() == 1

        # Nothing waits behind it: the next rows are written at once.
        later = [decision(org_id, batch, n) for n in range(100, 110)]
        for row in later:
            writer.submit("decisions", row)
        await writer.wait_idle()
        assert await count(engine, batch) == 49
    finally:
        await writer.close()


async def test_a_spooled_batch_holding_a_refused_row_replays_the_others(
    database: tuple[AsyncEngine, str], tmp_path: Path
) -> None:
    """The issue's stuck spool: a batch refused for ever once blocked every later one."""
    engine, org_id = database
    batch = f"spooled-{new_id()}"
    spool = Spool(tmp_path / "spool")
    poisoned: Batch = [("decisions", decision(org_id, batch, n)) for n in range(5)]
    poisoned[2][1]["org_id"] = "no-such-org"
    spool.append(poisoned)
    spool.append([("decisions", decision(org_id, batch, n)) for n in range(5, 10)])
    unreadable = tmp_path / "spool" / f"{'9' * 20}-1-000001.batch.json"
    unreadable.write_bytes(b'[["decisions", {not json')

    writer = RecordWriter(engine, FAST, spool)
    await writer.start()
    try:
        await wait_for(lambda: _is(count(engine, batch), 9))
        await wait_for(lambda: _true(writer.spool_depth == 0))
        assert spool.depth() == 0 and writer.set_aside == 2
        reasons = sorted(e["reason"] for e in entries(writer.dead_letters.directory))
        assert "IntegrityError" in reasons[0]
        assert reasons[1].startswith("unreadable spool batch")
        moved = entries(writer.dead_letters.directory)[1]["file"]
        assert (writer.dead_letters.directory / moved).read_bytes().startswith(b'[["decisions"')
    finally:
        await writer.close()


class FailingOnce(RecordWriter):
    """A writer whose batching has a bug that strikes once (the issue's dead drain task)."""

    failed = False

    def _take_batch(self, limit: int | None = None) -> Batch:
        if not self.failed and limit is not None:
            self.failed = True
            raise RuntimeError("a bug in the drain task")
        return super()._take_batch(limit)


async def test_a_failing_writer_task_is_restarted_and_loses_nothing(
    database: tuple[AsyncEngine, str], tmp_path: Path
) -> None:
    engine, org_id = database
    batch = f"restart-{new_id()}"
    writer = FailingOnce(engine, FAST, Spool(tmp_path / "spool"))
    await writer.start()
    try:
        for n in range(10):
            writer.submit("decisions", decision(org_id, batch, n))
        await asyncio.sleep(0.1)
        assert writer.problem == "stopped"  # health says so while it restarts
        await asyncio.wait_for(writer.wait_idle(), 10)
        assert await count(engine, batch) == 10
        assert writer.restarts == 1 and writer.problem is None
    finally:
        await writer.close()


async def _is(awaitable: Any, expected: int) -> bool:
    return await awaitable == expected


async def _true(value: bool) -> bool:
    return value


async def test_close_while_the_database_hangs_spools_and_loses_nothing(
    database: tuple[AsyncEngine, str], database_url: str, tmp_path: Path
) -> None:
    """SIGTERM while an insert hangs (a table lock): after ``stall_seconds`` the rows the
    database has not taken are spooled, and the next start writes them."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL: a table lock holds inserts while the connection lives")
    engine, org_id = database
    batch = f"hung-{new_id()}"
    config = FAST.model_copy(update={"max_queue": 5})
    writer = RecordWriter(engine, config, Spool(tmp_path / "spool"))
    await writer.start()
    async with engine.connect() as holder:
        await holder.execute(text("lock table decisions in exclusive mode"))
        writer.submit("decisions", decision(org_id, batch, 0))
        await asyncio.sleep(0.1)  # taken as a batch, whose insert waits on the lock
        for n in range(1, 21):  # 5 queue up behind it, the rest go straight to the spool
            writer.submit("decisions", decision(org_id, batch, n))
        assert writer.problem == "backlog"
        await asyncio.sleep(config.stall_seconds + 0.2)
        assert writer.problem == "stalled"
        async with asyncio.timeout(2 * config.stall_seconds + 5):
            await writer.close()
        await holder.rollback()
    assert writer.spool_depth >= 2 and await count(engine, batch) == 0
    assert writer.spooled == 21 and writer.dropped == 0

    restarted = RecordWriter(engine, FAST, Spool(tmp_path / "spool"))
    await restarted.start()
    try:
        await wait_for(lambda: _is(count(engine, batch), 21))
    finally:
        await restarted.close()


async def test_a_replay_stuck_on_a_hung_database_is_seen_and_does_not_hold_shutdown(
    database: tuple[AsyncEngine, str], database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL: a table lock holds inserts while the connection lives")
    engine, org_id = database
    batch = f"stuck-{new_id()}"
    spool = Spool(tmp_path / "spool")
    spool.append([("decisions", decision(org_id, batch, n)) for n in range(3)])
    writer = RecordWriter(engine, FAST, spool)
    async with engine.connect() as holder:
        await holder.execute(text("lock table decisions in exclusive mode"))
        await writer.start()  # its replay waits on the lock
        await asyncio.sleep(FAST.stall_seconds + 0.3)
        assert writer.problem == "stalled"
        async with asyncio.timeout(2 * FAST.stall_seconds + 5):
            await writer.close()
        await holder.rollback()
    assert spool.depth() == 1 and await count(engine, batch) == 0  # kept for the next start
