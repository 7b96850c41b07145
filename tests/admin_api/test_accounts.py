"""Accounts through the running server: sign-up, login (bearer and cookie), logout, TOTP,
password change and reset, email verification, invitations, and rate limits. Mail is read from
the file sender's directory."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import argon2
import pyotp
import pytest

from admin_api.sessions import SESSION_COOKIE
from core.settings import AdminConfig, PasswordHashConfig
from tests.admin_api.conftest import LOGIN_PER_ACCOUNT
from tests.admin_api.support import Api, assert_error, mail_to, token_in, unique
from tests.harness import RunningGateway

PASSWORD = "a long enough password"


def signup(api: Api, **extra: object) -> tuple[str, dict]:
    email = f"{unique('user')}@example.com"
    response = api.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD, **extra})
    assert response.status_code == 201, response.text
    return email, response.json()


def verify(api: Api, mail_dir: Path, email: str) -> None:
    token = token_in(mail_to(mail_dir, email)[-1], "gat_")
    assert api.post("/api/v1/auth/email/verify", json={"token": token}).status_code == 200


def test_signup_login_cookie_and_logout(mail_gateway: RunningGateway, mail_dir: Path) -> None:
    api = Api(mail_gateway)
    email, created = signup(api, name="Ada", orgName=unique("Ada Org"))
    assert created["user"]["email"] == email and created["token"].startswith("gas_")
    me = api.as_(created["token"]).get("/api/v1/auth/me").json()
    assert me["user"]["emailVerified"] is None and me["user"]["mfaEnabled"] is False
    assert [m["role"] for m in me["memberships"]] == ["OWNER"]

    login = api.post("/api/v1/auth/login", json={"email": email.upper(), "password": PASSWORD})
    assert login.status_code == 200, login.text
    cookie = login.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    token = login.json()["token"]
    by_cookie = api.get("/api/v1/auth/me", headers={"Cookie": f"{SESSION_COOKIE}={token}"})
    assert by_cookie.status_code == 200 and by_cookie.json()["user"]["email"] == email

    assert api.as_(token).post("/api/v1/auth/logout").status_code == 200
    assert_error(api.as_(token).get("/api/v1/auth/me"), 401, "invalid_session")
    assert api.as_(created["token"]).get("/api/v1/auth/me").status_code == 200  # other session

    wrong = api.post("/api/v1/auth/login", json={"email": email, "password": "not it at all"})
    assert_error(wrong, 401, "invalid_credentials")
    nobody = api.post("/api/v1/auth/login", json={"email": "no@example.com", "password": "x"})
    assert_error(nobody, 401, "invalid_credentials")
    again = api.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD})
    assert_error(again, 409, "email_taken")
    weak = api.post("/api/v1/auth/signup", json={"email": "w@example.com", "password": "short"})
    assert assert_error(weak, 400, "weak_password")["param"] == "password"


def test_password_hashes_use_the_configured_argon2_cost(mail_gateway: RunningGateway) -> None:
    _, created = signup(Api(mail_gateway))
    (row,) = mail_gateway.rows("user_credentials", user_id=created["user"]["id"])
    cost = mail_gateway.settings.admin.password_hash
    assert row["password_hash"].startswith(
        f"$argon2id$v=19$m={cost.memory_cost_kib},t={cost.time_cost},p={cost.parallelism}$"
    )
    # Production keeps argon2-cffi's defaults (RFC 9106, low memory); only tests go cheap.
    default = AdminConfig().password_hash
    profile = argon2.profiles.RFC_9106_LOW_MEMORY
    assert (default.time_cost, default.memory_cost_kib, default.parallelism) == (
        profile.time_cost, profile.memory_cost, profile.parallelism,
    )  # fmt: skip
    with pytest.raises(ValueError, match="memory_cost_kib"):
        PasswordHashConfig(memory_cost_kib=8, parallelism=2)


def test_email_verification(mail_gateway: RunningGateway, mail_dir: Path) -> None:
    api = Api(mail_gateway)
    email, created = signup(api)
    token = token_in(mail_to(mail_dir, email)[-1], "gat_")
    assert api.post("/api/v1/auth/email/verify", json={"token": token}).status_code == 200
    me = api.as_(created["token"]).get("/api/v1/auth/me").json()
    assert me["user"]["emailVerified"] is not None
    reused = api.post("/api/v1/auth/email/verify", json={"token": token})
    assert_error(reused, 404, "invalid_token")


def test_totp_enrolment_and_login(mail_gateway: RunningGateway) -> None:
    api = Api(mail_gateway)
    email, created = signup(api)
    me = api.as_(created["token"])
    setup = me.post("/api/v1/auth/mfa/totp/setup").json()
    assert setup["otpauthUri"].startswith("otpauth://totp/GovernsAI:")
    qr_prefix = "data:image/svg+xml;charset=utf-8,"
    assert setup["qrCodeDataUri"].startswith(qr_prefix)
    svg = urllib.parse.unquote(setup["qrCodeDataUri"].removeprefix(qr_prefix))
    assert svg.startswith("<svg") and "<path" in svg and svg.endswith("</svg>")
    totp = pyotp.TOTP(setup["secret"])
    wrong = me.post("/api/v1/auth/mfa/totp/enable", json={"code": "000000"})
    if totp.verify("000000", valid_window=1):  # one chance in a million or so
        return
    assert_error(wrong, 400, "invalid_mfa_code")
    enabled = me.post("/api/v1/auth/mfa/totp/enable", json={"code": totp.now()})
    assert enabled.json() == {"enabled": True}
    assert me.get("/api/v1/auth/mfa/totp").json() == {"enabled": True}
    assert me.post("/api/v1/auth/mfa/totp/verify", json={"code": totp.now()}).json() == {
        "valid": True
    }

    credentials = {"email": email, "password": PASSWORD}
    assert_error(api.post("/api/v1/auth/login", json=credentials), 401, "mfa_required")
    bad = api.post("/api/v1/auth/login", json={**credentials, "totpCode": "000000"})
    assert_error(bad, 401, "invalid_mfa_code")
    good = api.post("/api/v1/auth/login", json={**credentials, "totpCode": totp.now()})
    assert good.status_code == 200 and good.json()["user"]["mfaEnabled"] is True

    off = me.post("/api/v1/auth/mfa/totp/disable", json={"code": totp.now()})
    assert off.json() == {"enabled": False}
    assert api.post("/api/v1/auth/login", json=credentials).status_code == 200


def test_password_change_and_reset(mail_gateway: RunningGateway, mail_dir: Path) -> None:
    api = Api(mail_gateway)
    email, created = signup(api)
    other = api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
    changed = api.as_(created["token"]).post(
        "/api/v1/auth/password",
        json={"currentPassword": PASSWORD, "newPassword": "another long password"},
    )
    assert changed.status_code == 200, changed.text
    assert_error(api.as_(other["token"]).get("/api/v1/auth/me"), 401, "invalid_session")
    assert api.as_(created["token"]).get("/api/v1/auth/me").status_code == 200

    # Forgot: the same answer whether or not the address has an account.
    for address in (email, "nobody-here@example.com"):
        forgot = api.post("/api/v1/auth/password/forgot", json={"email": address})
        assert forgot.status_code == 202 and forgot.json() == {"ok": True}
    assert mail_to(mail_dir, "nobody-here@example.com") == []
    token = token_in(mail_to(mail_dir, email)[-1], "gat_")
    reset = api.post(
        "/api/v1/auth/password/reset", json={"token": token, "password": "the newest password"}
    )
    assert reset.status_code == 200, reset.text
    assert_error(api.as_(created["token"]).get("/api/v1/auth/me"), 401, "invalid_session")
    reused = api.post(
        "/api/v1/auth/password/reset", json={"token": token, "password": "the newest password"}
    )
    assert_error(reused, 404, "invalid_token")
    login = api.post("/api/v1/auth/login", json={"email": email, "password": "the newest password"})
    assert login.status_code == 200
    rows = mail_gateway.rows("audit_logs", action="user.password_reset")
    assert token not in str(rows) and "newest" not in str(rows)


def test_invitations(mail_gateway: RunningGateway, mail_dir: Path) -> None:
    api = Api(mail_gateway)
    owner_email, owner = signup(api, orgName=unique("Inviting"))
    verify(api, mail_dir, owner_email)
    owner_api = api.as_(owner["token"])
    org_id = owner_api.get("/api/v1/orgs").json()["orgs"][0]["id"]
    invited = f"{unique('invitee')}@example.com"
    created = owner_api.post(
        f"/api/v1/orgs/{org_id}/invitations", json={"email": invited, "role": "DEVELOPER"}
    )
    assert created.status_code == 201, created.text
    assert "token" not in created.json()
    token = token_in(mail_to(mail_dir, invited)[-1], "gin_")
    # Whoever holds the token may see what it is for (the console's "Join" screen shows it).
    preview = api.post("/api/v1/invitations/preview", json={"token": token})
    assert preview.status_code == 200, preview.text
    org_name = owner_api.get(f"/api/v1/orgs/{org_id}").json()["name"]
    assert {k: v for k, v in preview.json().items() if k != "expiresAt"} == {
        "orgName": org_name, "email": invited, "role": "DEVELOPER",
    }  # fmt: skip
    assert_error(
        api.post("/api/v1/invitations/preview", json={"token": "gin_nope"}),
        404, "invitation_not_found",
    )  # fmt: skip

    # Someone else cannot use it; the invitee signs up with it and joins as DEVELOPER.
    _, stranger = signup(api)
    refused = api.as_(stranger["token"]).post("/api/v1/invitations/accept", json={"token": token})
    assert_error(refused, 404, "invitation_not_found")
    joined = api.post(
        "/api/v1/auth/signup",
        json={"email": invited, "password": PASSWORD, "invitationToken": token},
    )
    assert joined.status_code == 201, joined.text
    me = api.as_(joined.json()["token"]).get("/api/v1/auth/me").json()
    assert [(m["orgId"], m["role"]) for m in me["memberships"]] == [(org_id, "DEVELOPER")]
    members = owner_api.get(f"/api/v1/orgs/{org_id}/members").json()["members"]
    assert sorted(m["role"] for m in members) == ["DEVELOPER", "OWNER"]
    (listed,) = owner_api.get(f"/api/v1/orgs/{org_id}/invitations").json()["invitations"]
    assert listed["acceptedAt"] is not None
    used = api.post("/api/v1/invitations/preview", json={"token": token})
    assert_error(used, 404, "invitation_not_found")

    # A revoked invitation cannot be accepted by a signed-in user either.
    second = f"{unique('late')}@example.com"
    row = owner_api.post(
        f"/api/v1/orgs/{org_id}/invitations", json={"email": second, "role": "VIEWER"}
    ).json()
    late_token = token_in(mail_to(mail_dir, second)[-1], "gin_")
    revoked = owner_api.delete(f"/api/v1/orgs/{org_id}/invitations/{row['id']}")
    assert revoked.json()["revokedAt"] is not None
    late = api.post("/api/v1/auth/signup", json={"email": second, "password": PASSWORD})
    accept = api.as_(late.json()["token"]).post(
        "/api/v1/invitations/accept", json={"token": late_token}
    )
    assert_error(accept, 404, "invitation_not_found")


def test_login_signup_and_reset_are_rate_limited(mail_gateway: RunningGateway) -> None:
    api = Api(mail_gateway)
    email, _ = signup(api)
    body = {"email": email, "password": "wrong password!"}
    for _ in range(LOGIN_PER_ACCOUNT):
        assert api.post("/api/v1/auth/login", json=body).status_code == 401
    limited = api.post("/api/v1/auth/login", json={**body, "password": PASSWORD})
    assert_error(limited, 429, "too_many_attempts")
    assert 1 <= int(limited.headers["Retry-After"]) <= 600

    address = f"{unique('reset')}@example.com"
    for _ in range(3):
        api.post("/api/v1/auth/password/forgot", json={"email": address})
    forgot = api.post("/api/v1/auth/password/forgot", json={"email": address})
    assert_error(forgot, 429, "too_many_attempts")

    taken = f"{unique('taken')}@example.com"
    for _ in range(3):
        api.post("/api/v1/auth/signup", json={"email": taken, "password": "short"})
    again = api.post("/api/v1/auth/signup", json={"email": taken, "password": PASSWORD})
    assert_error(again, 429, "too_many_attempts")
