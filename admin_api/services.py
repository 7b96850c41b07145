"""The admin API's services, built at start-up and kept on the app (``app[ADMIN]``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web
from sqlalchemy.ext.asyncio import async_sessionmaker

from admin_api.mail import MailSender
from admin_api.org_host import OrgHost
from admin_api.passwords import PasswordHasher
from admin_api.ratelimit import RateLimiter
from core.settings import AdminConfig
from gateway.services import Gateway


@dataclass(slots=True)
class AdminServices:
    config: AdminConfig
    gateway: Gateway
    sessions: async_sessionmaker
    passwords: PasswordHasher
    mail: MailSender
    limiter: RateLimiter
    max_body_bytes: int
    org_host: OrgHost  # admin.org_host_pattern, compiled
    # When each (attempt, client) was last audited as refused: a flood writes one row per window.
    refusals_audited: dict[str, float] = field(default_factory=dict)


ADMIN = web.AppKey("admin", AdminServices)
