"""``/api/v1/ingest/decision``: 202, idempotency, and the signature (accepted, wrong, stale,
replayed); then the rows through ``/api/decisions``."""

from __future__ import annotations

import time
import uuid

import orjson

from admin_api.signing import sign
from tests.admin_api.support import Api, OrgFixture, assert_error, make_org
from tests.harness import RunningGateway


def message(**changes: object) -> dict:
    return {
        "type": "decision.v1",
        "direction": "precheck",
        "decision": "allow",
        "tool": "web.fetch",
        "scope": "net.external",
        "detectorSummary": {"piiDetected": []},
        "payloadHash": "ab" * 32,
        "latencyMs": 3,
        "correlationId": uuid.uuid4().hex,
        "tags": ["sdk:python"],
        "idempotencyKey": uuid.uuid4().hex,
        **changes,
    }


def signed_post(
    ingest: Api, secret: str, body: bytes, *, stamp: int | None = None, signature: str = ""
) -> object:
    stamp = int(time.time()) if stamp is None else stamp
    return ingest.post(
        "/api/v1/ingest/decision",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Governs-Timestamp": str(stamp),
            "X-Governs-Signature": signature or sign(secret, stamp, body),
        },
    )


def test_ingest_is_accepted_and_idempotent(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=(), scopes=("ingest:write", "decisions:read"), log_in=False)
    ingest = api.as_(org.keys["ingest:write"])
    body = message(orgId=org.slug, ts="2026-01-02T03:04:05Z")
    first = ingest.post("/api/v1/ingest/decision", json=body)
    assert first.status_code == 202, first.text
    assert first.json()["accepted"] is True
    again = ingest.post("/api/v1/ingest/decision", json=body)
    assert again.json()["id"] == first.json()["id"]
    gateway.flush()
    page = api.as_(org.keys["decisions:read"]).get("/api/decisions").json()
    assert len(page["decisions"]) == 1
    decision = page["decisions"][0]
    assert decision["id"] == first.json()["id"]
    assert decision["ts"] == "2026-01-02T03:04:05Z" and decision["orgId"] == org.id
    assert decision["payloadHash"] == body["payloadHash"] and decision["tags"] == ["sdk:python"]
    assert page["lastIngestTime"] == "2026-01-02T03:04:05Z"


def test_ingest_into_another_org_is_404(api: Api, org_a: OrgFixture, org_b: OrgFixture) -> None:
    response = api.as_(org_a.keys["ingest:write"]).post(
        "/api/v1/ingest/decision", json=message(orgId=org_b.id)
    )
    assert_error(response, 404, "org_not_found")


def test_signed_ingest(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=("OWNER",), scopes=("ingest:write",))
    owner = api.as_(org.sessions["OWNER"])
    path = f"/api/v1/orgs/{org.slug}/signing-secret"
    assert owner.get(path).json()["configured"] is False
    secret = owner.post(path).json()["secret"]
    assert owner.get(path).json()["configured"] is True
    ingest = api.as_(org.keys["ingest:write"])

    body = orjson.dumps(message())
    accepted = signed_post(ingest, secret, body)
    assert accepted.status_code == 202, accepted.text
    # The same request again, within the window: a replay.
    stamp = int(time.time())
    fresh = orjson.dumps(message())
    assert signed_post(ingest, secret, fresh, stamp=stamp).status_code == 202
    assert_error(signed_post(ingest, secret, fresh, stamp=stamp), 401, "replayed_signature")

    assert_error(ingest.post("/api/v1/ingest/decision", json=message()), 401, "missing_signature")
    assert_error(
        signed_post(ingest, secret, body, signature="sha256=" + "0" * 64), 401, "invalid_signature"
    )
    assert_error(
        signed_post(ingest, "gss_wrong", orjson.dumps(message())), 401, "invalid_signature"
    )
    tampered = orjson.dumps(message())
    good = sign(secret, stamp, tampered)
    assert_error(
        signed_post(ingest, secret, tampered + b" ", stamp=stamp, signature=good),
        401,
        "invalid_signature",
    )
    stale = int(time.time()) - 301
    assert_error(
        signed_post(ingest, secret, orjson.dumps(message()), stamp=stale), 401, "stale_signature"
    )
    future = int(time.time()) + 301
    assert_error(
        signed_post(ingest, secret, orjson.dumps(message()), stamp=future), 401, "stale_signature"
    )

    # Rotation: the old secret stops working; deleting the secret stops requiring signatures.
    rotated = owner.post(path).json()["secret"]
    assert rotated != secret
    assert_error(signed_post(ingest, secret, orjson.dumps(message())), 401, "invalid_signature")
    assert signed_post(ingest, rotated, orjson.dumps(message())).status_code == 202
    assert owner.delete(path).json()["configured"] is False
    assert ingest.post("/api/v1/ingest/decision", json=message()).status_code == 202
    audit = gateway.rows("audit_logs", org_id=org.id, action="signing_secret.rotate")
    assert len(audit) == 2 and secret not in str(audit) and rotated not in str(audit)


def test_invalid_messages_name_the_param(api: Api, org_a: OrgFixture) -> None:
    ingest = api.as_(org_a.keys["ingest:write"])
    for changes, param in [
        ({"direction": "sideways"}, "direction"),
        ({"decision": "maybe"}, "decision"),
        ({"payloadHash": ""}, "payloadHash"),
        ({"latencyMs": -1}, "latencyMs"),
        ({"type": "usage.v1"}, "type"),
    ]:
        error = assert_error(
            ingest.post("/api/v1/ingest/decision", json=message(**changes)),
            400,
            "invalid_request_body",
        )
        assert error["param"] == param
