"""What each step of the request path costs, measured in-process and without the network.

    python bench/pipeline_costs.py [--rounds 20000]

Times the gateway's own per-request work on the benchmark's request (the body chat.lua sends,
the completion fake_upstream.py answers), step by step, with the real objects: key check
(cached), body validation, payload hash, record rows, writer queue, upstream request building
and response parsing. Then it times the record writer's database inserts per request (three
rows: two decisions and one usage record), split into the event-loop thread (encoding rows) and
the SQLite thread (aiosqlite), by thread CPU time. Also timed: the rows' encoding for the
insert, and the OpenAI stream pass-through on the benchmark's stream
(``fake_upstream.stream_body``). Run it before and after a change on the request path;
bench/run.py measures the whole thing over the network.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fake_upstream import completion_body, stream_body  # noqa: E402
from sqlalchemy.dialects import sqlite  # noqa: E402

from core.ids import new_id, new_request_id  # noqa: E402
from core.scopes import Scope  # noqa: E402
from core.settings import settings_from_mapping  # noqa: E402
from core.storage.bulk_insert import BulkInsert  # noqa: E402
from core.storage.database import create_engine  # noqa: E402
from core.storage.models import Base  # noqa: E402
from fronts.chat_request import parse_chat_request  # noqa: E402
from gateway.auth import KeyStore, Principal, bearer_token  # noqa: E402
from gateway.middleware import _ACCEPTABLE_REQUEST_ID  # noqa: E402
from gateway.pricing import cost_of  # noqa: E402
from gateway.records import (  # noqa: E402
    ALLOW,
    POSTCHECK,
    PRECHECK,
    decision_row,
    payload_hash,
    usage_row,
)
from gateway.spool import Spool  # noqa: E402
from gateway.writer import RECORD_TABLES, RecordWriter  # noqa: E402
from governs.cli import prepare_database  # noqa: E402
from providers.registry import build_adapter  # noqa: E402


@dataclass(slots=True)
class _Facts:
    """What a ``gateway.ledger.ProxiedCall`` gives the row builders (``records.CallFacts``)."""

    principal: Principal
    correlation_id: str
    payload_hash: str
    tool: str
    model: str
    provider: str
    tags: list[str]
    end_user: str | None = None


API_KEY = "gai_bench-bootstrap-key-0123456789abcdefghijklmnop"
# The body chat.lua sends (keep the two in step).
CHAT_BODY = (
    b'{"model":"gpt-4o-mini","messages":['
    b'{"role":"system","content":"You are a concise support assistant for an online shop."},'
    b'{"role":"user","content":"My order 10482 arrived with a cracked screen protector. '
    b'How do I request a replacement, and how long does it usually take?"}],'
    b'"temperature":0.2,"max_tokens":200}'
)


# Timed in CPU time of this thread, not wall time: the figures stay true on a busy machine.
def timed(label: str, rounds: int, step: Callable[[], Any]) -> tuple[str, float]:
    step()
    started = time.thread_time()
    for _ in range(rounds):
        step()
    return label, (time.thread_time() - started) / rounds * 1e6


def pass_stream(translator: Any, body: bytes) -> bytes:
    """A whole stream through a provider's stream translator, as one network read."""
    return translator.feed(body) + translator.close()


async def timed_async(
    label: str, rounds: int, step: Callable[[], Awaitable[Any]]
) -> tuple[str, float]:
    await step()
    started = time.thread_time()
    for _ in range(rounds):
        await step()
    return label, (time.thread_time() - started) / rounds * 1e6


