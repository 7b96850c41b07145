"""The fault suite: load through a real ``governs serve`` on PostgreSQL and Redis while faults hit.

    python bench/faults.py [--outage-seconds 10] [--upstream-seconds 5] [--concurrency 8]
                           [--scenarios postgres,redis,...] [--on-redis-error block|local]
                           [--json FILE]

One gateway process (``governs serve``, a fresh PostgreSQL database, the machine's Redis, both
reached through cuttable TCP proxies, a budget binding the key so every request reserves and
settles in Redis) takes chat requests from ``--concurrency`` clients, one in four streamed,
while each scenario in turn does its fault:

    postgres       PostgreSQL cut for --outage-seconds (connections dropped, new ones refused)
    redis          Redis cut for --outage-seconds
    upstream_500   the provider answers 500 for --upstream-seconds
    upstream_hang  the provider accepts and never answers (the model's timeout is 2 s)
    upstream_cut   the provider drops the connection mid-answer (streamed and not)
    sigterm        SIGTERM to the gateway while requests run (last: the gateway stops)

It reports, per scenario, requests by status (and error code), unhandled errors (responses
with code ``internal_error`` plus "unhandled error" lines in the gateway's log: must be 0),
records lost (a 200 without its usage row, or a call that reached the provider without its
postcheck Decision, read straight from PostgreSQL after the run: must be 0), and the time to
recover: from the end of the fault to the first 200 of a request sent after it; and requests
the gateway began but never answered (must be 0). The exit status is 1 when a must-be-0
figure is not. Needs PostgreSQL and Redis
(``GOVERNS_TEST_POSTGRES_URL``, ``GOVERNS_TEST_REDIS_URL``, defaults as in tests/services.py)
and the gateway installed in this venv. Figures: bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import orjson
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fault_upstream import FaultyUpstream
from bench.run import free_port, governs_command
from core.settings import DatabaseConfig
from core.storage.database import create_engine, session_factory
from core.storage.keys import find_org
from core.storage.models import Budget, Decision, UsageRecord
from tests.fakes.tcp_proxy import CuttableProxy

POSTGRES_ADMIN_URL = os.environ.get(
    "GOVERNS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("GOVERNS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
API_KEY = "gai_faults-bench-key-0123456789abcdefghijklmnop"
SCENARIOS = ("postgres", "redis", "upstream_500", "upstream_hang", "upstream_cut", "sigterm")
MODEL_TIMEOUT_SECONDS = 2.0
STOP_TIMEOUT_SECONDS = 60.0
# A gateway answer with this code is an unhandled error: the one thing that must never happen.
UNHANDLED_CODE = "internal_error"
# Errors of a call that reached the provider: each must leave a postcheck Decision.
UPSTREAM_CODES = {"upstream_unavailable", "upstream_timeout", "bad_upstream_response"}


@dataclass
class Options:
    outage_seconds: float = 10.0
    upstream_seconds: float = 5.0
    calm_seconds: float = 2.0  # load before each fault
    recover_seconds: float = 5.0  # load after each fault
    concurrency: int = 8
    scenarios: tuple[str, ...] = SCENARIOS
    on_redis_error: str = "block"


@dataclass
class Outcome:
    request_id: str
    scenario: str
    phase: str  # before | fault | after
    sent: float
    done: float
    status: int  # 0: no HTTP answer (the gateway was gone)
    code: str | None
    streamed: bool


@dataclass
class ScenarioReport:
    name: str
    fault: str
    requests: int
    by_status: dict[str, int]
    during_fault: dict[str, int]
    unhandled: int
    recovered_seconds: float | None
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    scenarios: list[ScenarioReport]
    requests: int
    unhandled: int
    records_lost: int
    dropped: int  # requests the gateway began and never answered
    log_unhandled: int
    machine: dict[str, Any]

    @property
    def ok(self) -> bool:
        return not (self.unhandled or self.records_lost or self.dropped or self.log_unhandled)


@dataclass
class Phase:
    scenario: str = "warmup"
    state: str = "before"


class Load:
    """``concurrency`` clients sending chat requests one after another until stopped."""

    def __init__(self, base_url: str, concurrency: int, phase: Phase) -> None:
        self._url = f"{base_url}/v1/chat/completions"
        self._concurrency = concurrency
        self._phase = phase
        self._stop = asyncio.Event()
        self._run = uuid.uuid4().hex[:8]
        self.outcomes: list[Outcome] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=self._concurrency)
        timeout = aiohttp.ClientTimeout(total=60)
        self._session = aiohttp.ClientSession(connector=connector, timeout=timeout)
        self._tasks = [asyncio.create_task(self._client(n)) for n in range(self._concurrency)]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)
        if self._session is not None:
            await self._session.close()

    async def _client(self, n: int) -> None:
        assert self._session is not None
        number = 0
        while not self._stop.is_set():
            number += 1
            streamed = number % 4 == 0
            request_id = f"faults-{self._run}-{n}-{number}"
            scenario, state = self._phase.scenario, self._phase.state
            sent = time.monotonic()
            status, code = await self._one(request_id, streamed)
            self.outcomes.append(
                Outcome(request_id, scenario, state, sent, time.monotonic(), status, code, streamed)
            )
            if status == 0:
                await asyncio.sleep(0.05)  # nobody listens: do not spin

    async def _one(self, request_id: str, streamed: bool) -> tuple[int, str | None]:
        assert self._session is not None
        body = {
            "model": "m",
            "stream": streamed,
            "messages": [{"role": "user", "content": f"where is my order? {request_id}"}],
        }
        headers = {"Authorization": f"Bearer {API_KEY}", "X-Request-ID": request_id}
        try:
            async with self._session.post(self._url, json=body, headers=headers) as response:
                data = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, ConnectionError):
            return 0, None
        if status == 200:
            return 200, None
        try:
            error = orjson.loads(data)["error"]
            return status, str(error.get("code") or error.get("type"))
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            return status, "unreadable"


class Rig:
    """PostgreSQL and Redis behind cuttable proxies, the faulty upstream, the gateway."""

    def __init__(self, workdir: Path, options: Options) -> None:
        self.workdir = workdir
        self.options = options
        admin = urlsplit(POSTGRES_ADMIN_URL)
        redis = urlsplit(REDIS_URL)
        self.pg_proxy = CuttableProxy(admin.hostname or "127.0.0.1", admin.port or 5432)
        self.redis_proxy = CuttableProxy(redis.hostname or "127.0.0.1", redis.port or 6379)
        self.upstream = FaultyUpstream()
        self.database = f"governs_faults_{uuid.uuid4().hex[:10]}"
        self.process: asyncio.subprocess.Process | None = None
        self.base_url = ""
        self.log_path = workdir / "gateway.log"

    def database_url(self, port: int | None = None) -> str:
        admin = urlsplit(POSTGRES_ADMIN_URL)
        netloc = admin.netloc if port is None else f"{admin.username}@127.0.0.1:{port}"
        return f"postgresql+asyncpg://{netloc}/{self.database}"

    async def start(self) -> None:
        await _postgres(f'CREATE DATABASE "{self.database}"')
        await self.pg_proxy.start()
        await self.redis_proxy.start()
        await self.upstream.start()
        port = free_port()
        redis = urlsplit(REDIS_URL)
        config = {
            "server": {"port": port, "shutdown_timeout_seconds": 10},
            "database": {"url": self.database_url(self.pg_proxy.port)},
            "redis": {"url": f"redis://127.0.0.1:{self.redis_proxy.port}{redis.path or '/0'}"},
            "writer": {
                "spool_dir": str(self.workdir / "spool"),
                "retry_attempts": 1,
                "replay_interval_seconds": 0.5,
            },
            "health": {"cache_seconds": 0},
            "budgets": {"on_redis_error": self.options.on_redis_error},
            "providers": [
                {"name": "up", "kind": "openai", "base_url": self.upstream.base_url, "api_key": "x"}
            ],
            "models": [
                {
                    "name": "m",
                    "provider": "up",
                    "upstream_model": "gpt-4o-mini",
                    "input_cost_per_mtok": "0.15",
                    "output_cost_per_mtok": "0.60",
                    "timeout_seconds": MODEL_TIMEOUT_SECONDS,
                }
            ],
        }
        config_file = self.workdir / "governs.yaml"
        config_file.write_text(json.dumps(config, indent=2))  # JSON is YAML
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOVERNS_")}
        env["GOVERNS_BOOTSTRAP_KEY"] = API_KEY
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                *governs_command(),
                "serve",
                "--config",
                str(config_file),
                cwd=self.workdir,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.base_url = f"http://127.0.0.1:{port}"
        await self._wait_healthy()
        await self._bind_a_budget()

    async def _wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 60
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.process.returncode is not None:
                    raise RuntimeError(f"the gateway exited: {self.log_tail()}")
                try:
                    async with http.get(f"{self.base_url}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("the gateway did not start within 60 s")

    async def _bind_a_budget(self) -> None:
        """A budget large enough never to refuse: every request reserves and settles in Redis."""
        engine = create_engine(DatabaseConfig(url=self.database_url()))
        try:
            async with session_factory(engine).begin() as session:
                org = await find_org(session, "default")
                assert org is not None
                session.add(
                    Budget(org_id=org.id, name="faults", amount=Decimal(10**6), period="monthly")
                )
        finally:
            await engine.dispose()
        await asyncio.sleep(2)  # budgets are re-read every second

    def log_tail(self) -> str:
        return self.log_path.read_bytes()[-3000:].decode(errors="replace")

    def log_unhandled(self) -> int:
        return self.log_path.read_bytes().count(b"unhandled error")

    async def stop_gateway(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    async def stop(self) -> None:
        await self.stop_gateway()
        await self.upstream.close()
        await self.redis_proxy.close()
        await self.pg_proxy.close()

    async def drop_database(self) -> None:
        await _postgres(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


async def _postgres(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def _faults(
    rig: Rig,
) -> dict[str, tuple[str, Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]]:
    async def upstream(mode: str) -> None:
        rig.upstream.mode = mode

    return {
        "postgres": ("PostgreSQL cut", rig.pg_proxy.cut, rig.pg_proxy.restore),
        "redis": ("Redis cut", rig.redis_proxy.cut, rig.redis_proxy.restore),
        "upstream_500": ("provider answers 500", lambda: upstream("error"), lambda: upstream("ok")),
        "upstream_hang": ("provider hangs", lambda: upstream("hang"), lambda: upstream("ok")),
        "upstream_cut": (
            "provider cuts mid-answer",
            lambda: upstream("cut"),
            lambda: upstream("ok"),
        ),
    }


async def run_faults(options: Options, workdir: Path) -> Report:
    rig = Rig(workdir, options)
    phase = Phase()
    reports: list[ScenarioReport] = []
    try:
        await rig.start()
        load = Load(rig.base_url, options.concurrency, phase)
        await load.start()
        try:
            faults = _faults(rig)
            for name in options.scenarios:
                if name == "sigterm":
                    continue
                fault, begin, end = faults[name]
                seconds = (
                    options.outage_seconds
                    if name in ("postgres", "redis")
                    else options.upstream_seconds
                )
                phase.scenario, phase.state = name, "before"
                await asyncio.sleep(options.calm_seconds)
                log_before = rig.log_unhandled()
                phase.state = "fault"
                await begin()
                await asyncio.sleep(seconds)
                await end()
                ended = time.monotonic()
                phase.state = "after"
                await asyncio.sleep(options.recover_seconds)
                reports.append(
                    _scenario(name, fault, load.outcomes, ended, rig.log_unhandled() - log_before)
                )
            if "sigterm" in options.scenarios:
                reports.append(await _sigterm(rig, load, phase, options))
        finally:
            await load.stop()
        await rig.stop_gateway()  # its writer flushes: what it has not stored by now is lost
        lost, dropped = await _check_records(rig, load.outcomes)
        outcomes = load.outcomes
        return Report(
            scenarios=reports,
            requests=len(outcomes),
            unhandled=sum(1 for o in outcomes if o.code == UNHANDLED_CODE),
            records_lost=lost,
            dropped=dropped,
            log_unhandled=rig.log_unhandled(),
            machine=_machine(),
        )
    finally:
        await rig.stop()
        await rig.drop_database()


def _label(outcome: Outcome) -> str:
    if outcome.status == 0:
        return "no answer"
    return str(outcome.status) if outcome.code is None else f"{outcome.status} {outcome.code}"


def _scenario(
    name: str, fault: str, outcomes: list[Outcome], ended: float, log_unhandled: int
) -> ScenarioReport:
    mine = [o for o in outcomes if o.scenario == name]
    recovered = [o.done for o in mine if o.sent >= ended and o.status == 200]
    return ScenarioReport(
        name=name,
        fault=fault,
        requests=len(mine),
        by_status=dict(Counter(_label(o) for o in mine).most_common()),
        during_fault=dict(Counter(_label(o) for o in mine if o.phase == "fault").most_common()),
        unhandled=sum(1 for o in mine if o.code == UNHANDLED_CODE) + log_unhandled,
        recovered_seconds=round(min(recovered) - ended, 3) if recovered else None,
    )


async def _sigterm(rig: Rig, load: Load, phase: Phase, options: Options) -> ScenarioReport:
    assert rig.process is not None
    phase.scenario, phase.state = "sigterm", "before"
    await asyncio.sleep(options.calm_seconds)
    log_before = rig.log_unhandled()
    phase.state = "fault"
    signalled = time.monotonic()
    rig.process.send_signal(signal.SIGTERM)
    try:
        code = await asyncio.wait_for(rig.process.wait(), STOP_TIMEOUT_SECONDS)
    except TimeoutError:
        raise RuntimeError(
            f"the gateway did not stop within {STOP_TIMEOUT_SECONDS} s of SIGTERM; its log "
            f"ends:\n{rig.log_tail()}"
        ) from None
    stopped = time.monotonic()
    report = _scenario("sigterm", "SIGTERM under load", load.outcomes, stopped, 0)
    in_flight = [
        o for o in load.outcomes if o.scenario == "sigterm" and o.sent < signalled <= o.done
    ]
    report.unhandled += rig.log_unhandled() - log_before
    report.notes = {
        "exit_code": code,
        "stopped_after_seconds": round(stopped - signalled, 3),
        "in_flight_at_signal": dict(Counter(_label(o) for o in in_flight)),
    }
    return report


async def _check_records(rig: Rig, outcomes: list[Outcome]) -> tuple[int, int]:
    """(records lost, requests dropped), read straight from PostgreSQL once the gateway has
    stopped (its writer flushed). Lost: a 200 without its usage row, or a call that reached
    the provider without its postcheck Decision. Dropped: a request left unanswered although
    the gateway had begun it (it has a Decision); one the gateway never saw (sent on a
    keep-alive connection as a stopping gateway closed it) is not."""
    billed = [o.request_id for o in outcomes if o.status == 200]
    reached = billed + [o.request_id for o in outcomes if o.code in UPSTREAM_CODES]
    unanswered = [o.request_id for o in outcomes if o.status == 0]
    engine = create_engine(DatabaseConfig(url=rig.database_url()))
    try:
        async with engine.connect() as connection:
            usage = await _present(connection, UsageRecord, billed)
            decisions = await _present(connection, Decision, reached, postcheck=True)
            begun = await _present(connection, Decision, unanswered)
    finally:
        await engine.dispose()
    return (len(billed) - len(usage)) + (len(reached) - len(decisions)), len(begun)


async def _present(
    connection: Any, table: Any, ids: list[str], *, postcheck: bool = False
) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 1000):
        query = select(table.correlation_id, func.count()).where(
            table.correlation_id.in_(ids[start : start + 1000])
        )
        if postcheck:
            query = query.where(table.direction == "postcheck")
        rows = await connection.execute(query.group_by(table.correlation_id))
        found.update(row[0] for row in rows)
    return found


def _machine() -> dict[str, Any]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": sys.version.split()[0],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def markdown(report: Report) -> str:
    lines = [
        "| scenario | fault | requests | answers | during the fault | unhandled | recovered in |",
        "|---|---|---:|---|---|---:|---:|",
    ]
    for s in report.scenarios:
        answers = ", ".join(f"{k}: {v}" for k, v in s.by_status.items())
        during = ", ".join(f"{k}: {v}" for k, v in s.during_fault.items())
        recovered = "-" if s.recovered_seconds is None else f"{s.recovered_seconds:.2f} s"
        lines.append(
            f"| {s.name} | {s.fault} | {s.requests} | {answers} | {during} | {s.unhandled} "
            f"| {recovered} |"
        )
    lines.append("")
    lines.append(
        f"{report.requests} requests; unhandled errors {report.unhandled} (log: "
        f"{report.log_unhandled}); records lost {report.records_lost}; requests begun and "
        f"never answered {report.dropped}."
    )
    for s in report.scenarios:
        if s.notes:
            lines.append(f"{s.name}: {json.dumps(s.notes)}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outage-seconds", type=float, default=10.0)
    parser.add_argument("--upstream-seconds", type=float, default=5.0)
    parser.add_argument("--calm-seconds", type=float, default=2.0)
    parser.add_argument("--recover-seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--on-redis-error", choices=("block", "local"), default="block")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    scenarios = tuple(s for s in args.scenarios.split(",") if s)
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    options = Options(
        outage_seconds=args.outage_seconds,
        upstream_seconds=args.upstream_seconds,
        calm_seconds=args.calm_seconds,
        recover_seconds=args.recover_seconds,
        concurrency=args.concurrency,
        scenarios=scenarios,
        on_redis_error=args.on_redis_error,
    )
    with tempfile.TemporaryDirectory(prefix="governs-faults-") as workdir:
        report = asyncio.run(run_faults(options, Path(workdir)))
    print(markdown(report))
    if args.json:
        Path(args.json).write_text(json.dumps(asdict(report), indent=2))
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
