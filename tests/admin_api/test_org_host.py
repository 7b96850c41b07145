"""``admin.org_host_pattern``: the ``Host`` header selects the org for the admin API (the
console's side is in ``tests/dashboard/test_shell.py``). ``mail_gateway`` has the pattern
``{org}.app.example.test``; requests say which host they are for in ``Host``."""

from __future__ import annotations

from pathlib import Path

import pytest

from admin_api.org_host import OrgHost
from core.errors import ConfigError
from core.settings import load_settings
from core.storage.account_models import Membership
from core.storage.database import create_engine, session_factory
from tests.admin_api.conftest import ORG_HOST_PATTERN
from tests.admin_api.support import Api, assert_error, make_org, run
from tests.harness import RunningGateway


def at(org_slug: str) -> dict[str, str]:
    return {"Host": ORG_HOST_PATTERN.replace("{org}", org_slug)}


async def join(gateway: RunningGateway, user_id: str, org_id: str, role: str) -> None:
    engine = create_engine(gateway.settings.database)
    try:
        async with session_factory(engine).begin() as session:
            session.add(Membership(org_id=org_id, user_id=user_id, role=role))
    finally:
        await engine.dispose()


def test_the_host_selects_the_org(mail_gateway: RunningGateway) -> None:
    acme = make_org(mail_gateway, roles=("OWNER",), scopes=("keys:manage",))
    globex = make_org(mail_gateway, roles=(), scopes=("keys:manage",), log_in=False)
    run(join(mail_gateway, acme.users["OWNER"], globex.id, "ADMIN"))
    person = Api(mail_gateway, acme.sessions["OWNER"])  # in two orgs now

    # Without a host that names an org, a person in two orgs must name one, as ever.
    assert_error(person.get("/api/v1/keys"), 400, "org_required")
    for org in (acme, globex):
        listed = person.get("/api/v1/keys", headers=at(org.slug))
        assert listed.status_code == 200, listed.text
        assert [k["orgId"] for k in listed.json()] == [org.id]
        me = person.get("/api/v1/auth/me", headers=at(org.slug)).json()
        assert me["hostOrgId"] == org.id
        # Naming the host's own org, by id or slug, is the same; naming another is 404.
        for ref in (org.id, org.slug):
            named = person.get("/api/v1/keys", params={"orgId": ref}, headers=at(org.slug))
            assert named.status_code == 200, named.text
        other = globex if org is acme else acme
        assert_error(
            person.get("/api/v1/keys", params={"orgId": other.id}, headers=at(org.slug)),
            404,
            "org_not_found",
        )
    assert person.get("/api/v1/auth/me").json()["hostOrgId"] is None
    made = person.post(
        "/api/v1/keys", json={"label": "ci", "scopes": ["ingest:write"]}, headers=at(globex.slug)
    )
    assert made.status_code == 201 and made.json()["orgId"] == globex.id

    # A key stays in its own org: another org's host is 404 for it.
    key = Api(mail_gateway, acme.keys["keys:manage"])
    assert key.get("/api/v1/keys", headers=at(acme.slug)).status_code == 200
    assert_error(key.get("/api/v1/keys", headers=at(globex.slug)), 404, "org_not_found")
    # A host naming no org of this gateway, or one the caller is not in: 404 alike.
    stranger = make_org(mail_gateway, roles=(), log_in=False)
    for slug in (stranger.slug, "no-such-org"):
        assert_error(person.get("/api/v1/keys", headers=at(slug)), 404, "org_not_found")
    # An org id put where the slug goes selects nothing.
    assert_error(person.get("/api/v1/keys", headers=at(acme.id.lower())), 404, "org_not_found")


def test_the_pattern() -> None:
    host = OrgHost("{org}.app.example.com")
    assert host.slug("acme.app.example.com") == "acme"
    assert host.slug("Acme.App.Example.com:8443") == "acme"
    for other in ("app.example.com", "a.b.app.example.com", "acme.app.example.com.evil", None):
        assert host.slug(other) is None
    with_port = OrgHost("{org}.localhost:8080")
    assert with_port.slug("x.localhost:8080") == "x" and with_port.slug("x.localhost") is None
    assert OrgHost(None).slug("acme.app.example.com") is None


@pytest.mark.parametrize("pattern", ["app.example.com", "{org}.{org}.com", "https://{org}.x"])
def test_a_bad_pattern_stops_the_start(tmp_path: Path, pattern: str) -> None:
    path = tmp_path / "governs.yaml"
    path.write_text(f'admin: {{org_host_pattern: "{pattern}"}}\n')
    with pytest.raises(ConfigError, match=r"admin\.org_host_pattern"):
        load_settings(path, environ={})
