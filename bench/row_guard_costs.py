"""What making a record row storable costs (``gateway/row_guard.py``), per row, in-process.

    python bench/row_guard_costs.py [--rounds 200000]

Times ``RowGuard.clean`` on the rows the benchmark's request leaves (a decision and a usage row
as ``gateway/records.py`` makes them: clean, the usual case), and on a row that needs fixing (a
surrogate, an over-long string, JSON nested 300 deep). Every request pays the first twice for
its decisions and once for its usage row.
"""

from __future__ import annotations

import argparse
import sys
import timeit
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.ids import new_id
from core.row_guard import RowGuard
from core.storage.models import Base


def decision() -> dict[str, Any]:
    return {
        "id": new_id(),
        "org_id": new_id(),
        "direction": "precheck",
        "decision": "allow",
        "tool": "ai.generate",
        "scope": "net.external",
        "detector_summary": {"reasons": [], "confidence": 1.0, "piiDetected": []},
        "payload_hash": "0" * 64,
        "payload_out": None,
        "reasons": [],
        "policy_id": None,
        "latency_ms": 3,
        "correlation_id": "req_" + new_id(),
        "tags": ["provider:openai"],
        "api_key_id": new_id(),
        "user_id": None,
        "ts": datetime.now(UTC),
    }


def usage() -> dict[str, Any]:
    return {
        "id": new_id(),
        "org_id": new_id(),
        "user_id": None,
        "api_key_id": new_id(),
        "provider": "openai",
        "model": "gpt-4o-mini",
        "input_tokens": 12,
        "output_tokens": 9,
        "cached_input_tokens": 0,
        "cost": Decimal("0.0000072"),
        "cost_type": "external",
        "tool": "ai.generate",
        "correlation_id": "req_" + new_id(),
        "metadata": {"estimated": False},
        "timestamp": datetime.now(UTC),
    }


def poisoned() -> dict[str, Any]:
    deep: Any = "leaf"
    for _ in range(300):
        deep = {"n": deep}
    return {**decision(), "tool": "t\udcff" + "x" * 300, "detector_summary": deep}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200_000)
    rounds = parser.parse_args().rounds
    tables = Base.metadata.tables
    guards = {
        "decisions": RowGuard(tables["decisions"]),
        "usage": RowGuard(tables["usage_records"]),
    }
    cases = [
        ("decision row, clean", guards["decisions"], decision, rounds),
        ("usage row, clean", guards["usage"], usage, rounds),
        ("decision row to fix", guards["decisions"], poisoned, rounds // 100),
    ]
    for name, guard, make, count in cases:
        rows = [make() for _ in range(min(count, 1000))]
        print(f"{name:<22} {_per_row(guard, rows, count):7.2f} µs")


def _per_row(guard: RowGuard, rows: list[dict[str, Any]], count: int) -> float:
    """µs per ``clean``, less the copy that gives each round fresh rows."""
    number = count // len(rows)
    cleaned = min(timeit.repeat(lambda: [guard.clean(dict(r)) for r in rows], number=number))
    copied = min(timeit.repeat(lambda: [dict(r) for r in rows], number=number))
    return (cleaned - copied) / (number * len(rows)) * 1e6


if __name__ == "__main__":
    main()
