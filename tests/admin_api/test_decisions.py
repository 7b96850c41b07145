"""``GET /api/decisions``: every filter (``from``/``to`` also as ``startTime``/``endTime``),
counts, lastIngestTime, offset and cursor paging."""

from __future__ import annotations

import uuid

import httpx

from admin_api.decisions import decision_to_api
from tests.admin_api.support import Api, assert_error, make_org
from tests.harness import RunningGateway

DECISION_FIELDS = {
    "id", "orgId", "direction", "decision", "tool", "scope", "detectorSummary", "payloadHash",
    "reasons", "policyId", "latencyMs", "correlationId", "tags", "ts",
    # Beside the spec's fields: who and what (investigations), and a billed call's usage row.
    "apiKeyId", "keyName", "userId", "userEmail", "model", "provider", "usage",
}  # fmt: skip


def test_filters_stats_and_paging(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=(), scopes=("ingest:write", "decisions:read"), log_in=False)
    ingest = api.as_(org.keys["ingest:write"])
    reader = api.as_(org.keys["decisions:read"])
    plan = [
        ("precheck", "allow", "web.fetch", "c1", "2026-03-01T10:00:00Z"),
        ("postcheck", "allow", "web.fetch", "c1", "2026-03-01T10:00:01Z"),
        ("precheck", "transform", "mail.send", "c2", "2026-03-02T10:00:00Z"),
        ("precheck", "deny", "mail.send", "c3", "2026-03-03T10:00:00Z"),
        ("precheck", "deny", "db.query", "c4", "2026-03-04T10:00:00Z"),
    ]
    for direction, decision, tool, correlation, ts in plan:
        response = ingest.post(
            "/api/v1/ingest/decision",
            json={
                "direction": direction,
                "decision": decision,
                "tool": tool,
                "correlationId": correlation,
                "payloadHash": "cd" * 32,
                "ts": ts,
                "idempotencyKey": uuid.uuid4().hex,
            },
        )
        assert response.status_code == 202, response.text
    gateway.flush()

    def ids(**params: object) -> list[str]:
        response = reader.get("/api/decisions", params=params)
        assert response.status_code == 200, response.text
        return [d["correlationId"] + ":" + d["direction"] for d in response.json()["decisions"]]

    page = reader.get("/api/decisions", params={"includeStats": "true"}).json()
    assert set(page["decisions"][0]) == DECISION_FIELDS
    assert page["stats"] == {
        "total": 5,
        "byDecision": {"allow": 2, "transform": 1, "deny": 2, "error": 0},
        "byDirection": {"precheck": 4, "postcheck": 1},
        "byTool": {"web.fetch": 2, "mail.send": 2, "db.query": 1},
        "allowed": 2,
        "transformed": 1,
        "denied": 2,
    }
    assert page["lastIngestTime"] == "2026-03-04T10:00:00Z"
    assert ids() == ["c4:precheck", "c3:precheck", "c2:precheck", "c1:postcheck", "c1:precheck"]
    assert ids(direction="postcheck") == ["c1:postcheck"]
    assert ids(decision="deny") == ["c4:precheck", "c3:precheck"]
    assert ids(tool="mail.send") == ["c3:precheck", "c2:precheck"]
    assert ids(correlationId="c1") == ["c1:postcheck", "c1:precheck"]
    assert ids(**{"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T23:59:59+00:00"}) == [
        "c3:precheck",
        "c2:precheck",
    ]
    # The original spec's names for from and to.
    assert ids(startTime="2026-03-02T00:00:00Z", endTime="2026-03-03T23:59:59Z") == [
        "c3:precheck",
        "c2:precheck",
    ]
    assert ids(startTime="2026-03-04T00:00:00Z", **{"from": "2026-03-04T00:00:00Z"}) == [
        "c4:precheck"
    ]
    both = reader.get(
        "/api/decisions", params={"from": "2026-03-01T00:00:00Z", "startTime": "2026-03-02"}
    )
    assert assert_error(both, 400, "invalid_query_parameter")["param"] == "startTime"
    error = assert_error(
        reader.get("/api/decisions", params={"endTime": "yesterday"}),
        400,
        "invalid_query_parameter",
    )
    assert error["param"] == "endTime"
    stats = reader.get("/api/decisions", params={"decision": "deny", "includeStats": "true"})
    assert stats.json()["stats"] == {
        "total": 2,
        "byDecision": {"allow": 0, "transform": 0, "deny": 2, "error": 0},
        "byDirection": {"precheck": 2, "postcheck": 0},
        "byTool": {"mail.send": 1, "db.query": 1},
        "allowed": 0,
        "transformed": 0,
        "denied": 2,
    }
    assert reader.get("/api/decisions").json()["stats"] is None

    first = reader.get("/api/decisions", params={"limit": 2}).json()
    assert first["pagination"]["hasMore"] is True and len(first["decisions"]) == 2
    assert ids(limit=2, offset=2) == ["c2:precheck", "c1:postcheck"]
    seen = [d["id"] for d in first["decisions"]]
    cursor = first["pagination"]["nextCursor"]
    while cursor:
        page = reader.get("/api/decisions", params={"limit": 2, "cursor": cursor}).json()
        seen += [d["id"] for d in page["decisions"]]
        cursor = page["pagination"]["nextCursor"]
    assert len(seen) == len(set(seen)) == 5

    assert_error(reader.get("/api/decisions", params={"cursor": "garbage"}), 400, "invalid_cursor")
    error = assert_error(
        reader.get("/api/decisions", params={"direction": "up"}), 400, "invalid_query_parameter"
    )
    assert error["param"] == "direction"
    error = assert_error(
        reader.get("/api/decisions", params={"limit": 0}), 400, "invalid_query_parameter"
    )
    assert error["param"] == "limit"


