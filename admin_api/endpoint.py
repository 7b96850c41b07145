"""One declaration per endpoint: route, access, query, body and reply models.

The same ``Endpoint`` list builds the aiohttp routes and the OpenAPI document, so the document
cannot drift from what the server checks. The wrapper does, in order: authenticate (unless
public; an endpoint with ``signed_body`` also takes a request without credentials whose body is
signed) → validate the query → validate the body → run the handler inside one database
transaction (its changes and their audit rows commit together, or not at all).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from aiohttp import web
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import ObjectDeletedError, StaleDataError

from admin_api.caller import Caller, OrgAccess, authenticate, credential, org_access
from admin_api.errors import ConflictError
from admin_api.org_host import scoped_ref
from admin_api.permissions import Permission
from admin_api.services import ADMIN, AdminServices
from admin_api.validation import parse_body, parse_query
from gateway.outages import database_work
from gateway.request_body import read_body

Q = TypeVar("Q")
B = TypeVar("B")


@dataclass(slots=True)
class Call(Generic[Q, B]):
    """Everything a handler gets: the caller, the validated input and the transaction."""

    request: web.Request
    admin: AdminServices
    db: AsyncSession
    caller: Caller | None
    query: Q
    body: B
    raw_body: bytes
    endpoint: Endpoint
    signed_org: str | None = None  # the org whose signature the body carries, without a caller
    # Announced once the transaction commits (never if it rolls back): gateway.revocation.
    changed_keys: set[str] = field(default_factory=set)
    announce: bool = False

    def keys_changed(self, *key_hashes: str) -> None:
        """These API keys were disabled, revoked or re-scoped: once committed, every instance
        forgets its cached copy and checks its open live sockets again."""
        self.changed_keys.update(key_hashes)
        self.announce = True

    def sessions_ended(self) -> None:
        """Sessions were ended: once committed, every instance checks its live sockets again
        (admin API calls read sessions from the database anyway)."""
        self.announce = True

    @property
    def who(self) -> Caller:
        assert self.caller is not None, "public endpoints have no caller"
        return self.caller

    def path(self, name: str) -> str:
        return self.request.match_info[name]

    async def org(self, org_ref: str | None, permission: Permission | None = None) -> OrgAccess:
        """The org named by ``org_ref`` (or the caller's own) with the endpoint's permission;
        at a host ``admin.org_host_pattern`` matches, the host's org (``org_host``)."""
        needed = permission or self.endpoint.permission
        assert needed is not None, f"{self.endpoint.path} declares no permission"
        host_org = await self.admin.org_host.org(self.db, self.request.host)
        return await org_access(self.db, self.who, scoped_ref(host_org, org_ref), needed)


Handler = Callable[[Call[Any, Any]], Awaitable[web.StreamResponse]]
SignedBody = Callable[[AsyncSession, web.Request, bytes], Awaitable[str]]
"""Authenticates a request that carries no credentials by its body's signature: returns the id
of the org whose secret signed ``raw`` body, or raises ``AuthenticationError`` (401). Runs before
the body is validated, so a stranger learns nothing about the body's shape."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    permission: Permission | None = None  # what the handler asks ``Call.org`` for
    public: bool = False  # no credentials needed (login, signup, reset...)
    signed_body: SignedBody | None = None  # also taken without credentials, if signed (ingest)
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    body_required: bool = True  # False: an empty request body reaches the handler as None
    response: type[BaseModel] | None = None
    status: int = 200
    content_types: tuple[str, ...] = field(default=("application/json",))
    description: str = ""

    @property
    def operation_id(self) -> str:
        return self.handler.__name__


def route_handler(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        admin = request.app[ADMIN]
        raw = b""
        if endpoint.body is not None or endpoint.method in ("POST", "PATCH", "PUT"):
            raw = await read_body(
                request,
                admin.max_body_bytes,
                admin.gateway.settings.server.body_read_timeout_seconds,
            )
        try:
            async with database_work(), admin.sessions.begin() as db:
                caller = None
                signed_org = None
                if endpoint.signed_body is not None and not credential(request):
                    signed_org = await endpoint.signed_body(db, request, raw)
                elif not endpoint.public:
                    caller = await authenticate(db, request, admin.gateway.keys)
                query = parse_query(request.query, endpoint.query) if endpoint.query else None
                body = None
                if endpoint.body is not None and (endpoint.body_required or raw.strip()):
                    body = parse_body(raw, endpoint.body)
                call = Call(request, admin, db, caller, query, body, raw, endpoint, signed_org)
                response = await endpoint.handler(call)
        except IntegrityError:
            raise ConflictError(
                "the change conflicts with an existing resource", code="conflict"
            ) from None
        except (StaleDataError, ObjectDeletedError):
            # Another request changed or removed the row between this one's read and write.
            raise ConflictError(
                "another request changed or removed this resource meanwhile; read it again",
                code="concurrent_change",
            ) from None
        if call.announce:
            await admin.gateway.revocations.announce(call.changed_keys)
        return response

    handle.__name__ = endpoint.operation_id
    return handle


def add_routes(app: web.Application, endpoints: list[Endpoint]) -> None:
    for endpoint in endpoints:
        app.router.add_route(endpoint.method, endpoint.path, route_handler(endpoint))
