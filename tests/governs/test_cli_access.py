"""The operator's CLI (``governs.cli.main``, argv in, exit code and output out; in process,
for speed: ``test_cli`` runs it as a subprocess) on the running gateway's database:
orgs are created explicitly (a typo in ``--org`` is an error), keys are disabled, enabled and
revoked and the running gateway follows, policies are applied only with an explicit choice and
say which one is in force, and every change from the CLI and the API leaves one audit row."""

from __future__ import annotations

import contextlib
import io
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import orjson
import pytest
import yaml

from governs.cli import main
from tests.admin_api.support import Api, make_org
from tests.harness import RunningGateway

CHAT = {"model": "echo", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def cli(gateway: RunningGateway, tmp_path: Path):  # type: ignore[no-untyped-def]
    """``cli(*args, check=True)``: ``governs ARGS --config F`` on the shared gateway's database,
    with the same model names (served by echo: the CLI only checks names)."""
    config = tmp_path / "governs.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": {"url": gateway.settings.database.url},
                "providers": [{"name": "echo", "kind": "echo"}],
                "models": [{"name": m.name, "provider": "echo"} for m in gateway.settings.models],
            }
        )
    )

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = [*args, "--config", str(config)]
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                code = main(argv)
            except SystemExit as exit_:  # argparse's own errors
                code = int(exit_.code or 0)
        result = subprocess.CompletedProcess(argv, code, stdout.getvalue(), stderr.getvalue())
        if check:
            result.check_returncode()
        return result

    return run


def chat(gateway: RunningGateway, key: str, model: str = "echo") -> int:
    return httpx.post(
        f"{gateway.openai_base_url}/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={**CHAT, "model": model},
        timeout=30,
    ).status_code


def eventually_status(gateway: RunningGateway, key: str, status: int, timeout: float = 6) -> None:
    deadline = time.monotonic() + timeout
    while (got := chat(gateway, key)) != status:
        assert time.monotonic() < deadline, f"still {got}, expected {status}"
        time.sleep(0.2)


def slug() -> str:
    return f"cli-{uuid.uuid4().hex[:10]}"


