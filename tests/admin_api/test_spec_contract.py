"""The spec's wire contract (issue #17): its example bodies, sent as the spec writes them to the
running server, and each answer checked against the spec's example shape (field names, JSON
types, status codes). A renamed or re-typed field fails here, whatever else still passes.

Shapes list the spec's fields only: our extra fields beside them are allowed, never instead of
them. In a shape, a type is a JSON type, a tuple is "one of these", a one-item list is "an
array of", a dict is "an object with at least these fields" and any other value is exact.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
import uuid
from datetime import datetime
from typing import Any

import orjson

from admin_api.app import OPENAPI_PATH
from tests.admin_api.support import Api, OrgFixture, make_org
from tests.gateway.live.support import Feed
from tests.harness import RunningGateway

ISO = "iso-8601"  # a string that is an ISO 8601 timestamp

# -- the spec's example bodies (its placeholders, such as orgId, filled in per test) ---------

SPEC_KEY_CREATE = {"label": "Production API Key", "scopes": ["precheck:invoke"], "orgId": None}
SPEC_DECISION = {
    "orgId": None,
    "direction": "precheck",
    "decision": "transform",
    "tool": "web.search",
    "scope": "net.external",
    "detectorSummary": {"reasons": ["pii.redacted:email"], "confidence": 0.95},
    "payloadHash": "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "latencyMs": 45,
    "correlationId": None,
    "tags": ["production", "web-search"],
    "timestamp": None,
}

# -- the spec's example answers, as shapes -----------------------------------------------------

KEY_CREATED = {
    "id": str,
    "label": str,
    "scopes": [str],
    "keyValue": str,
    "issuedAt": ISO,
    "isActive": bool,
}
KEY_LISTED = {
    "id": str,
    "label": str,
    "scopes": [str],
    "issuedAt": ISO,
    "lastUsed": (ISO, None),
    "isActive": bool,
}
KEY_DELETED = {"message": "API key deleted successfully"}
POLICY_LISTED = {
    "id": str,
    "orgId": str,
    "name": str,
    "description": (str, None),
    "version": str,
    "toolAccessMatrix": dict,
    "isActive": bool,
    "createdAt": ISO,
    "updatedAt": ISO,
}
POLICY_DELETED = {"message": "Policy deleted successfully"}
DECISION = {
    "id": str,
    "orgId": str,
    "direction": str,
    "decision": str,
    "tool": (str, None),
    "scope": (str, None),
    "detectorSummary": dict,
    "payloadHash": str,
    "latencyMs": (int, None),
    "correlationId": (str, None),
    "tags": [str],
    "ts": ISO,
}
DECISIONS_PAGE = {
    "decisions": [DECISION],
    "stats": {
        "total": int,
        "byDecision": {"allow": int, "transform": int, "deny": int},
        "byDirection": {"precheck": int, "postcheck": int},
        "byTool": dict,
    },
    "lastIngestTime": (ISO, None),
    "pagination": {"limit": int, "offset": int, "hasMore": bool},
}
INGESTED = {"status": "accepted"}
CONNECTIONS = {
    "success": True,
    "connections": [
        {
            "id": str,
            "sessionId": str,
            "userId": (str, None),
            "orgId": str,
            "channels": [str],
            "isActive": bool,
            "lastSeen": ISO,
            "createdAt": ISO,
            "apiKeyName": (str, None),
            "userEmail": (str, None),
            "userName": (str, None),
        }
    ],
    "stats": {"total": int, "active": int, "inactive": int},
}
ERROR = {"error": {"message": str, "type": str, "param": (str, None), "code": (str, None)}}


def assert_shape(value: Any, shape: Any, where: str = "$") -> None:
    if isinstance(shape, tuple):
        problems = []
        for option in shape:
            try:
                assert_shape(value, option, where)
                return
            except AssertionError as problem:
                problems.append(str(problem))
        raise AssertionError(" / ".join(problems))
    if shape is None:
        assert value is None, f"{where}: {value!r} is not null"
    elif shape == ISO:
        assert isinstance(value, str), f"{where}: {value!r} is not a timestamp"
        datetime.fromisoformat(value)
    elif isinstance(shape, dict):
        assert isinstance(value, dict), f"{where}: {value!r} is not an object"
        for name, field_shape in shape.items():
            assert name in value, f"{where}.{name} is missing from {sorted(value)}"
            assert_shape(value[name], field_shape, f"{where}.{name}")
    elif isinstance(shape, list):
        assert isinstance(value, list), f"{where}: {value!r} is not an array"
        for index, item in enumerate(value):
            assert_shape(item, shape[0], f"{where}[{index}]")
    elif shape is int:
        assert isinstance(value, int) and not isinstance(value, bool), f"{where}: {value!r}"
    elif isinstance(shape, type):
        assert isinstance(value, shape), f"{where}: {value!r} is not {shape.__name__}"
    else:
        assert value == shape, f"{where}: {value!r} is not {shape!r}"


def spec_signature(secret: str, raw: bytes) -> str:
    """The spec's ``X-Governs-Signature``: HMAC-SHA256 of the raw body, written here from the
    spec rather than imported, so the server's scheme cannot drift with it."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def spec_decision(org: str, **filled: Any) -> dict[str, Any]:
    return {
        **SPEC_DECISION,
        "orgId": org,
        "correlationId": f"req-{uuid.uuid4().hex}",
        "timestamp": int(time.time()),
        **filled,
    }


