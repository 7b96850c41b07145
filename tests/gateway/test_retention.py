"""``records.retention_days`` in a running gateway: the background sweep deletes raw usage rows
older than N days, and the usage report over those days still answers from the rollups."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import func, select

from core.ids import new_id
from core.storage.models import Org, UsageRecord
from core.storage.rollups import insert_usage
from tests.gateway.live.support import TEST_KEY, small_gateway
from tests.harness import ServiceThread

SWEEP_WAIT_SECONDS = 20.0  # a bound for a loaded machine, not a speed requirement


def test_old_raw_rows_go_and_the_report_keeps_their_totals(
    service_thread: ServiceThread, tmp_path: Path
) -> None:
    running = small_gateway(
        service_thread,
        tmp_path,
        records={"retention_days": 30, "retention_interval_seconds": 0.05},
    )
    try:
        engine = running.gateway.engine
        old = datetime.now(UTC) - timedelta(days=40)

        async def add() -> str:
            async with engine.begin() as connection:
                org_id = await connection.scalar(select(Org.id).where(Org.slug == "default"))
                await insert_usage(
                    connection,
                    [
                        {
                            "id": new_id(),
                            "org_id": org_id,
                            "provider": "p",
                            "model": "m",
                            "input_tokens": 5,
                            "output_tokens": 1,
                            "cost": Decimal("0.5"),
                            "timestamp": old + timedelta(minutes=n),
                        }
                        for n in range(4)
                    ],
                )
            return str(org_id)

        async def raw_rows() -> int:
            async with engine.connect() as connection:
                return int(await connection.scalar(select(func.count()).select_from(UsageRecord)))

        running.thread.run(add())
        deadline = time.monotonic() + SWEEP_WAIT_SECONDS
        while running.thread.run(raw_rows()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running.thread.run(raw_rows()) == 0

        # A part-day range older than the cutoff: its day is counted whole, from the rollups.
        start = old - timedelta(hours=1)
        report = httpx.get(
            f"{running.base_url}/api/v1/usage",
            params={"from": start.isoformat(), "to": (old + timedelta(hours=1)).isoformat()},
            headers={"Authorization": f"Bearer {TEST_KEY}"},
        ).json()
        assert report["totals"]["requests"] == 4 and report["totals"]["cost"] == "2.0"
    finally:
        running.stop()
