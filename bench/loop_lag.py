"""Run ``governs`` with an event-loop lag probe and per-phase timers (debug only, never shipped).

    LOOP_LAG_OUT=/tmp/lag.json python bench/loop_lag.py serve --config F --workers 1

or, through the benchmark (it appends ``serve --config F --workers 1``):

    python bench/run.py --regimes realistic --gateway-command \
        "env LOOP_LAG_OUT=/tmp/lag.json PYTHONPATH=<tree> python <tree>/bench/loop_lag.py"

What it measures, written as JSON to ``LOOP_LAG_OUT`` when the gateway stops:

- ``lag``: a task sleeps ``LOOP_LAG_TICK_MS`` (default 2) again and again; how late each wake-up
  comes is how long the loop was busy with other work (or waiting for the GIL) at that moment.
- ``gc``: every collection, by generation, with its duration (``gc.callbacks``).
- ``writer``: every record-writer batch: its size and the wall time of its insert (the loop is
  free while SQLite works in its thread, but encoding and hand-offs run on the loop).
- ``handler``: wall time of each chat handler, and of its upstream part (send to the last byte
  read), so "handler minus upstream" is the gateway's own time inside the handler; the
  difference between that and what wrk sees is time spent queued before or after the handler.
- ``stalls``: the 200 latest wake-ups, by lateness, with the time since start, to line them
  up against writer batches and collections.

Ablations, each switched on by a variable (figures in bench/RESULTS.md):

- ``LOOP_LAG_SQLITE_NICE=N`` / ``LOOP_LAG_SQLITE_IDLE=1``: aiosqlite's threads run at nice N,
  or in the ``SCHED_IDLE`` class (Linux), so they yield the core to the loop;
- ``LOOP_LAG_SWITCH_INTERVAL=S``: ``sys.setswitchinterval(S)`` (how long a thread waits for the
  GIL before asking the holder to drop it);
- ``LOOP_LAG_FLUSH_SECONDS=S``: the record writer's flush interval;
- ``LOOP_LAG_NO_RECORDS=1``: rows are made and guarded but never queued (the benchmark's record
  check then fails, as it should);
- ``LOOP_LAG_BURN_US=N``: N µs more CPU per chat request, spent on the loop: how the tail moves
  with the CPU per request, nothing else changed.

The probe patches classes in the process it runs in and costs some CPU of its own (about 500
wake-ups a second): use it to find where time goes, never for a run of record.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

TICK_S = float(os.environ.get("LOOP_LAG_TICK_MS", "2")) / 1000
OUT = os.environ.get("LOOP_LAG_OUT")
STARTED = time.perf_counter()


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

    return {
        "count": len(ordered),
        "mean": round(sum(ordered) / len(ordered), 3),
        "p50": at(0.50),
        "p90": at(0.90),
        "p99": at(0.99),
        "p999": at(0.999),
        "max": round(ordered[-1], 3),
    }


class Probe:
    def __init__(self) -> None:
        self.lag_ms: list[float] = []
        self.stalls: list[tuple[float, float]] = []  # (seconds since start, ms late)
        self.gc: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self.gc_at: list[tuple[float, int, float]] = []
        self._gc_started = 0.0
        self.batches: list[tuple[float, int, float]] = []  # (since start, rows, ms)
        self.handler_ms: list[float] = []
        self.upstream_ms: list[float] = []
        self.own_ms: list[float] = []

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        now = time.perf_counter()
        if phase == "start":
            self._gc_started = now
            return
        took = (now - self._gc_started) * 1000
        self.gc[info["generation"]].append(took)
        if info["generation"] > 0 or took > 1:
            self.gc_at.append((round(now - STARTED, 4), info["generation"], round(took, 3)))

    async def tick(self) -> None:
        while True:
            planned = time.perf_counter() + TICK_S
            await asyncio.sleep(TICK_S)
            late = (time.perf_counter() - planned) * 1000
            self.lag_ms.append(late)
            if late > 1:
                self.stalls.append((round(planned - STARTED, 4), round(late, 3)))

    def report(self) -> dict[str, Any]:
        return {
            "tick_ms": TICK_S * 1000,
            "lag": percentiles(self.lag_ms),
            "lag_over_ms": {
                str(limit): sum(1 for x in self.lag_ms if x > limit) for limit in (1, 2, 5, 10, 20)
            },
            "gc": {str(gen): percentiles(times) for gen, times in self.gc.items()},
            "gc_events": self.gc_at[-200:],
            "writer": {
                "rows": percentiles([float(n) for _, n, _ in self.batches]),
                "ms": percentiles([ms for _, _, ms in self.batches]),
                "last": self.batches[-100:],
            },
            "handler": {
                "total_ms": percentiles(self.handler_ms),
                "upstream_ms": percentiles(self.upstream_ms),
                "own_ms": percentiles(self.own_ms),
            },
            "threads_cpu_s": thread_cpu(),
            "stalls": sorted(self.stalls, key=lambda s: -s[1])[:200],
        }


PROBE = Probe()


def thread_cpu() -> dict[str, float]:
    """CPU seconds (user + system) of each of this process's threads, by name and id."""
    ticks = os.sysconf("SC_CLK_TCK")
    result = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        result[f"{name}/{task.name}"] = (int(fields[11]) + int(fields[12])) / ticks
    return result