def test_proxied_requests_show_up(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=(), scopes=("precheck:invoke", "decisions:read"), log_in=False)
    reply = httpx.post(
        f"{gateway.openai_base_url}/chat/completions",
        headers={"Authorization": f"Bearer {org.keys['precheck:invoke']}", "X-Request-ID": "r-1"},
        json={"model": "echo", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert reply.status_code == 200
    gateway.flush()
    page = api.as_(org.keys["decisions:read"]).get("/api/decisions").json()
    assert {d["direction"] for d in page["decisions"]} == {"precheck", "postcheck"}
    assert {d["correlationId"] for d in page["decisions"]} == {"r-1"}
    # The same translation serves a row dict as the writer receives it (the API joins the
    # key's name, which the writer's row carries for the live feed and the table does not).
    (row,) = gateway.rows("decisions", org_id=org.id, direction="precheck")
    assert decision_to_api({**row, "key_name": "precheck:invoke"}) in page["decisions"]


def test_the_default_page_is_the_specs_50_and_offset_pages_do_not_overlap(
    gateway: RunningGateway, api: Api
) -> None:
    org = make_org(gateway, roles=(), scopes=("ingest:write", "decisions:read"), log_in=False)
    ingest = api.as_(org.keys["ingest:write"])
    for second in range(60):
        body = {
            "direction": "precheck",
            "decision": "allow",
            "payloadHash": "ef" * 32,
            "timestamp": 1_780_000_000 + second,
        }
        assert ingest.post("/api/v1/ingest/decision", json=body).status_code == 202
    gateway.flush()
    reader = api.as_(org.keys["decisions:read"])
    first = reader.get("/api/decisions").json()
    second = reader.get("/api/decisions", params={"offset": 50}).json()
    assert first["pagination"]["limit"] == 50 and len(first["decisions"]) == 50
    assert first["pagination"]["hasMore"] is True and len(second["decisions"]) == 10
    ids = [d["id"] for d in first["decisions"] + second["decisions"]]
    assert len(set(ids)) == 60