async def main(rounds: int, variants: bool) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="governs-costs-"))
    settings = settings_from_mapping(
        {
            "database": {"url": f"sqlite+aiosqlite:///{workdir / 'governs.db'}"},
            "writer": {"spool_dir": str(workdir / "spool")},
            "providers": [{"name": "bench", "kind": "openai", "base_url": "http://127.0.0.1:9/v1"}],
            "models": [
                {
                    "name": "gpt-4o-mini",
                    "provider": "bench",
                    "input_cost_per_mtok": "0.15",
                    "output_cost_per_mtok": "0.60",
                }
            ],
        },
        environ={"GOVERNS_BOOTSTRAP_KEY": API_KEY},
    )
    await prepare_database(settings)
    engine = create_engine(settings.database)
    keys = KeyStore(engine, cache_seconds=3600)
    principal: Principal = await keys.authenticate(API_KEY, Scope.PRECHECK_INVOKE)
    adapter = build_adapter(settings.providers[0])
    model = settings.models[0]
    chat = parse_chat_request(CHAT_BODY)
    upstream_body = completion_body(1, int(time.time()))
    facts = _Facts(
        principal=principal,
        correlation_id=new_request_id(),
        payload_hash=payload_hash(chat.body),
        tool="ai.generate",
        model=model.name,
        provider="bench",
        tags=["provider:bench", f"model:{model.name}"],
    )
    usage = adapter.parse_chat_response(upstream_body).usage
    assert usage is not None

    def rows() -> list[tuple[str, dict[str, Any]]]:
        return [
            ("decisions", decision_row(facts, direction=PRECHECK, decision=ALLOW, latency_ms=0)),
            ("usage_records", usage_row(facts, usage, cost_of(usage, model))),
            ("decisions", decision_row(facts, direction=POSTCHECK, decision=ALLOW, latency_ms=1)),
        ]

    writer = RecordWriter(engine, settings.writer, Spool(workdir / "spool"))
    built = rows()
    encoders = {
        name: BulkInsert(engine.dialect, Base.metadata.tables[name]).encode
        for name in RECORD_TABLES
    }
    stream = stream_body(1, int(time.time()), include_usage=True)
    results = [
        timed(
            "request id + header check",
            rounds,
            lambda: (_ACCEPTABLE_REQUEST_ID.match(""), new_request_id()),
        ),
        await timed_async(
            "authenticate (cache hit: sha256, Principal)",
            rounds,
            lambda: keys.authenticate(bearer_token(f"Bearer {API_KEY}"), Scope.PRECHECK_INVOKE),
        ),
        timed(
            "parse_chat_request (orjson + pydantic)", rounds, lambda: parse_chat_request(CHAT_BODY)
        ),
        timed("payload_hash (orjson sorted + sha256)", rounds, lambda: payload_hash(chat.body)),
        timed(
            "build_chat_request (dict copy + orjson)",
            rounds,
            lambda: adapter.build_chat_request(chat.body, "gpt-4o-mini", stream=False),
        ),
        timed(
            "parse_chat_response (orjson + usage)",
            rounds,
            lambda: adapter.parse_chat_response(upstream_body),
        ),
        timed(
            "OpenAI stream pass-through, the benchmark's stream (41 events)",
            rounds // 20 or 1,
            lambda: pass_stream(adapter.open_stream(client_wants_usage=False), stream),
        ),
        timed("cost_of (Decimal)", rounds, lambda: cost_of(usage, model)),
        timed("3 rows: 2 decision_row + usage_row", rounds, rows),
        timed("  of which 3 x new_id (ULID)", rounds, lambda: (new_id(), new_id(), new_id())),
        timed(
            "writer.submit x 3, and the drain task's get",
            rounds,
            # Taken out again at once, as the drain task does: a queue past writer.max_queue
            # would send rows to the spool instead.
            lambda: (
                [writer.submit(t, r) for t, r in (("decisions", {}),) * 3],
                writer._take_batch(3),
            ),
        ),
        timed(
            "  the 3 rows encoded for the insert (in the loop CPU below)",
            rounds,
            lambda: [encoders[table](row) for table, row in built],
        ),
    ]
    width = max(len(label) for label, _ in results)
    print(f"{'step':<{width}}  CPU µs per request")
    for label, micros in results:
        print(f"{label:<{width}}  {micros:8.2f}")
    total = sum(m for label, m in results if not label.startswith("  "))
    print(f"{'total of the steps above':<{width}}  {total:8.2f}")

    # The writer's inserts: batches of 500 rows (the default batch_size), 3 rows per request.
    batches = max(4, rounds // 2000)
    per_batch = 500 // 3

    async def insert_cost(label: str, insert: Callable[[list], Awaitable[None]]) -> None:
        prepared = [[row for _ in range(per_batch) for row in rows()] for _ in range(batches + 1)]
        await insert(prepared.pop())  # warm: compile the statements, open the connection
        wall, cpu_main, cpu_all = time.perf_counter(), time.thread_time(), time.process_time()
        for batch in prepared:
            await insert(batch)
        requests = batches * per_batch
        main_thread = (time.thread_time() - cpu_main) / requests * 1e6
        sqlite_thread = (time.process_time() - cpu_all) / requests * 1e6 - main_thread
        wall = (time.perf_counter() - wall) / requests * 1e6
        print(f"{label:<58} {main_thread:8.2f} {sqlite_thread:8.2f} {wall:8.2f}")

    print()
    print(f"writer inserts, per request (3 rows; {batches} batches of {per_batch * 3} rows), µs:")
    print(f"{'':<58} {'loop CPU':>8} {'SQL CPU':>8} {'wall':>8}")
    await insert_cost("as the writer does it (compiled once, tuples)", writer._insert)
    if variants:
        await insert_cost(
            "  variant: SQLAlchemy insert(), executemany", sqlalchemy_inserter(engine)
        )
        async with engine.begin() as connection:
            for index in LOW_SELECTIVITY_INDEXES:
                await connection.exec_driver_sql(f"DROP INDEX IF EXISTS {index}")
        await insert_cost(
            f"  variant: without {len(LOW_SELECTIVITY_INDEXES)} low-selectivity indexes",
            writer._insert,
        )
    await engine.dispose()


# Indexes on columns with a handful of values (or mostly NULL), which the variant drops.
LOW_SELECTIVITY_INDEXES = (
    "ix_decisions_decision",
    "ix_decisions_direction",
    "ix_decisions_policy_id",
    "ix_usage_records_provider",
)


def sqlalchemy_inserter(engine: Any) -> Callable[[list], Awaitable[None]]:
    """How the writer inserted before ``storage/bulk_insert.py``: SQLAlchemy's own statement."""
    statements = {
        name: sqlite.insert(Base.metadata.tables[name]).on_conflict_do_nothing(
            index_elements=["id"]
        )
        for name in RECORD_TABLES
    }

    async def insert(batch: list[tuple[str, dict[str, Any]]]) -> None:
        by_table: dict[str, list[dict[str, Any]]] = {}
        for table, row in batch:
            by_table.setdefault(table, []).append(row)
        async with engine.begin() as connection:
            for table in RECORD_TABLES:
                if by_table.get(table):
                    await connection.execute(statements[table], by_table[table])

    return insert


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20000)
    parser.add_argument(
        "--variants", action="store_true", help="also time cheaper ways to insert the records"
    )
    arguments = parser.parse_args()
    try:
        import uvloop

        uvloop.run(main(arguments.rounds, arguments.variants))
    except ImportError:
        asyncio.run(main(arguments.rounds, arguments.variants))
