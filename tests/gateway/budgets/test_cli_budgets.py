"""``governs budgets create`` and ``list``, run in a subprocess as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson

from core.settings import DatabaseConfig
from core.storage.database import create_engine, migrate
from tests.gateway.budgets.helpers import add_usage, make_account

ROOT = Path(__file__).parents[3]


def governs(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    config = cwd / "governs.yaml"
    config.write_text(f"database: {{url: 'sqlite+aiosqlite:///{cwd / 'governs.db'}'}}\n")
    return subprocess.run(
        [sys.executable, "-m", "governs", *args, "--config", str(config)],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_create_and_list_with_current_spend(tmp_path: Path) -> None:
    engine = create_engine(DatabaseConfig(url=f"sqlite+aiosqlite:///{tmp_path / 'governs.db'}"))
    try:
        await migrate(engine)
        account = await make_account(engine)
        await add_usage(engine, account, "0.25", datetime.now(UTC))
    finally:
        await engine.dispose()

    org = governs("budgets", "create", "--org", account.org_id, "--limit", "10", cwd=tmp_path)
    assert org.returncode == 0, org.stderr
    org_budget = org.stdout.strip()
    assert len(org_budget) == 26 and "\n" not in org_budget  # only the id on stdout
    key = governs(
        "budgets", "create", "--org", account.org_id, "--key", account.key_id,
        "--limit", "2.50", "--period", "total", "--name", "ci key",
        "--alert-thresholds", "90,25,90",
        cwd=tmp_path,
    )  # fmt: skip
    user = governs(
        "budgets", "create", "--org", account.org_id, "--user", account.user_id,
        "--limit", "5", "--period", "yearly", "--alert-thresholds", "none",
        cwd=tmp_path,
    )  # fmt: skip
    assert key.returncode == 0 and user.returncode == 0, key.stderr + user.stderr

    listed = governs("budgets", "list", "--org", account.org_id, "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in orjson.loads(listed.stdout)}
    assert rows[org_budget] | {"periodStart": None, "periodEnd": None} == {
        "id": org_budget,
        "name": "monthly org budget",
        "scope": "org",
        "userId": None,
        "apiKeyId": None,
        "period": "monthly",
        "limit": "10",
        "spent": "0.25",
        "remaining": "9.75",
        "isActive": True,
        "alertThresholds": None,
        "periodStart": None,
        "periodEnd": None,
    }
    assert rows[key.stdout.strip()]["alertThresholds"] == [25, 90]
    assert rows[user.stdout.strip()]["alertThresholds"] == []
    assert rows[key.stdout.strip()]["scope"] == "key"
    assert rows[key.stdout.strip()]["name"] == "ci key"
    assert rows[user.stdout.strip()]["userId"] == account.user_id

    table = governs("budgets", "list", "--org", account.org_id, cwd=tmp_path)
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == [
        "ID", "SCOPE", "PERIOD", "LIMIT", "SPENT", "ACTIVE", "ALERTS", "NAME"
    ]  # fmt: skip
    assert any(org_budget in line and "0.2500" in line and "default" in line for line in lines)
    assert any(line.startswith(key.stdout.strip()) and " 25,90 " in line for line in lines)
    assert any(line.startswith(user.stdout.strip()) and " none " in line for line in lines)


def test_bad_input_is_refused_clearly(tmp_path: Path) -> None:
    unknown = governs("budgets", "create", "--org", "nobody", "--limit", "1", cwd=tmp_path)
    assert unknown.returncode == 2 and "no org" in unknown.stderr
    for limit in ("0", "NaN"):
        bad = governs("budgets", "create", "--org", "x", "--limit", limit, cwd=tmp_path)
        assert bad.returncode == 2 and "--limit" in bad.stderr, (limit, bad.stderr)
    both = governs(
        "budgets", "create", "--org", "x", "--user", "u", "--key", "k", "--limit", "1",
        cwd=tmp_path,
    )  # fmt: skip
    assert both.returncode == 2 and "not allowed with" in both.stderr
    for thresholds in ("abc", "0", "50,1001", ""):
        bad = governs(
            "budgets", "create", "--org", "x", "--limit", "1",
            "--alert-thresholds", thresholds, cwd=tmp_path,
        )  # fmt: skip
        assert bad.returncode == 2 and "--alert-thresholds" in bad.stderr, (thresholds, bad.stderr)
    missing = governs("budgets", "list", "--org", "nobody", cwd=tmp_path)
    assert missing.returncode == 1 and "no org" in missing.stderr
