"""No 500 for bad input on the admin API (issue #16): names with line breaks, bodies nested too
deep, a membership changed and removed at once, methods a path does not take."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import update

from core.storage.database import create_engine
from core.storage.models import Org
from tests.admin_api.support import Api, assert_error, mail_to, make_org, run, unique
from tests.harness import RunningGateway


def test_an_org_name_with_a_line_break_is_400(gateway: RunningGateway, api: Api) -> None:
    org = make_org(gateway, roles=("OWNER",))
    owner = api.as_(org.sessions["OWNER"])
    for name in ("Acme\nBcc: victim@example.com", "tab\there", "nul\x00"):
        created = owner.post("/api/v1/orgs", json={"name": name, "slug": unique("s")})
        assert assert_error(created, 400, "invalid_request_body")["param"] == "name"
        renamed = owner.patch(f"/api/v1/orgs/{org.slug}", json={"name": name})
        assert_error(renamed, 400, "invalid_request_body")


def test_an_invitation_from_an_org_named_with_a_line_break_is_sent(
    mail_gateway: RunningGateway, mail_dir: Path
) -> None:
    """An org named before names were checked: its invitation mail goes out all the same."""
    org = make_org(mail_gateway, roles=("OWNER",))

    async def rename() -> None:
        engine = create_engine(mail_gateway.settings.database)
        async with engine.begin() as connection:
            await connection.execute(
                update(Org).where(Org.id == org.id).values(name="Acme\r\nBcc: x@example.com")
            )
        await engine.dispose()

    run(rename())
    invited = f"{unique('inv')}@example.com"
    response = Api(mail_gateway, org.sessions["OWNER"]).post(
        f"/api/v1/orgs/{org.slug}/invitations", json={"email": invited, "role": "VIEWER"}
    )
    assert response.status_code == 201, response.text
    [mail] = mail_to(mail_dir, invited)
    assert mail


@pytest.mark.parametrize("depth", [129, 300, 1023])
def test_a_body_nested_too_deep_is_400(gateway: RunningGateway, api: Api, depth: int) -> None:
    org = make_org(gateway, roles=("OWNER",))
    body = '{"name":"x","slug":"y","extra":' + '{"a":' * depth + "1" + "}" * depth + "}"
    response = api.as_(org.sessions["OWNER"]).post(
        "/api/v1/orgs", content=body, headers={"Content-Type": "application/json"}
    )
    assert "deep" in assert_error(response, 400, "invalid_json")["message"]


def test_405_carries_allow(gateway: RunningGateway, api: Api) -> None:
    response = api.request("PUT", "/api/v1/orgs")
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "POST"}


def test_a_membership_changed_and_removed_at_once_is_409_not_500(
    gateway: RunningGateway, api: Api
) -> None:
    """PATCH reads the membership, DELETE removes it before PATCH writes: PATCH's update meets
    no row (SQLAlchemy's StaleDataError). Made certain on PostgreSQL with a row lock that
    holds PATCH's write until the row is gone."""
    if not gateway.settings.database.url.startswith("postgresql"):
        pytest.skip("PostgreSQL: a row lock orders the two requests")
    org = make_org(gateway, roles=("OWNER", "VIEWER"))
    owner = api.as_(org.sessions["OWNER"])
    target = org.users["VIEWER"]
    dsn = gateway.settings.database.url.replace("postgresql+asyncpg://", "postgresql://")

    async def race() -> int:
        holder = await asyncpg.connect(dsn)
        try:
            transaction = holder.transaction()
            await transaction.start()
            await holder.execute(
                "select 1 from memberships where org_id = $1 and user_id = $2 for update",
                org.id,
                target,
            )
            with ThreadPoolExecutor(1) as pool:
                patch = asyncio.get_running_loop().run_in_executor(
                    pool,
                    lambda: owner.patch(
                        f"/api/v1/orgs/{org.slug}/members/{target}", json={"role": "DEVELOPER"}
                    ),
                )
                deadline = time.monotonic() + 10
                # The statistics views are read once per transaction unless cleared.
                while await holder.execute("select pg_stat_clear_snapshot()") and not (
                    await holder.fetchval(
                        "select count(*) from pg_stat_activity where datname = current_database() "
                        "and state = 'active' and wait_event_type = 'Lock'"
                    )
                ):
                    assert time.monotonic() < deadline, [
                        tuple(r)
                        for r in await holder.fetch(
                            "select state, wait_event_type, query from pg_stat_activity "
                            "where datname = current_database()"
                        )
                    ]
                    await asyncio.sleep(0.02)
                await holder.execute(
                    "delete from memberships where org_id = $1 and user_id = $2", org.id, target
                )
                await transaction.commit()
                response = await patch
            assert_error(response, 409, "concurrent_change")
            return response.status_code
        finally:
            await holder.close()

    assert asyncio.run(race()) == 409
    gone = owner.patch(f"/api/v1/orgs/{org.slug}/members/{target}", json={"role": "DEVELOPER"})
    assert gone.status_code == 404
