"""Finance views at scale: 10 M usage rows and 2 M decisions of one org in PostgreSQL.

Loads a fresh database (``generate_series``, in the database: minutes, not hours), rolls the
usage up as migration 0005 does for rows already there and fills ``spend_totals`` as 0006 does,
starts the gateway in this process and times, over HTTP with an admin key of the org, what the
issue names:

    30-day usage report        GET /api/v1/usage                      target <= 1 s
    CSV by key                 GET /api/v1/usage?by=key&format=csv    target <= 1 s
    budget current spend       budgets.store.spend_in_period          target <= 10 ms
                               (its own session, as the guard and the admin API open one)
    decisions page with stats  GET /api/decisions?includeStats=true   target <= 0.3 s

and, for comparison, the raw-row queries these replaced. Each is run once to warm up, then
``--repeat`` times; the median, minimum and maximum are printed as a Markdown table.

    python bench/usage_scale.py --postgres-url postgresql://postgres@127.0.0.1:5432/test
    python bench/usage_scale.py --rows 100000 --decisions 20000   # a quick look

The database is dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from aiohttp import web

from core.settings import settings_from_mapping
from core.storage.database import create_engine, session_factory
from core.storage.keys import create_key, get_or_create_org
from gateway.budgets.store import BudgetSpec, spend_in_period
from governs.cli import prepare_database
from governs.server import build_app

MODELS = ("gpt-4o-mini", "gpt-4.1", "claude-sonnet", "gemini-flash", "o3", "embed-small")
PROVIDERS = ("openai", "openai", "anthropic", "gemini", "openai", "openai")


def _array(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"


# Rows spread evenly over the last `days` days; ids sort by time like the gateway's own. As in
# real traffic, a key belongs to one user and serves several models, tools and end users every
# day: with k = g % keys and h = g / keys, key k → user k % users, model (k + h % 3) % 6 (three
# per key), tool (h / 3) % 3, end user k * 10 + (h / 9) % 10 (ten per key): up to 90 rollup
# rows per key and day, the rollup key being (org, day, model, provider, key, user, end user,
# tool).
USAGE_SQL = f"""
INSERT INTO usage_records (id, org_id, user_id, api_key_id, provider, model, input_tokens,
    output_tokens, cached_input_tokens, cost, cost_type, tool, end_user, correlation_id,
    metadata, timestamp)
SELECT lpad(g::text, 26, '0'), $1, 'u' || ((g % $5) % $4), 'k' || (g % $5),
    ({_array(PROVIDERS)})[1 + ((g % $5) + (g / $5) % 3) % 6],
    ({_array(MODELS)})[1 + ((g % $5) + (g / $5) % 3) % 6],
    200 + g % 800, 50 + g % 300, 0, (g % 97) * 0.0000137, 'external',
    (ARRAY['ai.generate', 'crm.lookup', 'support.reply'])[1 + ((g / $5) / 3) % 3],
    'eu' || ((g % $5) * 10 + ((g / $5) / 9) % 10), 'c' || g, '{{}}'::jsonb,
    now() - make_interval(secs => ($3 * 86400.0) * (1 - g::float8 / $2))
FROM generate_series(1, $2) AS g
"""

# Decisions the same way: per key (k = g % 200, h = g / 200) both directions, six outcomes,
# three tools and three models: up to 108 rollup rows per key and day.
DECISIONS_SQL = f"""
INSERT INTO decisions (id, org_id, direction, decision, tool, scope, detector_summary,
    payload_hash, reasons, latency_ms, correlation_id, tags, api_key_id, user_id, model,
    provider, ts)
SELECT 'd' || lpad(g::text, 25, '0'), $1,
    (ARRAY['precheck', 'postcheck'])[1 + (g / 200) % 2],
    (ARRAY['allow', 'allow', 'allow', 'transform', 'deny', 'error'])[1 + (g / 400) % 6],
    (ARRAY['ai.generate', 'crm.lookup', 'support.reply'])[1 + (g / 2400) % 3], 'net.external',
    '{{}}'::jsonb, md5(g::text), '[]'::jsonb, g % 40, 'c' || g, '[]'::jsonb, 'k' || (g % 200),
    'u' || ((g % 200) % 50), ({_array(MODELS)})[1 + ((g % 200) + (g / 7200) % 3) % 6],
    ({_array(PROVIDERS)})[1 + ((g % 200) + (g / 7200) % 3) % 6],
    now() - make_interval(secs => ($3 * 86400.0) * (1 - g::float8 / $2))
FROM generate_series(1, $2) AS g
"""

ROLLUP_SQL = """
INSERT INTO usage_rollups (org_id, day, model, provider, api_key_id, user_id, end_user, tool,
    input_tokens, output_tokens, cached_input_tokens, cost, requests, unpriced_requests)
SELECT org_id, (timestamp AT TIME ZONE 'UTC')::date, model, provider, coalesce(api_key_id, ''),
    coalesce(user_id, ''), coalesce(end_user, ''), coalesce(tool, ''), sum(input_tokens),
    sum(output_tokens), sum(cached_input_tokens), coalesce(sum(cost), 0), count(*),
    sum(CASE WHEN cost IS NULL THEN 1 ELSE 0 END)