def test_the_shape_checker_refuses_what_the_spec_does_not_say() -> None:
    # The checker itself: a check that cannot fail would let a rename through.
    assert_shape(
        {"a": [1], "b": None, "c": "2026-01-01T00:00:00Z"}, {"a": [int], "b": (str, None), "c": ISO}
    )
    for value, shape in [
        ({"name": "x"}, {"label": str}),  # renamed
        ({"keys": []}, [KEY_LISTED]),  # wrapped
        ({"n": True}, {"n": int}),  # a bool is no number
        ({"n": "1"}, {"n": int}),
        ({"m": "API key deleted"}, {"m": "API key deleted successfully"}),
        ({"t": "yesterday"}, {"t": ISO}),
    ]:
        try:
            assert_shape(value, shape)
        except (AssertionError, ValueError):
            continue
        raise AssertionError(f"{value!r} passed as {shape!r}")


def test_keys_as_the_spec_writes_them(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=("OWNER",))
    owner = api.as_(org.sessions["OWNER"])

    created = owner.post("/api/v1/keys", json={**SPEC_KEY_CREATE, "orgId": org.id})
    assert created.status_code == 201, created.text
    assert_shape(created.json(), KEY_CREATED)
    assert created.json()["label"] == "Production API Key"
    assert created.json()["keyValue"].startswith("gai_")

    listed = owner.get("/api/v1/keys", params={"orgId": org.id})
    assert listed.status_code == 200
    assert_shape(listed.json(), [KEY_LISTED])
    assert [k["id"] for k in listed.json()] == [created.json()["id"]]
    assert "keyValue" not in listed.json()[0]  # the secret is shown once

    deleted = owner.delete(f"/api/v1/keys/{created.json()['id']}")
    assert deleted.status_code == 200
    assert_shape(deleted.json(), KEY_DELETED)
    assert owner.get("/api/v1/keys", params={"orgId": org.id}).json() == []


