"""One declaration per endpoint: route, access, query, body and reply models.

The same ``Endpoint`` list builds the aiohttp routes and the OpenAPI document, so the document
cannot drift from what the server checks. The wrapper does, in order: authenticate (unless
public) → validate the query → validate the body → run the handler inside one database
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

from admin_api.caller import Caller, OrgAccess, authenticate, org_access
from admin_api.errors import ConflictError
from admin_api.permissions import Permission
from admin_api.services import ADMIN, AdminServices
from admin_api.validation import parse_body, parse_query
from gateway.outages import database_work
from gateway.pipeline import read_body

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

    @property
    def who(self) -> Caller:
        assert self.caller is not None, "public endpoints have no caller"
        return self.caller

    def path(self, name: str) -> str:
        return self.request.match_info[name]

    async def org(self, org_ref: str | None, permission: Permission | None = None) -> OrgAccess:
        """The org named by ``org_ref`` (or the caller's own) with the endpoint's permission."""
        needed = permission or self.endpoint.permission
        assert needed is not None, f"{self.endpoint.path} declares no permission"
        return await org_access(self.db, self.who, org_ref, needed)


Handler = Callable[[Call[Any, Any]], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    permission: Permission | None = None  # what the handler asks ``Call.org`` for
    public: bool = False  # no credentials needed (login, signup, reset...)
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
            raw = await read_body(request, admin.max_body_bytes)
        try:
            async with database_work(), admin.sessions.begin() as db:
                caller = None
                if not endpoint.public:
                    caller = await authenticate(db, request, admin.gateway.keys)
                query = parse_query(request.query, endpoint.query) if endpoint.query else None
                body = None
                if endpoint.body is not None and (endpoint.body_required or raw.strip()):
                    body = parse_body(raw, endpoint.body)
                call = Call(request, admin, db, caller, query, body, raw, endpoint)
                return await endpoint.handler(call)
        except IntegrityError:
            raise ConflictError(
                "the change conflicts with an existing resource", code="conflict"
            ) from None

    handle.__name__ = endpoint.operation_id
    return handle


def add_routes(app: web.Application, endpoints: list[Endpoint]) -> None:
    for endpoint in endpoints:
        app.router.add_route(endpoint.method, endpoint.path, route_handler(endpoint))