FROM usage_records GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""

DECISION_ROLLUP_SQL = """
INSERT INTO decision_rollups (org_id, day, direction, decision, tool, api_key_id, user_id, model,
    decisions)
SELECT org_id, (ts AT TIME ZONE 'UTC')::date, direction, decision, coalesce(tool, ''),
    coalesce(api_key_id, ''), coalesce(user_id, ''), coalesce(model, ''), count(*)
FROM decisions GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""

# As migration 0006_budget_spend fills spend_totals from the rollups.
SPEND_SQL = """
INSERT INTO spend_totals (org_id, scope, scope_id, month, cost)
SELECT org_id, 'org', '', date_trunc('month', day)::date, sum(cost) FROM usage_rollups
GROUP BY org_id, date_trunc('month', day)::date
UNION ALL
SELECT org_id, 'key', api_key_id, date_trunc('month', day)::date, sum(cost) FROM usage_rollups
WHERE api_key_id <> '' GROUP BY org_id, api_key_id, date_trunc('month', day)::date
UNION ALL
SELECT org_id, 'user', user_id, date_trunc('month', day)::date, sum(cost) FROM usage_rollups
WHERE user_id <> '' GROUP BY org_id, user_id, date_trunc('month', day)::date
"""

# A budget's spend as it was read before spend_totals: the usage rollups of the month's days
# (org, then one key), the query of commit 76d2a4a.
MONTH_START = "date_trunc('month', now() AT TIME ZONE 'UTC')::date"
ROLLUP_SPEND_SQL = f"""
SELECT sum(cost) FROM usage_rollups WHERE org_id = $1 AND day >= {MONTH_START}
"""
ROLLUP_KEY_SPEND_SQL = f"""
SELECT sum(cost) FROM usage_rollups
WHERE org_id = $1 AND api_key_id = $2 AND day >= {MONTH_START}
"""
# What spend_in_period reads now, for EXPLAIN.
TOTALS_KEY_SPEND_SQL = f"""
SELECT sum(cost) FROM spend_totals
WHERE org_id = $1 AND scope = 'key' AND scope_id = $2 AND month >= {MONTH_START}
    AND month < ({MONTH_START} + interval '1 month')::date
"""

# What the report, a budget's spend and the stats read before the rollups (for comparison).
RAW_REPORT_SQL = """
SELECT to_char(timezone('UTC', timestamp), 'YYYY-MM-DD') AS day, model, sum(input_tokens),
    sum(output_tokens), sum(cost), count(*)
FROM usage_records WHERE org_id = $1 AND timestamp >= now() - interval '30 days'
GROUP BY 1, 2
"""
RAW_STATS_SQL = """
SELECT decision, direction, tool, count(*) FROM decisions WHERE org_id = $1 GROUP BY 1, 2, 3
"""
RAW_SPEND_SQL = """
SELECT sum(cost) FROM usage_records
WHERE org_id = $1 AND timestamp >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
"""


async def timed(label: str, repeat: int, work: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    await work()  # warm-up: caches, plans, connections
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        runs.append(time.perf_counter() - started)
    return {"label": label, "median": statistics.median(runs), "min": min(runs), "max": max(runs)}


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


async def load(admin_url: str, url: str, args: argparse.Namespace) -> str:
    """Create and fill the database; return the org's id."""
    settings = settings_from_mapping({"database": {"url": url}}, environ={})
    await prepare_database(settings)
    engine = create_engine(settings.database)
    async with session_factory(engine).begin() as session:
        org = await get_or_create_org(session, "bench", "Bench")
        org_id = org.id
    await engine.dispose()
    connection = await asyncpg.connect(admin_url)
    try:
        for n in range(args.keys):
            await connection.execute(
                "INSERT INTO api_keys (id, key_hash, key_prefix, name, org_id, scopes, env,"
                " is_active, created_at, updated_at) VALUES ($1, $2, 'gai_x', $3, $4, '[]',"
                " 'prod', true, now(), now())",
                f"k{n}",
                uuid.uuid4().hex + uuid.uuid4().hex,
                f"service-{n}",
                org_id,
            )
        steps = [
            ("usage rows", USAGE_SQL, (org_id, args.rows, args.days, args.users, args.keys)),
            ("decisions", DECISIONS_SQL, (org_id, args.decisions, args.days)),
            ("usage rollups (as migration 0005 backfills)", ROLLUP_SQL, ()),
            ("decision rollups (as migration 0005 backfills)", DECISION_ROLLUP_SQL, ()),
            ("spend totals (as migration 0006 fills them)", SPEND_SQL, ()),
        ]
        for label, sql, parameters in steps:
            started = time.perf_counter()
            await connection.execute(sql, *parameters)
            print(f"loaded {label} in {time.perf_counter() - started:,.0f} s", flush=True)
        await connection.execute("ANALYZE")
        for table in ("usage_rollups", "decision_rollups", "spend_totals"):
            rows = await connection.fetchval(f"SELECT count(*) FROM {table}")
            print(f"{rows:,} rows in {table}", flush=True)
    finally:
        await connection.close()
    return org_id


