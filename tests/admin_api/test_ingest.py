"""``/api/v1/ingest/decision``: 202, idempotency, and the signature (accepted, wrong, stale,
replayed); then the rows through ``/api/decisions``."""

from __future__ import annotations

import time
import uuid

import orjson

from admin_api.signing import sign, sign_body
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
    assert first.json() == {"status": "accepted", "accepted": True, "id": first.json()["id"]}
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


def test_the_specs_timestamp_and_a_long_payload_hash_are_kept(
    gateway: RunningGateway, api: Api
) -> None:
    org = make_org(gateway, roles=(), scopes=("ingest:write", "decisions:read"), log_in=False)
    ingest = api.as_(org.keys["ingest:write"])
    prefixed = "sha256:" + "ab" * 32  # 71 characters
    longest = "sha512:" + "c" * 505  # the limit: 512
    for body in (
        message(timestamp=1_767_323_045, payloadHash=prefixed),  # 2026-01-02T03:04:05Z
        message(timestamp="2026-01-02T03:04:06Z", ts="2026-01-02T03:04:06Z", payloadHash=longest),
    ):
        response = ingest.post("/api/v1/ingest/decision", json=body)
        assert response.status_code == 202, response.text
    gateway.flush()
    page = api.as_(org.keys["decisions:read"]).get("/api/decisions").json()
    assert [(d["ts"], d["payloadHash"]) for d in page["decisions"]] == [
        ("2026-01-02T03:04:06Z", longest),
        ("2026-01-02T03:04:05Z", prefixed),
    ]
    too_long = ingest.post("/api/v1/ingest/decision", json=message(payloadHash="d" * 513))
    assert assert_error(too_long, 400, "invalid_request_body")["param"] == "payloadHash"
    both = ingest.post(
        "/api/v1/ingest/decision", json=message(timestamp=1_767_323_045, ts="2026-01-01T00:00:00Z")
    )
    assert assert_error(both, 400, "invalid_request_body")["param"] == "timestamp"


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


def spec_signed(api: Api, secret: str, body: bytes, signature: str = "") -> object:
    """The spec's sender: Content-Type and X-Governs-Signature over the raw body, no key."""
    return api.as_(None).post(
        "/api/v1/ingest/decision",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Governs-Signature": signature or sign_body(secret, body),
        },
    )


def test_a_body_signed_with_the_orgs_secret_needs_no_key(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=("OWNER",), scopes=("ingest:write", "decisions:read"))
    secret = api.as_(org.sessions["OWNER"]).post(f"/api/v1/orgs/{org.slug}/signing-secret").json()
    secret = secret["secret"]
    now = int(time.time())

    body = orjson.dumps(message(orgId=org.slug, timestamp=now))
    accepted = spec_signed(api, secret, body)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] == "accepted"
    # The same signed body again is a replay, whatever its idempotencyKey would do.
    assert_error(spec_signed(api, secret, body), 401, "replayed_signature")
    gateway.flush()
    (row,) = gateway.rows("decisions", id=accepted.json()["id"])
    assert (row["org_id"], row["api_key_id"], row["user_id"]) == (org.id, None, None)

    def refused(body: bytes, code: str, signature: str = "") -> None:
        assert_error(spec_signed(api, secret, body, signature), 401, code)

    refused(orjson.dumps(message(orgId=org.id, timestamp=now)), "invalid_signature", "sha256=00")
    refused(orjson.dumps(message(orgId=org.id, timestamp=now - 400)), "stale_signature")
    refused(orjson.dumps(message(orgId=org.id, timestamp=now + 400)), "stale_signature")
    refused(orjson.dumps(message(orgId=org.id)), "stale_signature")  # no time to bound replays
    refused(orjson.dumps(message(timestamp=now)), "invalid_signature")  # which org's secret?
    refused(b"{not json", "invalid_signature")
    # Signed with the right secret but naming an org that does not sign, or does not exist:
    # the same answer as a wrong signature.
    stranger = make_org(gateway, roles=(), log_in=False)
    refused(orjson.dumps(message(orgId=stranger.id, timestamp=now)), "invalid_signature")
    refused(orjson.dumps(message(orgId="no-such-org", timestamp=now)), "invalid_signature")

    # No credential and no signature: 401, even for a body that would not validate.
    for body in (orjson.dumps(message(orgId=org.id)), b"{}", b"nope"):
        nobody = api.as_(None).post("/api/v1/ingest/decision", content=body)
        assert_error(nobody, 401, "missing_api_key")
    # Once the signature holds, the body is checked as ever.
    bad = orjson.dumps(message(orgId=org.id, timestamp=now, direction="sideways"))
    assert assert_error(spec_signed(api, secret, bad), 400, "invalid_request_body")["param"] == (
        "direction"
    )
    # The X-Governs-Timestamp scheme works without a key too, and the spec's scheme with one.
    stamped = orjson.dumps(message(orgId=org.id))
    assert signed_post(api.as_(None), secret, stamped).status_code == 202
    keyed = api.as_(org.keys["ingest:write"]).post(
        "/api/v1/ingest/decision",
        content=(body := orjson.dumps(message(timestamp=now))),
        headers={"X-Governs-Signature": sign_body(secret, body)},
    )
    assert keyed.status_code == 202, keyed.text


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
