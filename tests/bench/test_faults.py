"""The fault suite (bench/faults.py), short: every fault for a second, under load.

A real ``governs serve`` on PostgreSQL and Redis (behind cuttable proxies) takes requests from
four clients while PostgreSQL, then Redis, is cut, the provider answers 500, hangs and cuts
its answers mid-way, and finally the gateway gets SIGTERM. No request is answered with an
unhandled error, no record is lost, and traffic flows again after each fault.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
from redis import Redis
from redis.exceptions import RedisError

from bench.faults import Options, Report, run_faults
from tests.services import POSTGRES_ADMIN_URL, REDIS_URL, missing


async def _postgres_answers() -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    await connection.close()


def _run(tmp_path: Path, **options: object) -> Report:
    try:
        asyncio.run(_postgres_answers())
        redis = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        redis.ping()
        redis.close()
    except (OSError, asyncpg.PostgresError, RedisError, TimeoutError) as error:
        missing(f"the fault suite needs PostgreSQL and Redis ({type(error).__name__})")
    return asyncio.run(
        run_faults(
            Options(
                outage_seconds=1.0,
                upstream_seconds=1.0,
                calm_seconds=0.5,
                recover_seconds=2.0,
                concurrency=4,
                **options,  # type: ignore[arg-type]
            ),
            tmp_path,
        )
    )


def test_every_fault_under_load_leaves_no_unhandled_error_and_no_lost_record(
    tmp_path: Path,
) -> None:
    report = _run(tmp_path)
    assert (report.unhandled, report.log_unhandled, report.records_lost) == (0, 0, 0)
    assert report.dropped == 0  # SIGTERM: every request the gateway began was answered
    by_name = {s.name: s for s in report.scenarios}
    assert list(by_name) == [
        "postgres",
        "redis",
        "upstream_500",
        "upstream_hang",
        "upstream_cut",
        "sigterm",
    ]
    assert set(by_name["postgres"].during_fault) == {"200"}  # the request path needs no database
    assert set(by_name["redis"].during_fault) <= {"200", "503 budget_unavailable"}  # closed
    assert "503 budget_unavailable" in by_name["redis"].during_fault
    assert "502 upstream_unavailable" in by_name["upstream_cut"].during_fault
    for name in ("postgres", "redis", "upstream_500", "upstream_hang", "upstream_cut"):
        recovered = by_name[name].recovered_seconds
        assert recovered is not None and recovered < 2.0, (name, recovered)
    sigterm = by_name["sigterm"].notes
    assert sigterm["exit_code"] == 0
    assert "200" in by_name["sigterm"].by_status  # it was serving when the signal came
