"""Who reaches the operator's providers, through the running gateway: sign-up is off unless
the config opens it; a signed-up user verifies their email before touching an org; a new
self-service org reaches no model until an operator grants it; allowed models per org and per
key are enforced on every proxy route in the client's own error shape; a key's own rate limits
override the config's."""

from __future__ import annotations

import time
from pathlib import Path

import anthropic
import httpx
import openai
import pytest

from tests.admin_api.support import Api, OrgFixture, assert_error, mail_to, make_org, token_in
from tests.admin_api.support import unique as unique_name
from tests.harness import RunningGateway

PASSWORD = "a long enough password"
CHAT = {"model": "echo", "messages": [{"role": "user", "content": "hi"}]}


def chat(gateway: RunningGateway, key: str, model: str = "echo") -> httpx.Response:
    return httpx.post(
        f"{gateway.openai_base_url}/chat/completions",
        headers={"Authorization": f"Bearer {key}"},
        json={**CHAT, "model": model},
        timeout=30,
    )


def eventually(check: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            check()  # type: ignore[operator]
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_signup_is_off_by_default(gateway: RunningGateway) -> None:
    assert gateway.settings.admin.allow_signup is False  # the shared gateway keeps the default
    response = Api(gateway).post(
        "/api/v1/auth/signup",
        json={"email": f"{unique_name('stranger')}@example.com", "password": PASSWORD,
              "orgName": "Strangers"},
    )  # fmt: skip
    assert_error(response, 401, "signup_disabled")


def test_a_stranger_who_signs_up_reaches_nothing_until_verified_and_granted(
    mail_gateway: RunningGateway, mail_dir: Path
) -> None:
    api = Api(mail_gateway)
    email = f"{unique_name('newcomer')}@example.com"
    slug = unique_name("self-service")
    signed = api.post(
        "/api/v1/auth/signup",
        json={"email": email, "password": PASSWORD, "orgName": slug, "orgSlug": slug},
    )
    assert signed.status_code == 201, signed.text
    me = api.as_(signed.json()["token"])

    # Unverified: no org access at all, whatever the endpoint.
    for response in (
        me.get("/api/v1/keys", params={"orgId": slug}),
        me.post("/api/v1/keys", json={"orgId": slug, "name": "k", "scopes": ["precheck:invoke"]}),
        me.get("/api/v1/policies", params={"orgId": slug}),
        me.get(f"/api/v1/orgs/{slug}"),
        me.post("/api/v1/orgs", json={"name": "another", "slug": unique_name("another")}),
    ):
        assert_error(response, 403, "email_unverified")

    token = token_in(mail_to(mail_dir, email)[-1], "gat_")
    assert api.post("/api/v1/auth/email/verify", json={"token": token}).status_code == 200
    created = me.post(
        "/api/v1/keys", json={"orgId": slug, "name": "app", "scopes": ["precheck:invoke"]}
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    assert me.get(f"/api/v1/orgs/{slug}").json()["allowedModels"] == []

    # Verified, with a key, and still no model: the org has not been granted any.
    refused = chat(mail_gateway, key)
    error = assert_error(refused, 403, "model_not_allowed")
    assert error["param"] == "model" and "not been granted any model" in error["message"]
    with pytest.raises(anthropic.PermissionDeniedError) as denied:
        anthropic.Anthropic(
            base_url=mail_gateway.base_url, api_key=key, max_retries=0
        ).messages.create(model="echo", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert denied.value.body["type"] == "error"  # Anthropic's shape on /v1/messages
    assert denied.value.body["error"]["type"] == "permission_error"

    # The org's own OWNER cannot grant it; the operator (the bootstrap org's admin key) can.
    grant = {"allowedModels": ["echo"]}
    assert_error(me.put(f"/api/v1/orgs/{slug}/models", json=grant), 403, "operator_required")
    operator = api.as_(mail_gateway.api_key)
    typo = operator.put(f"/api/v1/orgs/{slug}/models", json={"allowedModels": ["ecoh"]})
    error = assert_error(typo, 400, "unknown_model")
    assert error["param"] == "allowedModels.0" and "did you mean 'echo'" in error["message"]
    granted = operator.put(f"/api/v1/orgs/{slug}/models", json=grant)
    assert granted.status_code == 200, granted.text
    assert granted.json()["allowedModels"] == ["echo"]
    eventually(lambda: _assert_status(chat(mail_gateway, key), 200))

    org_id = granted.json()["orgId"]
    (row,) = mail_gateway.rows("audit_logs", action="org.models_grant", org_id=org_id)
    assert row["api_key_id"] is not None and row["details"]["before"]["allowedModels"] == []


def _assert_status(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text


def test_the_operator_org_slug_is_reserved(mail_gateway: RunningGateway, mail_dir: Path) -> None:
    api = Api(mail_gateway)
    email = f"{unique_name('squatter')}@example.com"
    response = api.post(
        "/api/v1/auth/signup",
        json={"email": email, "password": PASSWORD, "orgName": "Default", "orgSlug": "default"},
    )
    assert assert_error(response, 409, "slug_reserved")["param"] == "orgSlug"


@pytest.fixture(scope="module")
def owner(gateway: RunningGateway) -> tuple[OrgFixture, Api]:
    org = make_org(gateway, roles=("OWNER",))
    return org, Api(gateway, org.sessions["OWNER"])


def _key(api: Api, org: OrgFixture, **fields: object) -> dict:
    response = api.post(
        "/api/v1/keys",
        json={"orgId": org.slug, "name": unique_name("k"), "scopes": ["precheck:invoke"], **fields},
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_a_keys_allowed_models_hold_on_every_proxy_route(
    gateway: RunningGateway, owner: tuple[OrgFixture, Api]
) -> None:
    org, api = owner
    made = _key(api, org, allowedModels=["gpt-4o-mini", "text-embedding-3-small"])
    assert made["allowedModels"] == ["gpt-4o-mini", "text-embedding-3-small"]
    client = openai.OpenAI(base_url=gateway.openai_base_url, api_key=made["key"], max_retries=0)
    assert client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
    ).choices
    assert client.embeddings.create(model="text-embedding-3-small", input="hi").data
    assert [m.id for m in client.models.list()] == ["gpt-4o-mini", "text-embedding-3-small"]

    with pytest.raises(openai.PermissionDeniedError) as chat_refused:
        client.chat.completions.create(model="claude", messages=[{"role": "user", "content": "x"}])
    assert chat_refused.value.code == "model_not_allowed"
    with pytest.raises(openai.PermissionDeniedError) as stream_refused:
        client.chat.completions.create(
            model="gemini", stream=True, messages=[{"role": "user", "content": "x"}]
        )
    assert stream_refused.value.code == "model_not_allowed"
    with pytest.raises(openai.PermissionDeniedError) as embed_refused:
        client.embeddings.create(model="gemini-embedding", input="hi")
    assert embed_refused.value.code == "model_not_allowed"
    messages = anthropic.Anthropic(base_url=gateway.base_url, api_key=made["key"], max_retries=0)
    with pytest.raises(anthropic.PermissionDeniedError) as messages_refused:
        messages.messages.create(
            model="claude", max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
    assert messages_refused.value.body["error"]["type"] == "permission_error"
    # An unknown model is still a 404, whatever the key may use.
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="no-such", messages=[{"role": "user", "content": "x"}])
    # The newer front doors keep the same grant.
    with pytest.raises(openai.PermissionDeniedError) as responses_refused:
        client.responses.create(model="claude", input="x")
    assert responses_refused.value.code == "model_not_allowed"
    with pytest.raises(openai.PermissionDeniedError) as completions_refused:
        client.completions.create(model="claude", prompt="x")
    assert completions_refused.value.code == "model_not_allowed"
    assert client.models.retrieve("gpt-4o-mini").id == "gpt-4o-mini"
    with pytest.raises(openai.NotFoundError) as hidden:
        client.models.retrieve("claude")  # as OpenAI does: a model the key cannot use is hidden
    assert hidden.value.code == "model_not_found"


def test_a_keys_models_are_checked_and_narrow_its_orgs(
    gateway: RunningGateway, owner: tuple[OrgFixture, Api]
) -> None:
    org, api = owner
    typo = api.post(
        "/api/v1/keys",
        json={"orgId": org.slug, "name": "k", "scopes": ["precheck:invoke"],
              "allowedModels": ["gpt-4o-mni"]},
    )  # fmt: skip
    error = assert_error(typo, 400, "unknown_model")
    assert "did you mean 'gpt-4o-mini'" in error["message"]

    # The org narrowed to claude: a key allowed gpt-4o-mini gets neither.
    operator = Api(gateway, gateway.api_key)
    narrowed = operator.put(f"/api/v1/orgs/{org.slug}/models", json={"allowedModels": ["claude"]})
    assert narrowed.status_code == 200, narrowed.text
    try:
        mini_only = _key(api, org, allowedModels=["gpt-4o-mini"])["key"]
        plain = _key(api, org)["key"]
        assert_error(chat(gateway, mini_only, "gpt-4o-mini"), 403, "model_not_allowed")
        assert_error(chat(gateway, mini_only, "claude"), 403, "model_not_allowed")
        assert_error(chat(gateway, plain, "gpt-4o-mini"), 403, "model_not_allowed")
        assert chat(gateway, plain, "claude").status_code == 200
    finally:
        operator.put(f"/api/v1/orgs/{org.slug}/models", json={"allowedModels": None})


def test_a_keys_own_rate_limits_override_the_configs(
    gateway: RunningGateway, owner: tuple[OrgFixture, Api]
) -> None:
    org, api = owner
    assert gateway.settings.rate_limits.per_key.requests_per_minute is None  # no config limit
    made = _key(api, org, requestsPerMinute=2)
    assert made["requestsPerMinute"] == 2 and made["tokensPerMinute"] is None
    first = chat(gateway, made["key"])
    assert first.status_code == 200 and first.headers["x-ratelimit-limit-requests"] == "2"
    assert chat(gateway, made["key"]).status_code == 200
    refused = chat(gateway, made["key"])
    assert_error(refused, 429, "rate_limit_exceeded")
    assert int(refused.headers["Retry-After"]) >= 1
    other = _key(api, org)["key"]  # no limit of its own, none in the config
    assert all(chat(gateway, other).status_code == 200 for _ in range(3))

    tokens = _key(api, org, tokensPerMinute=5)["key"]
    long_prompt = {**CHAT, "messages": [{"role": "user", "content": "word " * 50}]}
    too_big = httpx.post(
        f"{gateway.openai_base_url}/chat/completions",
        headers={"Authorization": f"Bearer {tokens}"},
        json=long_prompt,
        timeout=30,
    )
    assert_error(too_big, 429, "rate_limit_exceeded")

    # Cleared (null): back to the config's limits, here none.
    cleared = api.patch(f"/api/v1/keys/{made['id']}", json={"requestsPerMinute": None})
    assert cleared.json()["requestsPerMinute"] is None
    eventually(lambda: _assert_status(chat(gateway, made["key"]), 200))


def test_only_key_managers_set_a_keys_own_limits(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=("OWNER", "DEVELOPER"))
    developer = api.as_(org.sessions["DEVELOPER"])
    body = {"orgId": org.slug, "name": "mine", "scopes": ["precheck:invoke"]}
    raised = developer.post("/api/v1/keys", json={**body, "requestsPerMinute": 100_000})
    assert_error(raised, 403, "insufficient_role")
    narrowed = developer.post("/api/v1/keys", json={**body, "allowedModels": ["echo"]})
    assert narrowed.status_code == 201, narrowed.text  # narrowing is always allowed
    patched = developer.patch(
        f"/api/v1/keys/{narrowed.json()['id']}", json={"tokensPerMinute": 10**9}
    )
    assert_error(patched, 403, "insufficient_role")
    owner = api.as_(org.sessions["OWNER"])
    set_by_owner = owner.patch(
        f"/api/v1/keys/{narrowed.json()['id']}", json={"tokensPerMinute": 5000}
    )
    assert set_by_owner.json()["tokensPerMinute"] == 5000