async def measure(admin_url: str, url: str, org_id: str, repeat: int) -> list[dict[str, Any]]:
    settings = settings_from_mapping(
        {"database": {"url": url}, "writer": {"spool_dir": f"/tmp/usage-scale-{uuid.uuid4()}"}},
        environ={},
    )
    engine = create_engine(settings.database)
    async with session_factory(engine).begin() as session:
        org = await get_or_create_org(session, "bench", "Bench")
        _, secret = await create_key(session, org, label="bench-admin", scopes=("admin",))
    # As `governs serve` runs (gateway/cli.py): fewer young collections, start-up heap frozen;
    # with the defaults, a report's few thousand small objects pay for full collections.
    gc.set_threshold(50_000, 20, 10)
    runner = web.AppRunner(build_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    gc.collect()
    gc.freeze()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    headers = {"Authorization": f"Bearer {secret}"}
    raw = await asyncpg.connect(admin_url)
    results = []
    try:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as client:

            async def get(path: str, **params: str) -> None:
                response = await client.get(path, params=params)
                response.raise_for_status()

            now = datetime.now(UTC)
            org_budget = BudgetSpec("b1", org_id, None, None, "org", 0, "monthly")  # type: ignore[arg-type]
            key_budget = BudgetSpec("b2", org_id, None, "k7", "key", 0, "monthly")  # type: ignore[arg-type]
            year_budget = BudgetSpec("b3", org_id, None, None, "org", 0, "yearly")  # type: ignore[arg-type]

            async def spend(budget: BudgetSpec) -> None:
                async with session_factory(engine)() as session:
                    await spend_in_period(session, budget, now)

            plan: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
                ("30-day usage report (by model, per day)", lambda: get("/api/v1/usage")),
                (
                    "CSV by key, 30 days",
                    lambda: get("/api/v1/usage", by="key", format="csv", groupBy="month"),
                ),
                ("budget current spend: org, this month", lambda: spend(org_budget)),
                ("budget current spend: one key, this month", lambda: spend(key_budget)),
                ("budget current spend: org, this year", lambda: spend(year_budget)),
                (
                    "decisions page (50) with stats",
                    lambda: get("/api/decisions", includeStats="true"),
                ),
                ("decisions page (50) without stats", lambda: get("/api/decisions")),
                (
                    "before: budget spend from rollups, org (SQL)",
                    lambda: raw.fetchval(ROLLUP_SPEND_SQL, org_id),
                ),
                (
                    "before: budget spend from rollups, one key (SQL)",
                    lambda: raw.fetchval(ROLLUP_KEY_SPEND_SQL, org_id, "k7"),
                ),
                (
                    "budget spend from spend_totals, one key (SQL, no session)",
                    lambda: raw.fetchval(TOTALS_KEY_SPEND_SQL, org_id, "k7"),
                ),
                ("before: raw-row 30-day report (SQL)", lambda: raw.fetch(RAW_REPORT_SQL, org_id)),
                ("before: raw-row org spend (SQL)", lambda: raw.fetchval(RAW_SPEND_SQL, org_id)),
                ("before: raw-row decision stats (SQL)", lambda: raw.fetch(RAW_STATS_SQL, org_id)),
            ]
            for label, work in plan:
                result = await timed(label, repeat, work)
                print(
                    f"{label}: median {_ms(result['median'])} (min {_ms(result['min'])}, max"
                    f" {_ms(result['max'])})",
                    flush=True,
                )
                results.append(result)
            for label, sql, parameters in (
                ("budget spend from rollups, one key", ROLLUP_KEY_SPEND_SQL, (org_id, "k7")),
                ("budget spend from spend_totals, one key", TOTALS_KEY_SPEND_SQL, (org_id, "k7")),
            ):
                plan_rows = await raw.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *parameters)
                print(f"\nEXPLAIN ANALYZE, {label}:", flush=True)
                print("\n".join(row[0] for row in plan_rows), flush=True)
    finally:
        await raw.close()
        await runner.cleanup()
        await engine.dispose()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--decisions", type=int, default=2_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    name = f"governs_bench_{uuid.uuid4().hex[:8]}"
    server = await asyncpg.connect(args.postgres_url)
    await server.execute(f'CREATE DATABASE "{name}"')
    base = args.postgres_url.rsplit("/", 1)[0]
    admin_url = f"{base}/{name}"
    url = admin_url.replace("postgresql://", "postgresql+asyncpg://")
    print(f"database {name}", flush=True)
    try:
        org_id = await load(admin_url, url, args)
        results = await measure(admin_url, url, org_id, args.repeat)
        print("\n| what | median | min | max |\n|---|---:|---:|---:|")
        for r in results:
            print(f"| {r['label']} | {_ms(r['median'])} | {_ms(r['min'])} | {_ms(r['max'])} |")
    finally:
        if not args.keep:
            await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await server.close()


if __name__ == "__main__":
    asyncio.run(main())
