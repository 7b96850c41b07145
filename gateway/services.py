"""The services a request uses, built once at start-up and kept on the app."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import Settings
from gateway.auth import KeyStore
from gateway.budgets.setup import Metering
from gateway.pii import PiiGuard
from gateway.policy_store import PolicyStore
from gateway.revocation import Revocations
from gateway.routing import Router
from gateway.tokens import TokenCounter
from gateway.writer import RecordWriter


@dataclass(slots=True)
class Gateway:
    """The services a request uses; built at start-up, kept on the app."""

    settings: Settings
    engine: AsyncEngine
    keys: KeyStore
    router: Router
    writer: RecordWriter
    tokens: TokenCounter
    policies: PolicyStore
    pii: PiiGuard
    metering: Metering
    revocations: Revocations


GATEWAY = web.AppKey("gateway", Gateway)