def test_an_unknown_org_is_an_error_everywhere_but_orgs_create(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ghost = slug()
    policy = tmp_path / "p.yaml"
    policy.write_text("name: p\ntoolAccessMatrix: {default: {email: mask}}\n")
    for args in (
        ("keys", "create", "--org", ghost, "--label", "x", "--scopes", "precheck:invoke"),
        ("policies", "apply", "--org", ghost, str(policy)),
        ("budgets", "create", "--org", ghost, "--limit", "5"),
        ("orgs", "grant", "--org", ghost, "--all-models"),
    ):
        result = cli(*args, check=False)
        assert result.returncode == 2, (args, result.stderr)
        assert ghost in result.stderr and result.stdout == ""
    for args in (("keys", "list"), ("policies", "list"), ("policies", "show"), ("budgets", "list")):
        result = cli(*args, "--org", ghost, check=False)
        assert result.returncode == 1 and ghost in result.stderr, args
    listed = orjson.loads(cli("orgs", "list", "--json").stdout)
    assert ghost not in {org["slug"] for org in listed}  # nothing was made on the way

    # Made explicitly, it is listed; --create-org is the scripts' way.
    org_id = cli("orgs", "create", "--slug", ghost, "--name", "Ghost Inc").stdout.strip()
    assert cli("orgs", "create", "--slug", ghost, check=False).returncode == 2  # exists
    (row,) = [o for o in orjson.loads(cli("orgs", "list", "--json").stdout) if o["id"] == org_id]
    assert row["slug"] == ghost and row["name"] == "Ghost Inc" and row["allowedModels"] is None
    scripted = slug()
    key = cli(
        "keys", "create", "--org", scripted, "--create-org", "--label", "ci",
        "--scopes", "precheck:invoke",
    ).stdout.strip()  # fmt: skip
    assert key.startswith("gai_") and scripted in cli("orgs", "list").stdout


def test_keys_disable_enable_revoke_reach_the_running_gateway(cli, gateway: RunningGateway) -> None:  # type: ignore[no-untyped-def]
    org = slug()
    cli("orgs", "create", "--slug", org)
    key = cli(
        "keys", "create", "--org", org, "--label", "app", "--scopes", "precheck:invoke"
    ).stdout.strip()
    (listed,) = orjson.loads(cli("keys", "list", "--org", org, "--json").stdout)
    assert chat(gateway, key) == 200

    disabled = cli("keys", "disable", listed["prefix"])  # by its visible prefix
    assert f"disabled key {listed['id']}" in disabled.stderr
    eventually_status(gateway, key, 401)
    assert "disabled already" in cli("keys", "disable", listed["id"]).stderr
    cli("keys", "enable", listed["id"])
    eventually_status(gateway, key, 200)
    cli("keys", "revoke", listed["id"])
    eventually_status(gateway, key, 401)
    refused = cli("keys", "enable", listed["id"], check=False)
    assert refused.returncode == 2 and "revoked for good" in refused.stderr
    assert orjson.loads(cli("keys", "list", "--org", org, "--json").stdout) == []
    short = cli("keys", "disable", "gai_", check=False)
    assert short.returncode == 2 and "no API key" in short.stderr

    # The revoked key's use is audited too (once per lookup, not per request).
    rows = gateway.rows("audit_logs", action="key.refused", api_key_id=listed["id"])
    assert {row["details"]["reason"] for row in rows} >= {"disabled", "revoked"}
    assert key not in str(rows)


def test_orgs_grant_models(cli, gateway: RunningGateway) -> None:  # type: ignore[no-untyped-def]
    org = slug()
    cli("orgs", "create", "--slug", org, "--no-models")
    key = cli(
        "keys", "create", "--org", org, "--label", "app", "--scopes", "precheck:invoke"
    ).stdout.strip()
    assert chat(gateway, key) == 403
    typo = cli("orgs", "grant", "--org", org, "--models", "ecoh", check=False)
    assert typo.returncode == 2 and "did you mean 'echo'" in typo.stderr
    assert "may now use echo" in cli("orgs", "grant", "--org", org, "--models", "echo").stderr
    eventually_status(gateway, key, 200)
    assert chat(gateway, key, "gpt-4o-mini") == 403
    cli("orgs", "grant", "--org", org, "--all-models")
    deadline = time.monotonic() + 6
    while chat(gateway, key, "gpt-4o-mini") != 200:
        assert time.monotonic() < deadline
        time.sleep(0.2)


def test_policies_apply_refuses_typos_and_silent_shadowing(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    org = slug()
    cli("orgs", "create", "--slug", org)
    typo = tmp_path / "typo.yaml"
    typo.write_text("name: typo\ntoolAccessMatrix: {default: {emails: mask}}\n")
    refused = cli("policies", "apply", "--org", org, str(typo), check=False)
    assert refused.returncode == 2 and "did you mean 'email'" in refused.stderr
    key_typo = tmp_path / "key.yaml"
    key_typo.write_text("name: typo\ntoolAccesMatrix: {default: {email: mask}}\n")
    refused = cli("policies", "apply", "--org", org, str(key_typo), check=False)
    assert refused.returncode == 2 and "did you mean 'toolAccessMatrix'" in refused.stderr

    working = tmp_path / "working.yaml"
    working.write_text("name: working\ntoolAccessMatrix:\n  default: {email: mask, ssn: deny}\n")
    applied = cli("policies", "apply", "--org", org, str(working))
    assert f"in force for org {org!r}: policy 'working'" in applied.stderr

    shadow = tmp_path / "shadow.yaml"
    shadow.write_text("name: shadow\ntoolAccessMatrix: {web.fetch: {phone: remove}}\n")
    refused = cli("policies", "apply", "--org", org, str(shadow), check=False)
    assert refused.returncode == 2
    assert "'working'" in refused.stderr and "--replace" in refused.stderr

    ranked = tmp_path / "ranked.yaml"
    ranked.write_text("name: ranked\npriority: -5\ntoolAccessMatrix: {default: {phone: mask}}\n")
    applied = cli("policies", "apply", "--org", org, str(ranked))
    assert "in force for org" in applied.stderr and "policy 'working'" in applied.stderr

    replaced = cli("policies", "apply", "--org", org, "--replace", str(shadow))
    assert "deactivated policy 'working'" in replaced.stderr
    assert "deactivated policy 'ranked'" in replaced.stderr
    assert "policy 'shadow'" in replaced.stderr.splitlines()[-1]

    shown = cli("policies", "show", "--org", org).stdout
    assert f"in force for org {org!r}: policy 'shadow'" in shown
    assert "web.fetch" in shown and "phone" in shown and "remove" in shown

    empty = slug()
    cli("orgs", "create", "--slug", empty)
    assert "no active policy" in cli("policies", "show", "--org", empty).stdout


def test_every_change_from_the_cli_and_the_api_leaves_one_audit_row(
    cli, gateway: RunningGateway, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    org = slug()
    org_id = cli("orgs", "create", "--slug", org).stdout.strip()
    cli("keys", "create", "--org", org, "--label", "k", "--scopes", "precheck:invoke")
    (key,) = orjson.loads(cli("keys", "list", "--org", org, "--json").stdout)
    cli("keys", "disable", key["id"])
    cli("keys", "enable", key["id"])
    budget_id = cli("budgets", "create", "--org", org, "--limit", "10").stdout.strip()
    policy = tmp_path / "p.yaml"
    policy.write_text("name: p\ntoolAccessMatrix: {default: {ssn: deny}}\n")
    policy_id = cli("policies", "apply", "--org", org, str(policy)).stdout.strip()
    cli("orgs", "grant", "--org", org, "--models", "echo")
    cli("keys", "revoke", key["id"])
    expected_cli = [
        ("org.create", f"org:{org_id}"),
        ("key.create", f"api_key:{key['id']}"),
        ("key.update", f"api_key:{key['id']}"),
        ("key.update", f"api_key:{key['id']}"),
        ("budget.create", f"budget:{budget_id}"),
        ("policy.create", f"policy:{policy_id}"),
        ("org.models_grant", f"org:{org_id}"),
        ("key.delete", f"api_key:{key['id']}"),
    ]
    rows = sorted(gateway.rows("audit_logs", org_id=org_id), key=lambda r: r["created_at"])
    assert [(r["action"], r["resource"]) for r in rows] == expected_cli
    assert all(r["details"]["via"] == "cli" and r["details"]["osUser"] for r in rows)

    # Through the API, by an org's OWNER: one row per change, naming the actor.
    fixture = make_org(gateway, roles=("OWNER",))
    owner = Api(gateway, fixture.sessions["OWNER"])
    made = owner.post(
        "/api/v1/keys", json={"orgId": fixture.id, "name": "k", "scopes": ["precheck:invoke"]}
    ).json()
    owner.patch(f"/api/v1/keys/{made['id']}", json={"isActive": False})
    owner.delete(f"/api/v1/keys/{made['id']}")
    budget = owner.post(
        "/api/v1/budgets", json={"orgId": fixture.id, "name": "b", "amount": "3"}
    ).json()
    made_policy = owner.post("/api/v1/policies", json={"orgId": fixture.id, "name": "p"}).json()
    owner.patch(f"/api/v1/orgs/{fixture.id}", json={"name": "Renamed"})
    expected_api = [
        ("key.create", f"api_key:{made['id']}"),
        ("key.update", f"api_key:{made['id']}"),
        ("key.delete", f"api_key:{made['id']}"),
        ("budget.create", f"budget:{budget['id']}"),
        ("policy.create", f"policy:{made_policy['id']}"),
        ("org.update", f"org:{fixture.id}"),
    ]
    rows = sorted(gateway.rows("audit_logs", org_id=fixture.id), key=lambda r: r["created_at"])
    assert [(r["action"], r["resource"]) for r in rows] == expected_api
    assert {r["user_id"] for r in rows} == {fixture.users["OWNER"]}


def test_what_the_first_start_made_is_audited(gateway: RunningGateway) -> None:
    bootstrap = [
        r for r in gateway.rows("audit_logs") if (r["details"] or {}).get("via") == "bootstrap"
    ]
    assert sorted(r["action"] for r in bootstrap) == ["key.create", "org.create"]
    assert gateway.api_key not in str(bootstrap)
