"""Single sign-on over plain HTTP: the refusals a browser test cannot reach easily (a callback
without the browser's cookie, an unknown state, a used one-time token), the org's "require SSO"
switch with its break-glass OWNER, and the provider list the console's buttons come from."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.admin_api.support import mail_to, token_in
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway
from tests.sso.conftest import (
    BOOTSTRAP_KEY,
    CLIENT_ID,
    PROVIDER_NAME,
    Idp,
    Owner,
    signed_up_owner,
    sso_provider,
)

PASSWORD = "correct horse battery staple"


def client(gateway: RunningGateway) -> httpx.Client:
    return httpx.Client(base_url=gateway.base_url, timeout=30, follow_redirects=False)


def refusal(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/dashboard/#/login?ssoError="), location
    return location.rpartition("=")[2]


def test_the_providers_are_listed_for_the_buttons(sso_gateway: RunningGateway) -> None:
    answer = client(sso_gateway).get("/api/v1/auth/sso/providers")
    assert answer.status_code == 200
    assert answer.json() == {"providers": [
        {"name": PROVIDER_NAME, "startUrl": "/api/v1/auth/sso/Acme%20SSO/start"},
        {"name": "Down", "startUrl": "/api/v1/auth/sso/Down/start"},
    ]}  # fmt: skip


def test_start_sends_the_browser_to_the_provider_with_pkce_state_and_nonce(
    sso_gateway: RunningGateway, idp: Idp
) -> None:
    with client(sso_gateway) as http:
        answer = http.get("/api/v1/auth/sso/Acme%20SSO/start")
        assert answer.status_code == 302
        target = urlsplit(answer.headers["location"])
        query = {k: v[0] for k, v in parse_qs(target.query).items()}
        assert f"{target.scheme}://{target.netloc}" == idp.issuer
        assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
        assert query["redirect_uri"] == f"{sso_gateway.base_url}/api/v1/auth/sso/callback"
        assert len(query["state"]) >= 43 and len(query["nonce"]) >= 43
        assert query["scope"] == "openid email profile groups"
        cookie = answer.headers["set-cookie"]
        assert "governs_sso=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_callback_without_the_browsers_cookie_is_refused(
    sso_gateway: RunningGateway, acme_owner: Owner
) -> None:
    with client(sso_gateway) as starter:
        started = starter.get("/api/v1/auth/sso/Acme%20SSO/start")
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    with client(sso_gateway) as other_browser:  # no governs_sso cookie
        answer = other_browser.get(f"/api/v1/auth/sso/callback?state={state}&code=abc")
    assert refusal(answer) == "state_mismatch"
    # The state is spent: the right browser cannot use it after this either.
    with client(sso_gateway) as again:
        again.cookies.set("governs_sso", state)
        assert refusal(again.get(f"/api/v1/auth/sso/callback?state={state}&code=abc")) == (
            "state_replayed"
        )


def test_an_unknown_state_and_a_provider_error_are_refused(sso_gateway: RunningGateway) -> None:
    with client(sso_gateway) as http:
        assert refusal(http.get("/api/v1/auth/sso/callback?state=forged&code=x")) == (
            "state_invalid"
        )
        assert refusal(http.get("/api/v1/auth/sso/callback")) == "state_invalid"
        assert refusal(http.get("/api/v1/auth/sso/nobody/start")) == "provider_unknown"
        started = http.get("/api/v1/auth/sso/Acme%20SSO/start")
        state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
        denied = http.get(f"/api/v1/auth/sso/callback?state={state}&error=access_denied")
        assert refusal(denied) == "provider_refused"


def test_a_provider_that_does_not_answer_is_a_refusal_not_an_error(
    sso_gateway: RunningGateway,
) -> None:
    with client(sso_gateway) as http:
        assert refusal(http.get("/api/v1/auth/sso/Down/start")) == "provider_unavailable"


def test_a_one_time_token_that_is_unknown_gets_the_error_shape(
    sso_gateway: RunningGateway,
) -> None:
    with client(sso_gateway) as http:
        answer = http.post("/api/v1/auth/sso/exchange", json={"token": "gat_nope"})
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "invalid_token"
        bad = http.post("/api/v1/auth/sso/exchange", json={"tokn": "x"})
        assert bad.status_code == 400 and bad.json()["error"]["type"] == "invalid_request_error"


def _member_with_password(gateway: RunningGateway, owner: Owner, email: str) -> None:
    owner_api = httpx.Client(base_url=gateway.base_url, timeout=30,
                             headers={"Authorization": f"Bearer {owner.token}"})  # fmt: skip
    invited = owner_api.post(f"/api/v1/orgs/{owner.org_id}/invitations",
                             json={"email": email, "role": "DEVELOPER"})  # fmt: skip
    assert invited.status_code == 201, invited.text
    mails = mail_to(Path(gateway.settings.admin.mail.directory), email)
    body = {"email": email, "password": PASSWORD, "invitationToken": token_in(mails[-1], "gin_")}
    assert httpx.post(f"{gateway.base_url}/api/v1/auth/signup", json=body).status_code == 201


def test_an_org_that_requires_sso_refuses_passwords_but_its_owners(
    sso_gateway: RunningGateway, acme_owner: Owner
) -> None:
    _member_with_password(sso_gateway, acme_owner, "pat@acme.test")
    owner_api = httpx.Client(base_url=sso_gateway.base_url, timeout=30,
                             headers={"Authorization": f"Bearer {acme_owner.token}"})  # fmt: skip
    login = {"email": "pat@acme.test", "password": PASSWORD}
    assert owner_api.post("/api/v1/auth/login", json=login).status_code == 200

    changed = owner_api.patch(f"/api/v1/orgs/{acme_owner.org_id}", json={"requireSso": True})
    assert changed.status_code == 200 and changed.json()["requireSso"] is True
    try:
        refused = httpx.post(f"{sso_gateway.base_url}/api/v1/auth/login", json=login)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "sso_required"
        wrong = httpx.post(f"{sso_gateway.base_url}/api/v1/auth/login",
                           json={**login, "password": "not it at all"})  # fmt: skip
        assert wrong.json()["error"]["code"] == "invalid_credentials"  # tells nothing more
        # The break-glass OWNER still signs in with a password.
        owner_login = {"email": acme_owner.email, "password": acme_owner.password}
        allowed = httpx.post(f"{sso_gateway.base_url}/api/v1/auth/login", json=owner_login)
        assert allowed.status_code == 200
        failures = [r for r in sso_gateway.rows("audit_logs", action="user.login_failed")
                    if r["details"]["reason"] == "sso_required"]  # fmt: skip
        assert failures
        updates = sso_gateway.rows("audit_logs", action="org.update")
        assert any(u["details"]["after"]["requireSso"] for u in updates)
    finally:
        owner_api.patch(f"/api/v1/orgs/{acme_owner.org_id}", json={"requireSso": False})
    assert httpx.post(f"{sso_gateway.base_url}/api/v1/auth/login", json=login).status_code == 200


def test_requiring_sso_needs_a_provider_for_the_org(sso_gateway: RunningGateway) -> None:
    solo = signed_up_owner(sso_gateway, "solo@elsewhere.test", "Solo", "solo")
    api = httpx.Client(base_url=sso_gateway.base_url, timeout=30,
                       headers={"Authorization": f"Bearer {solo.token}"})  # fmt: skip
    answer = api.patch("/api/v1/orgs/solo", json={"requireSso": True})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "sso_not_configured"
    assert answer.json()["error"]["param"] == "requireSso"


def test_starts_are_rate_limited_per_client(
    service_thread: ServiceThread, tmp_path: Path, idp: Idp
) -> None:
    raw = {
        "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'governs.db'}"},
        "writer": {"spool_dir": str(tmp_path / "spool")},
        "pii": {"ner": False},
        "admin": {
            "sso": [sso_provider(idp.issuer)],
            "rate_limits": {"login": {"per_ip": 2, "per_account": 2, "window_seconds": 600}},
        },
    }
    running = start_gateway(service_thread, gateway_settings(raw, bootstrap_key=BOOTSTRAP_KEY))
    try:
        with client(running) as http:
            for _ in range(2):
                assert http.get("/api/v1/auth/sso/Acme%20SSO/start").status_code == 302
            assert refusal(http.get("/api/v1/auth/sso/Acme%20SSO/start")) == "rate_limited"
    finally:
        running.stop()
