"""No PII in what the gateway stores or logs about a request: a tool name or request id the
fast detectors find PII in is refused (400, in the client's own error shape), whether or not the
org has a policy, and the value reaches neither the database, ``/api/decisions`` nor the access
log."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from gateway.access_log import ACCESS_LOGGER_NAME, AccessLogger, access_logger
from gateway.identifiers import IdentifierGuard
from governs.server import build_app
from tests.gateway.test_pii_e2e import org_with_policy
from tests.harness import RunningGateway

SSN = "536-22-1845"
PHONE = "+1 415 555 0100"
EMAIL = "jane.doe@example.com"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}
MESSAGES = {**CHAT, "max_tokens": 20}
EMBEDDINGS = {"model": "text-embedding-3-small", "input": "hello"}


@pytest.fixture(scope="module")
def logged(gateway: RunningGateway) -> Iterator[RunningGateway]:
    """A second gateway on the same database, with the access log on (as ``governs serve``)."""

    async def start() -> tuple[web.AppRunner, int]:
        runner = web.AppRunner(
            build_app(gateway.settings),
            access_log=access_logger(),
            access_log_class=AccessLogger,
            handler_cancellation=True,
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return runner, runner.addresses[0][1]

    runner, port = gateway.thread.run(start())
    yield RunningGateway(
        settings=gateway.settings,
        api_key=gateway.api_key,
        base_url=f"http://127.0.0.1:{port}",
        runner=runner,
        thread=gateway.thread,
    )
    gateway.thread.run(runner.cleanup())


# (path, body, headers, the raw value, what the error names: header or field, class)
CASES: dict[str, tuple[str, dict[str, Any], dict[str, str], str, str, str]] = {
    "request id, chat": (
        "/v1/chat/completions",
        CHAT,
        {"X-Request-ID": SSN},
        SSN,
        "X-Request-ID",
        "ssn",
    ),
    "tool header, chat": (
        "/v1/chat/completions",
        CHAT,
        {"X-Governs-Tool": f"mail {EMAIL}"},
        EMAIL,
        "X-Governs-Tool",
        "email",
    ),
    "metadata.tool, chat": (
        "/v1/chat/completions",
        {**CHAT, "metadata": {"tool": f"call {PHONE}"}},
        {},
        PHONE,
        "metadata.tool",
        "phone",
    ),
    "request id, messages": (
        "/v1/messages",
        MESSAGES,
        {"X-Request-ID": SSN},
        SSN,
        "X-Request-ID",
        "ssn",
    ),
    "tool header, messages": (
        "/v1/messages",
        MESSAGES,
        {"X-Governs-Tool": EMAIL},
        EMAIL,
        "X-Governs-Tool",
        "email",
    ),
    "metadata.tool, messages": (
        "/v1/messages",
        {**MESSAGES, "metadata": {"tool": EMAIL}},
        {},
        EMAIL,
        "metadata.tool",
        "email",
    ),
    "request id, embeddings": (
        "/v1/embeddings",
        EMBEDDINGS,
        {"X-Request-ID": SSN},
        SSN,
        "X-Request-ID",
        "ssn",
    ),
    "tool header, embeddings": (
        "/v1/embeddings",
        EMBEDDINGS,
        {"X-Governs-Tool": EMAIL},
        EMAIL,
        "X-Governs-Tool",
        "email",
    ),
}


def _refusal_message(path: str, answer: httpx.Response) -> str:
    body = answer.json()
    if path == "/v1/messages":  # Anthropic's shape
        assert body["type"] == "error"
        assert body["error"]["type"] == "invalid_request_error"
        return str(body["error"]["message"])
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["code"] == "pii_in_identifier"
    return str(body["error"]["message"])


@pytest.mark.parametrize("with_policy", [False, True], ids=["no policy", "policy"])
@pytest.mark.parametrize("case", CASES)
def test_pii_in_an_identifier_is_refused_and_never_stored_or_logged(
    logged: RunningGateway,
    caplog: pytest.LogCaptureFixture,
    case: str,
    with_policy: bool,
) -> None:
    path, body, headers, raw, named, pii_class = CASES[case]
    key = logged.api_key
    if with_policy:
        key = org_with_policy(logged, {"toolAccessMatrix": {"default": {"ssn": "deny"}}}).api_key
    marker = f"clean-{uuid.uuid4().hex}"  # a clean request alongside: proves rows are written
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER_NAME):
        with httpx.Client(base_url=logged.base_url, timeout=30) as client:
            auth = {"Authorization": f"Bearer {key}", "anthropic-version": "2023-06-01"}
            answer = client.post(path, json=body, headers={**auth, **headers})
            plain = {name: value for name, value in body.items() if name != "metadata"}
            clean = client.post(path, json=plain, headers={**auth, "X-Request-ID": marker})
            logged.flush()
            listed = client.get(
                "/api/decisions",
                params={"limit": 1000},
                headers={"Authorization": f"Bearer {logged.api_key}"},
            )

    assert answer.status_code == 400, answer.text
    message = _refusal_message(path, answer)
    assert named in message and pii_class in message
    assert raw not in answer.text
    assert answer.headers["X-Request-ID"] != headers.get("X-Request-ID")
    assert clean.status_code == 200, clean.text

    rows = logged.rows("decisions") + logged.rows("usage_records")
    assert any(row["correlation_id"] == marker for row in rows)
    assert raw not in str(rows) and SSN not in str(rows)
    assert listed.status_code == 200, listed.text
    assert raw not in listed.text
    access = [r for r in caplog.records if r.name == ACCESS_LOGGER_NAME]
    assert any(record.correlation_id == marker for record in access)  # type: ignore[attr-defined]
    assert raw not in str([record.__dict__ for record in access])


def test_an_overlong_tool_name_is_refused(gateway: RunningGateway) -> None:
    # decisions.tool and usage_records.tool hold 200 characters: refuse at the edge, so
    # storage never fails on it.
    answer = httpx.post(
        f"{gateway.base_url}/v1/chat/completions",
        json=CHAT,
        headers={"Authorization": f"Bearer {gateway.api_key}", "X-Governs-Tool": "t" * 201},
    )
    assert answer.status_code == 400
    assert "X-Governs-Tool" in answer.json()["error"]["message"]


def test_clean_identifiers_are_kept(gateway: RunningGateway) -> None:
    rid = f"req-{uuid.uuid4().hex}"
    answer = httpx.post(
        f"{gateway.base_url}/v1/chat/completions",
        json={**CHAT, "metadata": {"tool": "crm.lookup"}},
        headers={"Authorization": f"Bearer {gateway.api_key}", "X-Request-ID": rid},
    )
    assert answer.status_code == 200 and answer.headers["X-Request-ID"] == rid
    decisions = gateway.rows("decisions", correlation_id=rid)
    assert {row["tool"] for row in decisions} == {"crm.lookup"}


def test_other_routes_never_adopt_a_request_id_holding_pii(
    logged: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER_NAME):
        answer = httpx.get(f"{logged.base_url}/healthz", headers={"X-Request-ID": SSN})
        # aiohttp logs the access after the response is sent, in the gateway's thread: the
        # client may have the answer first.
        deadline = time.monotonic() + 5
        while not any(r.name == ACCESS_LOGGER_NAME for r in caplog.records):
            assert time.monotonic() < deadline, "no access log line"
            time.sleep(0.01)
    assert answer.status_code == 200
    assert answer.headers["X-Request-ID"] not in ("", SSN)
    access = [r for r in caplog.records if r.name == ACCESS_LOGGER_NAME]
    assert access and SSN not in str([record.__dict__ for record in access])


class _UnusableEngine:
    """A detection engine that must not be asked: the request id needs no scan."""

    classes = ("ssn",)

    def scan(self, text: str, classes: object) -> list[object]:
        raise AssertionError(f"scanned {text!r}")


@pytest.mark.parametrize(
    "machine_id",
    [
        "3f2a9c1e-7b4d-4e8a-9f01-2c3d4e5f6a7b",
        "3F2A9C1E-7B4D-4E8A-9F01-2C3D4E5F6A7B",
        "0192f1c2a3b44c5d8e9f0a1b2c3d4e5f",
        "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    ],
)
def test_a_machine_request_id_is_not_scanned(machine_id: str) -> None:
    guard = IdentifierGuard(_UnusableEngine())  # type: ignore[arg-type]
    assert guard.request_id_classes(machine_id) == []


@pytest.mark.parametrize(
    "typed",
    [
        SSN,
        EMAIL,
        "3f2a9c1e-7b4d-4e8a-9f01-2c3d4e5f6a7b-536-22-1845",  # a UUID with more after it
        "01ARZ3NDEKTSV4RRFFQ69G5FAVX",  # 27 characters: no ULID
        "01arz3ndektsv4rrffq69g5fav",  # a ULID is upper case
    ],
)
def test_anything_else_is_scanned(typed: str) -> None:
    guard = IdentifierGuard(_UnusableEngine())  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="scanned"):
        guard.request_id_classes(typed)


def test_a_uuid_request_id_is_kept_and_an_ssn_still_refused(gateway: RunningGateway) -> None:
    auth = {"Authorization": f"Bearer {gateway.api_key}"}
    rid = str(uuid.uuid4())
    answer = httpx.post(
        f"{gateway.base_url}/v1/chat/completions", json=CHAT, headers={**auth, "X-Request-ID": rid}
    )
    assert answer.status_code == 200 and answer.headers["X-Request-ID"] == rid
    refused = httpx.post(
        f"{gateway.base_url}/v1/chat/completions", json=CHAT, headers={**auth, "X-Request-ID": SSN}
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "pii_in_identifier"
