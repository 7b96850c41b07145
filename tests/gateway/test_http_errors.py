"""Every refusal of the proxy API: the right status and OpenAI's error shape."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import openai
import pytest
from sqlalchemy import update

from core.storage import keys as key_queries
from core.storage.database import create_engine, session_factory
from core.storage.models import ApiKey
from tests.harness import RunningGateway

CHAT = {"model": "echo", "messages": [{"role": "user", "content": "hi"}]}


def post(
    gateway: RunningGateway, *, key: str | None = "default", **kwargs: object
) -> httpx.Response:
    headers = dict(kwargs.pop("headers", {}) or {})  # type: ignore[call-overload]
    if key == "default":
        key = gateway.api_key
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    return httpx.post(f"{gateway.openai_base_url}/chat/completions", headers=headers, **kwargs)  # type: ignore[arg-type]


def assert_error(
    response: httpx.Response, status: int, code: str, param: str | None = None
) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["error"]["param"] == param
    assert response.headers["x-request-id"]


async def _make_key(gateway: RunningGateway, scopes: tuple[str, ...], **changes: object) -> str:
    engine = create_engine(gateway.settings.database)
    try:
        async with session_factory(engine).begin() as session:
            org = await key_queries.get_or_create_org(session, "default")
            key, secret = await key_queries.create_key(session, org, label="test", scopes=scopes)
            if changes:
                await session.execute(update(ApiKey).where(ApiKey.id == key.id).values(**changes))
            return secret
    finally:
        await engine.dispose()


@pytest.fixture
def make_key(gateway: RunningGateway) -> Iterator[object]:
    def make(scopes: tuple[str, ...] = ("precheck:invoke",), **changes: object) -> str:
        return asyncio.run(_make_key(gateway, scopes, **changes))

    yield make


def test_missing_key_is_401(gateway: RunningGateway) -> None:
    assert_error(post(gateway, key=None, json=CHAT), 401, "missing_api_key")


def test_unknown_key_is_401(gateway: RunningGateway) -> None:
    assert_error(post(gateway, key="gai_not-a-real-key", json=CHAT), 401, "invalid_api_key")


def test_non_bearer_authorization_is_401(gateway: RunningGateway) -> None:
    response = post(
        gateway, key=None, json=CHAT, headers={"Authorization": f"Basic {gateway.api_key}"}
    )
    assert_error(response, 401, "missing_api_key")


def test_inactive_key_is_401(gateway: RunningGateway, make_key) -> None:  # type: ignore[no-untyped-def]
    assert_error(post(gateway, key=make_key(is_active=False), json=CHAT), 401, "inactive_api_key")


def test_expired_key_is_401(gateway: RunningGateway, make_key) -> None:  # type: ignore[no-untyped-def]
    key = make_key(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    assert_error(post(gateway, key=key, json=CHAT), 401, "expired_api_key")


def test_key_without_the_scope_is_403(gateway: RunningGateway, make_key) -> None:  # type: ignore[no-untyped-def]
    key = make_key(("usage:read",))
    assert_error(post(gateway, key=key, json=CHAT), 403, "insufficient_scope")


def test_admin_scope_grants_everything(gateway: RunningGateway, make_key) -> None:  # type: ignore[no-untyped-def]
    assert post(gateway, key=make_key(("admin",)), json=CHAT).status_code == 200


def test_a_key_revoked_elsewhere_stops_working_within_the_cache_time(
    gateway: RunningGateway,
    make_key,  # type: ignore[no-untyped-def]
) -> None:
    key = make_key()
    assert post(gateway, key=key, json=CHAT).status_code == 200

    async def deactivate() -> None:
        engine = create_engine(gateway.settings.database)
        try:
            async with session_factory(engine).begin() as session:
                await session.execute(
                    update(ApiKey)
                    .where(ApiKey.key_hash == key_queries.hash_key(key))
                    .values(is_active=False)
                )
        finally:
            await engine.dispose()

    asyncio.run(deactivate())
    deadline = gateway.settings.auth.key_cache_seconds + 1.0
    waited = 0.0
    while post(gateway, key=key, json=CHAT).status_code == 200:
        assert waited < deadline, "a deactivated key kept working past the cache time"
        asyncio.run(asyncio.sleep(0.2))
        waited += 0.2


def test_unknown_model_is_404(gateway: RunningGateway) -> None:
    assert_error(post(gateway, json={**CHAT, "model": "nope"}), 404, "model_not_found", "model")
    with pytest.raises(openai.NotFoundError):
        openai.OpenAI(
            base_url=gateway.openai_base_url, api_key=gateway.api_key, max_retries=0
        ).chat.completions.create(model="nope", messages=CHAT["messages"])


def test_malformed_json_is_400(gateway: RunningGateway) -> None:
    assert_error(post(gateway, content=b'{"model": '), 400, "invalid_json")
    assert_error(post(gateway, content=b"[1, 2]"), 400, "invalid_json")
    assert_error(post(gateway, content=b""), 400, "invalid_json")


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"messages": CHAT["messages"]}, "model"),
        ({"model": "echo"}, "messages"),
        ({"model": "echo", "messages": []}, "messages"),
        ({"model": "echo", "messages": [{"role": "wizard", "content": "x"}]}, "messages.0.role"),
        ({"model": "echo", "messages": [{"content": "x"}]}, "messages.0.role"),
        ({**CHAT, "max_tokens": 0}, "max_tokens"),
        ({**CHAT, "temperature": 7}, "temperature"),
        ({**CHAT, "stream": "yes please"}, "stream"),
        ({**CHAT, "stream_options": {"include_usage": True}}, "stream_options"),
    ],
)
def test_invalid_fields_are_400_naming_the_param(
    gateway: RunningGateway, body: dict, param: str
) -> None:
    assert_error(post(gateway, json=body), 400, "invalid_request_body", param)


def test_body_over_the_limit_is_413(gateway: RunningGateway) -> None:
    big = "x" * (gateway.settings.server.max_body_bytes + 1)
    body = {**CHAT, "messages": [{"role": "user", "content": big}]}
    assert_error(post(gateway, json=body), 413, "request_too_large")


def test_chunked_body_over_the_limit_is_413(gateway: RunningGateway) -> None:
    big = (
        b'{"model": "echo", "messages": [{"role": "user", "content": "'
        + b"x" * (gateway.settings.server.max_body_bytes + 1)
        + b'"}]}'
    )

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(big), 8192):
            yield big[start : start + 8192]

    assert_error(post(gateway, content=chunks()), 413, "request_too_large")


def test_unknown_path_and_method(gateway: RunningGateway) -> None:
    assert_error(httpx.get(f"{gateway.base_url}/v1/nope"), 404, "unknown_url")
    assert_error(
        httpx.get(f"{gateway.openai_base_url}/chat/completions"), 405, "method_not_allowed"
    )


def test_models_needs_a_key(gateway: RunningGateway) -> None:
    assert_error(httpx.get(f"{gateway.openai_base_url}/models"), 401, "missing_api_key")


def test_healthz_needs_no_key(gateway: RunningGateway) -> None:
    assert httpx.get(f"{gateway.base_url}/healthz").json() == {"status": "ok"}
