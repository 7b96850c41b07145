"""The ``governs`` command line, run as a user runs it: in a subprocess."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

KEY_PATTERN = re.compile(r"gai_[A-Za-z0-9_-]{43}")


def governs(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    check: bool = True,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "governs", *args],
        cwd=cwd,
        input=input,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=check,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(url: str, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"governs serve exited with {process.returncode}: {process.stderr.read()}"
            )  # type: ignore[union-attr]
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("governs serve did not start")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    processes: list[subprocess.Popen[str]] = []

    def start(*args: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "governs", "serve", "--port", str(port), *args],
            cwd=tmp_path,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_until_serving(url, process)
        return process, url

    yield start
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(30)


def chat(url: str, key: str, content: str = "hello gateway") -> httpx.Response:
    return httpx.post(
        f"{url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={"model": "echo", "messages": [{"role": "user", "content": content}]},
        timeout=10,
    )


def test_quick_start_with_no_config_answers_with_echo(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # No config file and no bootstrap key: the first start makes and prints one.
    process, url = serve(env={"GOVERNS_CONFIG": "", "GOVERNS_BOOTSTRAP_KEY": ""})
    assert (tmp_path / "governs.db").exists()
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=30)
    keys = KEY_PATTERN.findall(stdout)
    assert keys, stdout
    key = keys[0]
    # ...and says how to reach the console and sign in to it.
    assert f"The console: {url}/dashboard/" in stdout
    assert "governs users create --org default --email you@example.com --role OWNER" in stdout

    # Second start: the key is not printed again, and it still works.
    process, url = serve()
    response = chat(url, key)
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "hello gateway"
    # Closed to strangers: no sign-up, no other key.
    stranger = httpx.post(
        f"{url}/api/v1/auth/signup",
        json={"email": "stranger@example.com", "password": "a long password", "orgName": "S"},
        timeout=10,
    )
    assert stranger.status_code == 401 and stranger.json()["error"]["code"] == "signup_disabled"
    assert chat(url, "gai_" + "x" * 43).status_code == 401
    process.send_signal(signal.SIGTERM)
    stdout, _ = process.communicate(timeout=30)
    assert not KEY_PATTERN.search(stdout)


def test_bootstrap_key_from_the_environment(serve) -> None:  # type: ignore[no-untyped-def]
    key = "gai_fixed-bootstrap-key-for-the-quick-start-test"
    _, url = serve(env={"GOVERNS_BOOTSTRAP_KEY": key})
    assert chat(url, key).status_code == 200


def test_keys_create_prints_only_the_secret_and_list_shows_it(tmp_path: Path) -> None:
    governs("orgs", "create", "--slug", "acme", cwd=tmp_path)  # keys create makes no org
    created = governs(
        "keys",
        "create",
        "--org",
        "acme",
        "--label",
        "ci",
        "--scopes",
        "precheck:invoke,usage:read",
        cwd=tmp_path,
    )
    secret = created.stdout.strip()
    assert KEY_PATTERN.fullmatch(secret), created.stdout
    assert created.stdout == secret + "\n"

    listed = governs("keys", "list", "--org", "acme", "--json", cwd=tmp_path)
    (row,) = orjson.loads(listed.stdout)
    assert row["label"] == "ci"
    assert row["scopes"] == ["precheck:invoke", "usage:read"]
    assert secret.startswith(row["prefix"]) and len(row["prefix"]) < len(secret)
    assert secret not in listed.stdout

    table = governs("keys", "list", "--org", "acme", cwd=tmp_path).stdout
    assert row["prefix"] in table and "ci" in table


def test_a_created_key_works_against_the_server(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Before the first start: a script makes the org its key needs (--create-org).
    secret = governs(
        "keys",
        "create",
        "--org",
        "default",
        "--create-org",
        "--label",
        "app",
        "--scopes",
        "precheck:invoke",
        cwd=tmp_path,
    ).stdout.strip()
    _, url = serve()
    assert chat(url, secret).status_code == 200


def test_keys_create_rejects_an_unknown_scope(tmp_path: Path) -> None:
    result = governs(
        "keys",
        "create",
        "--org",
        "acme",
        "--label",
        "x",
        "--scopes",
        "precheck:invoke,fly",
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown scope(s): fly" in result.stderr
    assert result.stdout == ""


def test_keys_list_of_an_unknown_org(tmp_path: Path) -> None:
    result = governs("keys", "list", "--org", "ghost", cwd=tmp_path, check=False)
    assert result.returncode == 1
    assert "ghost" in result.stderr


def test_a_missing_variable_stops_start_up_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "providers: [{name: o, kind: openai, base_url: 'http://x', api_key: '${NOT_SET_ANYWHERE}'}]"
    )
    result = governs("serve", "--config", str(config), cwd=tmp_path, check=False)
    assert result.returncode == 2
    assert "NOT_SET_ANYWHERE is not set" in result.stderr


def test_migrate_and_auto_migrate_false(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("database: {url: 'sqlite+aiosqlite:///m.db', auto_migrate: false}\n")
    governs("migrate", "--config", str(config), cwd=tmp_path)
    with sqlite3.connect(tmp_path / "m.db") as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
    for table in (
        "orgs",
        "users",
        "api_keys",
        "decisions",
        "policies",
        "usage_records",
        "budgets",
        "audit_logs",
    ):
        assert table in tables


def test_several_workers_share_one_port(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    key = "gai_fixed-bootstrap-key-for-the-workers-test-000"
    process, url = serve("--workers", "2", env={"GOVERNS_BOOTSTRAP_KEY": key})
    statuses = {chat(url, key, f"hi {i}").status_code for i in range(20)}
    assert statuses == {200}
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0


# -- users create: the first way into the console (its link's screen: tests/dashboard) --

USER_PASSWORD = "a long enough passphrase"


def user_login(url: str, email: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=10
    )


def test_an_owner_with_a_password_from_stdin_signs_in(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    governs("migrate", cwd=tmp_path)  # the quick start's org 'default'
    made = governs(
        "users", "create", "--org", "default", "--email", "Ada@Example.com", "--role", "OWNER",
        "--password-stdin", cwd=tmp_path, input=USER_PASSWORD + "\n",
    )  # fmt: skip
    assert made.stdout == ""  # no link: the password is set
    assert "ada@example.com can sign in at" in made.stderr
    _, url = serve()
    signed_in = user_login(url, "ada@example.com", USER_PASSWORD)
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["token"]
    me = httpx.get(f"{url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert [(m["orgSlug"], m["role"]) for m in me["memberships"]] == [("default", "OWNER")]
    assert me["user"]["emailVerified"] is not None  # the operator vouched for the address
    with sqlite3.connect(tmp_path / "governs.db") as db:
        actions = [row[0] for row in db.execute("SELECT action FROM audit_logs ORDER BY id")]
    # After the bootstrap's rows and before the sign-in's: the three rows of users create.
    made_rows = [a for a in actions if a.startswith(("user.create", "user.password", "member."))]
    assert made_rows == ["user.create", "user.password_set", "member.add"]


def test_a_link_is_printed_for_an_account_without_a_password(tmp_path: Path) -> None:
    governs("migrate", cwd=tmp_path)
    made = governs("users", "create", "--org", "default", "--email", "bo@example.com",
                   cwd=tmp_path)  # fmt: skip
    link = made.stdout.strip()
    assert link.startswith("http://127.0.0.1:8080/reset-password?token=gat_"), made.stdout
    assert made.stdout == link + "\n"
    # Added to a second org: the account has no password yet, so a new link.
    governs("orgs", "create", "--slug", "second", cwd=tmp_path)
    again = governs("users", "create", "--org", "second", "--email", "bo@example.com",
                    "--role", "VIEWER", cwd=tmp_path)  # fmt: skip
    assert again.stdout.startswith("http://127.0.0.1:8080/reset-password?token=gat_")
    assert again.stdout != made.stdout


def test_users_create_refuses_bad_input(tmp_path: Path) -> None:
    governs("migrate", cwd=tmp_path)
    cases = [
        (["--org", "nope", "--email", "x@example.com"], "no org with slug or id 'nope'", None),
        (["--org", "default", "--email", "not-an-address"], "is not an email address", None),
        (["--org", "default", "--email", "x@example.com", "--password-stdin"],
         "needs at least 10 characters", "short\n"),
        (["--org", "default", "--email", "x@example.com", "--role", "KING"], "invalid choice",
         None),
    ]  # fmt: skip
    for args, message, stdin in cases:
        result = governs("users", "create", *args, cwd=tmp_path, check=False, input=stdin)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, result.stderr
        assert result.stdout == ""
    with sqlite3.connect(tmp_path / "governs.db") as db:
        assert db.execute("SELECT count(*) FROM users").fetchone() == (0,)

    governs("users", "create", "--org", "default", "--email", "y@example.com", cwd=tmp_path)
    twice = governs("users", "create", "--org", "default", "--email", "y@example.com",
                    cwd=tmp_path, check=False)  # fmt: skip
    assert twice.returncode == 2
    assert "y@example.com is already a member of 'default' (OWNER)" in twice.stderr