def test_policies_as_the_spec_writes_them(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=("OWNER",))
    owner = api.as_(org.sessions["OWNER"])
    body = {
        "orgId": org.id,
        "name": "PII Protection Policy",
        "description": "Protects sensitive personal information",
        "version": "v1",
        "toolAccessMatrix": {"web.search": {"email": "mask", "ssn": "deny"}},
        "isActive": True,
    }
    on = owner.post("/api/v1/policies", json=body)
    off = owner.post("/api/v1/policies", json={**body, "name": "Old", "isActive": False})
    assert (on.status_code, off.status_code) == (201, 201), (on.text, off.text)

    listed = owner.get("/api/v1/policies", params={"orgId": org.id})
    assert listed.status_code == 200
    assert_shape(listed.json(), [POLICY_LISTED])
    # Every policy: the one switched off too, so it can be switched on again.
    assert {p["id"]: p["isActive"] for p in listed.json()} == {
        on.json()["id"]: True,
        off.json()["id"]: False,
    }

    deleted = owner.delete(f"/api/v1/policies/{off.json()['id']}")
    assert deleted.status_code == 200
    assert_shape(deleted.json(), POLICY_DELETED)


def test_ingest_and_decisions_as_the_spec_writes_them(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=(), scopes=("ingest:write", "decisions:read"), log_in=False)
    ingest = api.as_(org.keys["ingest:write"])
    sent = [
        spec_decision(org.id, timestamp=1_767_225_600 + n, decision=verdict, direction=way)
        for n, (verdict, way) in enumerate(
            [("transform", "precheck"), ("allow", "postcheck"), ("deny", "precheck")]
        )
    ]
    for body in sent:
        response = ingest.post("/api/v1/ingest/decision", json=body)
        assert response.status_code == 202, response.text
        assert_shape(response.json(), INGESTED)
    gateway.flush()

    page = api.as_(org.keys["decisions:read"]).get(
        "/api/decisions", params={"orgId": org.id, "includeStats": "true"}
    )
    assert page.status_code == 200, page.text
    assert_shape(page.json(), DECISIONS_PAGE)
    stats = page.json()["stats"]
    assert stats["total"] == 3
    assert {k: stats["byDecision"][k] for k in ("allow", "transform", "deny")} == {
        "allow": 1,
        "transform": 1,
        "deny": 1,
    }
    assert stats["byDirection"] == {"precheck": 2, "postcheck": 1}
    assert stats["byTool"] == {"web.search": 3}
    assert page.json()["pagination"]["limit"] == 50  # the spec's default page
    newest = page.json()["decisions"][0]
    # The spec's timestamp is the decision's time; its prefixed hash is kept as sent.
    assert newest["ts"] == "2026-01-01T00:00:02Z"
    assert newest["payloadHash"] == SPEC_DECISION["payloadHash"]


def test_the_specs_signed_sender_needs_no_key(gateway: RunningGateway, api: Api) -> None:
    org: OrgFixture = make_org(gateway, roles=("OWNER",))
    secret = api.as_(org.sessions["OWNER"]).post(f"/api/v1/orgs/{org.slug}/signing-secret")
    raw = orjson.dumps(spec_decision(org.slug))
    # The spec's sender sends Content-Type and the signature, nothing else.
    headers = {
        "Content-Type": "application/json",
        "X-Governs-Signature": spec_signature(secret.json()["secret"], raw),
    }
    anonymous = api.as_(None)
    accepted = anonymous.post("/api/v1/ingest/decision", content=raw, headers=headers)
    assert accepted.status_code == 202, accepted.text
    assert_shape(accepted.json(), INGESTED)
    replayed = anonymous.post("/api/v1/ingest/decision", content=raw, headers=headers)
    assert replayed.status_code == 401
    assert_shape(replayed.json(), ERROR)
    unsigned = anonymous.post(
        "/api/v1/ingest/decision", content=raw, headers={"Content-Type": "application/json"}
    )
    assert unsigned.status_code == 401
    assert_shape(unsigned.json(), ERROR)


