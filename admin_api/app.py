"""Mounting the admin API on the gateway's aiohttp app: its services, routes and document.

``setup_admin_api(app, settings)`` is the one call ``governs.server.build_app`` makes. The
services start after the gateway's own (they use its engine and writer) and stop before them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from admin_api import (
    accounts,
    api_keys,
    audit,
    budgets,
    decisions,
    ingest,
    members,
    mfa,
    model_access,
    orgs,
    policies,
    signing,
    usage,
    websockets,
)
from admin_api.dashboard import mount_dashboard
from admin_api.endpoint import Endpoint, add_routes
from admin_api.live_session import session_viewer
from admin_api.mail import build_sender
from admin_api.openapi import build_openapi
from admin_api.org_host import OrgHost
from admin_api.passwords import PasswordHasher
from admin_api.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from admin_api.services import ADMIN, AdminServices
from core.settings import Settings
from core.storage.database import session_factory
from gateway.live.viewer import SESSION_VIEWER
from gateway.redis_client import REDIS
from gateway.services import GATEWAY

OPENAPI_PATH = "/api/openapi.json"

ENDPOINTS: list[Endpoint] = [
    *api_keys.ENDPOINTS,
    *policies.ENDPOINTS,
    *decisions.ENDPOINTS,
    *websockets.ENDPOINTS,
    *ingest.ENDPOINTS,
    *signing.ENDPOINTS,
    *budgets.ENDPOINTS,
    *usage.ENDPOINTS,
    *audit.ENDPOINTS,
    *orgs.ENDPOINTS,
    *model_access.ENDPOINTS,
    *members.ENDPOINTS,
    *accounts.ENDPOINTS,
    *mfa.ENDPOINTS,
]


def setup_admin_api(app: web.Application, settings: Settings) -> None:
    config = settings.admin
    mail = build_sender(config.mail)  # built here so a bad mail config fails before serving
    org_host = OrgHost(config.org_host_pattern)

    async def services(app: web.Application) -> AsyncIterator[None]:
        gateway = app[GATEWAY]
        redis = app.get(REDIS)  # the process's one client, closed by its owner
        limiter: RateLimiter = RedisRateLimiter(redis) if redis is not None else MemoryRateLimiter()
        app[ADMIN] = AdminServices(
            config=config,
            gateway=gateway,
            sessions=session_factory(gateway.engine),
            passwords=PasswordHasher(config.password_pepper, config.password_hash),
            mail=mail,
            limiter=limiter,
            max_body_bytes=settings.server.max_body_bytes,
            org_host=org_host,
        )
        yield

    app.cleanup_ctx.append(services)
    add_routes(app, ENDPOINTS)
    document = build_openapi(ENDPOINTS)

    async def openapi(_request: web.Request) -> web.Response:
        return web.json_response(document)

    app.router.add_get(OPENAPI_PATH, openapi)
    app[SESSION_VIEWER] = session_viewer  # /ws and /api/health for signed-in users
    mount_dashboard(app)
