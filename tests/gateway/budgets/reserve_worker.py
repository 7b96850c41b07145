"""One "gateway instance" for the two-process test: metering built from settings, as the server
builds it, then COUNT concurrent reservations at START (unix time), each settled at 0.10 USD.

    python -m tests.gateway.budgets.reserve_worker DB_URL REDIS_URL ORG KEY USER COUNT START
"""

from __future__ import annotations

import asyncio
import sys
import time
from decimal import Decimal

import orjson

from core.settings import settings_from_mapping
from core.storage.database import create_engine
from gateway.auth import Principal
from gateway.budgets.estimate import RequestSize
from gateway.budgets.guard import BudgetExceededError
from gateway.budgets.setup import start_metering

MODEL = {"name": "flat", "provider": "p", "upstream_model": "flat-test-model"}
PRICES = {"input_cost_per_mtok": "1000", "output_cost_per_mtok": "1000"}


async def main(
    db_url: str, redis_url: str, org: str, key: str, user: str, count: int, start: float
) -> dict[str, int]:
    settings = settings_from_mapping(
        {
            "database": {"url": db_url},
            "redis": {"url": redis_url},
            "providers": [{"name": "p", "kind": "openai", "base_url": "http://127.0.0.1:9"}],
            "models": [{**MODEL, **PRICES}],
        },
        environ={},
    )
    engine = create_engine(settings.database)
    metering = await start_metering(settings, engine)
    model = settings.models[0].priced_for(settings.models[0].served_by()[0])
    principal = Principal(key, org, "t", user, frozenset())
    size = RequestSize.fixed(50, 50)  # 0.10 USD at most
    await asyncio.sleep(max(0.0, start - time.time()))

    async def one() -> bool:
        try:
            reservation = await metering.budgets.reserve(principal, model, size)
        except BudgetExceededError:
            return False
        await asyncio.sleep(0.05)  # the call to the provider
        metering.budgets.settle_nowait(reservation, Decimal("0.10"))
        return True

    results = await asyncio.gather(*(one() for _ in range(count)))
    await metering.aclose()
    await engine.dispose()
    return {"ok": sum(results), "denied": count - sum(results)}


if __name__ == "__main__":
    db, redis, org, key, user, count, start = sys.argv[1:8]
    outcome = asyncio.run(main(db, redis, org, key, user, int(count), float(start)))
    sys.stdout.write(orjson.dumps(outcome).decode() + "\n")