async def test_the_specs_websocket_ingest_with_a_top_level_idempotency_key(
    gateway: RunningGateway,
) -> None:
    org = await asyncio.to_thread(make_org, gateway, (), ("admin",), log_in=False)
    key = org.keys["admin"]
    body = spec_decision(org.id)
    message = {"type": "INGEST", "idempotencyKey": f"evt-{uuid.uuid4().hex}", "data": body}
    async with await Feed.open(gateway.base_url, key) as feed:
        await feed.subscribe(f"org:{org.id}:decisions")
        first = await feed.ask(message)
        again = await feed.ask(message)
        await feed.gather(lambda pushed: len(pushed) >= 1)
        await feed.quiet(0.3)
    assert_shape(first, {"type": "ACK", "decisionId": str})
    assert again["decisionId"] == first["decisionId"]
    assert len(feed.pushed) == 1
    assert_shape(feed.pushed[0]["data"], DECISION)
    rows = gateway.rows("decisions", correlation_id=body["correlationId"])
    assert [r["id"] for r in rows] == [first["decisionId"]]


async def test_the_specs_websocket_monitoring(gateway: RunningGateway) -> None:
    org = await asyncio.to_thread(make_org, gateway, ("OWNER",), ("admin",))
    owner = Api(gateway, org.sessions["OWNER"])
    async with await Feed.open(gateway.base_url, org.keys["admin"]) as feed:
        await feed.subscribe(f"org:{org.id}:decisions")
        listed = owner.get("/api/websockets/connections", params={"orgSlug": org.slug})
        assert listed.status_code == 200, listed.text
        assert_shape(listed.json(), CONNECTIONS)
        (session,) = listed.json()["connections"]
        activity = {
            "sessionId": session["sessionId"],
            "activityType": "message",
            "data": {"messageType": "PING"},
            "timestamp": "2026-01-01T00:00:00.000Z",
        }
        logged = Api(gateway, org.keys["admin"]).post(
            f"/api/websockets/activity?orgSlug={org.slug}", json=activity
        )
        assert logged.status_code == 201, logged.text
        assert_shape(logged.json(), {"success": True})
    log = owner.get("/api/websockets/activity", params={"orgSlug": org.slug}).json()
    assert_shape(log, {"success": True, "activity": [dict]})
    assert activity["data"] in [entry["data"] for entry in log["activity"]]


def test_the_openapi_document_describes_the_spec_shapes(gateway: RunningGateway) -> None:
    document = Api(gateway).get(OPENAPI_PATH).json()
    schemas, paths = document["components"]["schemas"], document["paths"]

    def answer(path: str, method: str, status: str) -> dict[str, Any]:
        schema = paths[path][method]["responses"][status]["content"]["application/json"]
        ref = schema["schema"]["$ref"].rsplit("/", 1)[-1]
        return schemas[ref]

    def fields(schema: dict[str, Any]) -> set[str]:
        return set(schema["properties"])

    for path, item in (("/api/v1/keys", "KeyOut"), ("/api/v1/policies", "PolicyView")):
        listed = answer(path, "get", "200")
        assert listed["type"] == "array" and listed["items"]["$ref"].endswith(f"/{item}")
    assert set(KEY_LISTED) <= fields(schemas["KeyOut"])
    assert set(KEY_CREATED) <= fields(answer("/api/v1/keys", "post", "201"))
    assert {"label", "scopes", "orgId"} <= fields(schemas["KeyCreate"])
    assert "message" in fields(answer("/api/v1/keys/{id}", "delete", "200"))
    assert "message" in fields(answer("/api/v1/policies/{id}", "delete", "200"))
    assert set(DECISIONS_PAGE["stats"]) <= fields(schemas["DecisionStats"])
    ingest = paths["/api/v1/ingest/decision"]["post"]
    assert "status" in fields(answer("/api/v1/ingest/decision", "post", "202"))
    assert {"signature": []} in ingest["security"]
    assert {"timestamp", "payloadHash", "orgId"} <= fields(schemas["DecisionMessage"])
    limit = next(p for p in paths["/api/decisions"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["default"] == 50