def install() -> None:
    """Patch the gateway's classes before the app is built."""
    from aiohttp import web

    import gateway.forwarder as forwarder
    import governs.server as server
    from gateway.writer import RecordWriter

    gc.callbacks.append(PROBE.on_gc)

    switch = os.environ.get("LOOP_LAG_SWITCH_INTERVAL")
    if switch is not None:  # ablation: how long a thread waits for the GIL before asking for it
        sys.setswitchinterval(float(switch))
    nice = os.environ.get("LOOP_LAG_SQLITE_NICE")
    idle = os.environ.get("LOOP_LAG_SQLITE_IDLE")
    if nice is not None or idle:  # ablation: the SQLite threads yield the core to the loop
        import threading

        import aiosqlite.core

        worker = aiosqlite.core._connection_worker_thread

        def niced_worker(tx: Any) -> None:
            if nice is not None:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), int(nice))
            if idle:
                os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
            worker(tx)

        aiosqlite.core._connection_worker_thread = niced_worker
    if os.environ.get("LOOP_LAG_NO_RECORDS"):  # ablation: rows are made but never written

        def no_submit(self: RecordWriter, table: str, row: dict[str, Any]) -> None:
            self._guards[table].clean(row)

        RecordWriter.submit = no_submit  # type: ignore[method-assign]

    flush = os.environ.get("LOOP_LAG_FLUSH_SECONDS")
    if flush is not None:  # ablation: the writer's flush interval
        original_init = RecordWriter.__init__

        def init(self: RecordWriter, engine: Any, config: Any, spool: Any) -> None:
            config = config.model_copy(update={"flush_interval_seconds": float(flush)})
            original_init(self, engine, config, spool)

        RecordWriter.__init__ = init  # type: ignore[method-assign]

    original_insert = RecordWriter._insert

    async def timed_insert(self: RecordWriter, batch: Any) -> None:
        started = time.perf_counter()
        try:
            await original_insert(self, batch)
        finally:
            now = time.perf_counter()
            PROBE.batches.append((round(started - STARTED, 4), len(batch), (now - started) * 1000))

    RecordWriter._insert = timed_insert  # type: ignore[method-assign]

    upstream_started: dict[int, float] = {}
    original_send = forwarder.HttpTransport.send
    original_read = forwarder._HttpResponse.read

    async def timed_send(self: Any, request: Any) -> Any:
        task = asyncio.current_task()
        upstream_started[id(task)] = time.perf_counter()
        return await original_send(self, request)

    async def timed_read(self: Any) -> bytes:
        data = await original_read(self)
        task = asyncio.current_task()
        began = upstream_started.pop(id(task), None)
        if began is not None:
            PROBE.upstream_ms.append((time.perf_counter() - began) * 1000)
            current = HANDLER_STARTED.get(id(task))
            if current is not None:
                current.append((time.perf_counter() - began) * 1000)
        return data

    forwarder.HttpTransport.send = timed_send  # type: ignore[method-assign]
    forwarder._HttpResponse.read = timed_read  # type: ignore[method-assign]

    HANDLER_STARTED: dict[int, list[float]] = {}
    original_chat = server.chat_completions

    burn_s = float(os.environ.get("LOOP_LAG_BURN_US", "0")) / 1e6

    async def timed_chat(request: web.Request) -> web.StreamResponse:
        if burn_s:  # calibration: this much more CPU a request, on the loop, nothing else
            until = time.thread_time() + burn_s
            while time.thread_time() < until:
                pass
        task = asyncio.current_task()
        upstream: list[float] = []
        HANDLER_STARTED[id(task)] = upstream
        started = time.perf_counter()
        try:
            return await original_chat(request)
        finally:
            total = (time.perf_counter() - started) * 1000
            HANDLER_STARTED.pop(id(task), None)
            PROBE.handler_ms.append(total)
            if upstream:
                PROBE.own_ms.append(total - upstream[0])

    server.chat_completions = timed_chat  # type: ignore[assignment]

    original_build = server.build_app

    def build_app(settings: Any) -> web.Application:
        app = original_build(settings)

        async def probe(_app: web.Application) -> Any:
            task = asyncio.create_task(PROBE.tick())
            yield
            task.cancel()
            if OUT:
                report = json.dumps(PROBE.report(), indent=1)
                await asyncio.to_thread(Path(OUT).write_text, report)

        app.cleanup_ctx.append(probe)
        return app

    server.build_app = build_app  # type: ignore[assignment]


if __name__ == "__main__":
    install()
    from governs.cli import main

    sys.exit(main())
