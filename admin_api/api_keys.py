"""``/api/v1/keys``: API keys for machines.

The secret is shown once, in the create response (``keyValue``, the spec's name, and ``key``);
afterwards only its visible ``keyPrefix``. The spec's names are on the wire beside ours: a key's
``label`` is its ``name`` (a create body may send either) and ``issuedAt`` its ``createdAt``.
The list is the spec's bare array; a delete answers the spec's ``message`` beside ``{id,
deleted}``. Deleting a key soft-deletes it (``deleted_at``): it stops authenticating
everywhere, on the proxy and on this API, within ``auth.key_cache_seconds``, and vanishes from
listings.

Who may grant what: OWNERs and ADMINs any scope; a DEVELOPER only ``precheck:invoke`` and
``ingest:write``, on keys of their own; an API key at most the scopes it holds itself. A key's
own rate limits are set only by those who manage every key (``keys.manage``).

A key may be narrowed to some of its org's models (``allowedModels``; null: the org's) and given
its own rate limits (``requestsPerMinute``, ``tokensPerMinute``; null: the config's
``rate_limits.per_key``) and a response-cache TTL (``cacheTtlSeconds``: its requests with
``temperature: 0`` are answered from the cache; null: only requests that ask); the proxy applies
them within ``auth.key_cache_seconds``.

A key is changed or deleted at ``/api/v1/keys/{id}`` or, in the shape of the original spec, at
``/api/v1/keys`` with the id as ``?id=`` or the body's ``id``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import Field, RootModel, model_validator
from sqlalchemy import select

from admin_api.audit import record
from admin_api.caller import OrgAccess, not_found
from admin_api.endpoint import Call, Endpoint
from admin_api.model_access import ModelList, check_models
from admin_api.org_lock import lock_org
from admin_api.permissions import DEVELOPER_KEY_SCOPES, Permission, grantable_scopes
from admin_api.types import Id, Name, Timestamp
from admin_api.validation import (
    Body,
    Deleted,
    IdBody,
    IdQuery,
    Out,
    Query,
    target_id,
)
from admin_api.wire import reply
from core.errors import InvalidRequestError, NotFoundError, PermissionDeniedError
from core.scopes import Scope
from core.storage.keys import create_key
from core.storage.models import ApiKey

Env = Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,32}$")]
Scopes = Annotated[list[Scope], Field(min_length=1, max_length=len(Scope))]
PerMinute = Annotated[int, Field(ge=1, le=1_000_000_000)]
_MODELS_HELP = "models this key may use, within its org's; null: every model of its org"
_RPM_HELP = "requests per minute; null: the config's rate_limits.per_key"
_TPM_HELP = "tokens per minute; null: the config's rate_limits.per_key"
_CACHE_HELP = (
    "seconds the response cache keeps answers to this key's temperature-0 requests; "
    "null: only requests that ask for the cache use it"
)
CacheTtl = Annotated[int, Field(ge=1, le=30 * 24 * 3600)]


class KeyListQuery(Query):
    org_id: str | None = Field(None, description="org id or slug; default: the caller's org")
    include_inactive: bool = True


class KeyCreate(Body):
    org_id: str | None = None
    name: Name | None = Field(None, description="the key's name; `label` is the spec's name for it")
    label: Name | None = Field(None, description="the same as `name` (send one of them)")
    scopes: Scopes
    env: Env = "prod"
    expires_at: datetime | None = None
    allowed_models: ModelList | None = Field(None, description=_MODELS_HELP)
    requests_per_minute: PerMinute | None = Field(None, description=_RPM_HELP)
    tokens_per_minute: PerMinute | None = Field(None, description=_TPM_HELP)
    cache_ttl_seconds: CacheTtl | None = Field(None, description=_CACHE_HELP)

    @model_validator(mode="after")
    def _one_name(self) -> Self:
        # An InvalidRequestError is not a ValueError, so pydantic lets it through as it is.
        if self.name is not None and self.label is not None and self.name != self.label:
            raise InvalidRequestError(
                "label is another name for name: send one of them (or the same value)",
                code="invalid_request_body",
                param="label",
            )
        self.name = self.name or self.label
        if self.name is None:
            raise InvalidRequestError(
                "name: Field required (or send it as label)",
                code="invalid_request_body",
                param="name",
            )
        return self


class KeyUpdate(Body):
    name: Name | None = None
    scopes: Scopes | None = None
    is_active: bool | None = None
    env: Env | None = None
    expires_at: datetime | None = None
    allowed_models: ModelList | None = Field(None, description=_MODELS_HELP)
    requests_per_minute: PerMinute | None = Field(None, description=_RPM_HELP)
    tokens_per_minute: PerMinute | None = Field(None, description=_TPM_HELP)
    cache_ttl_seconds: CacheTtl | None = Field(None, description=_CACHE_HELP)


class KeyUpdateById(KeyUpdate):
    id: Id | None = Field(None, description="the key's id, unless sent as ?id=")


class KeyOut(Out):
    id: str
    org_id: str
    user_id: str | None
    name: str
    label: str = Field(description="the same as `name` (the spec's name)")
    key_prefix: str
    scopes: list[str]
    is_active: bool
    env: str
    created_at: Timestamp
    issued_at: Timestamp = Field(description="the same as `createdAt` (the spec's name)")
    updated_at: Timestamp
    last_used: Timestamp | None
    expires_at: Timestamp | None
    allowed_models: list[str] | None
    requests_per_minute: int | None
    tokens_per_minute: int | None
    cache_ttl_seconds: int | None


class KeyCreated(KeyOut):
    key_value: str = Field(description="the secret: shown in this response only")
    key: str = Field(description="the same secret as `keyValue`")


class KeyList(RootModel[list[KeyOut]]):
    """The spec's bare array of keys."""


class KeyDeleted(Deleted):
    message: str = "API key deleted successfully"


def key_out(key: ApiKey) -> KeyOut:
    return KeyOut(
        id=key.id,
        org_id=key.org_id,
        user_id=key.user_id,
        name=key.name,
        label=key.name,
        key_prefix=key.key_prefix,
        scopes=list(key.scopes or ()),
        is_active=key.is_active,
        env=key.env,
        created_at=key.created_at,
        issued_at=key.created_at,
        updated_at=key.updated_at,
        last_used=key.last_used,
        expires_at=key.expires_at,
        allowed_models=key.allowed_models,
        requests_per_minute=key.requests_per_minute,
        tokens_per_minute=key.tokens_per_minute,
        cache_ttl_seconds=key.cache_ttl_seconds,
    )


def _owner_of_new_key(access: OrgAccess) -> str | None:
    caller = access.caller
    return caller.key.user_id if caller.key is not None else caller.user_id


def _check_limits(access: OrgAccess, body: KeyCreate | KeyUpdate) -> None:
    """A key's own rate limits replace the operator's ``rate_limits.per_key``: only those who
    manage every key of the org set them (a DEVELOPER cannot raise their own)."""
    if {"requests_per_minute", "tokens_per_minute"} & body.model_fields_set:
        access.require(Permission.KEYS_MANAGE)


def _check_grant(access: OrgAccess, scopes: list[Scope]) -> None:
    wanted = {scope.value for scope in scopes}
    if access.caller.key is not None:
        allowed = grantable_scopes(access.caller.key.scopes)
    elif access.can(Permission.KEYS_MANAGE):
        allowed = frozenset(scope.value for scope in Scope)
    else:
        allowed = DEVELOPER_KEY_SCOPES
    refused = sorted(wanted - allowed)
    if refused:
        raise PermissionDeniedError(
            f"you may not grant the scope(s) {', '.join(refused)}",
            code="scope_not_grantable",
            param="scopes",
        )


def _may_touch(access: OrgAccess, key: ApiKey) -> bool:
    if access.can(Permission.KEYS_MANAGE):
        return True
    return access.caller.user_id is not None and key.user_id == access.caller.user_id


async def _load(call: Call[Any, Any], key_id: str) -> tuple[ApiKey, OrgAccess]:
    key = await call.db.get(ApiKey, key_id)
    if key is None or key.deleted_at is not None:
        raise not_found("api key")
    try:
        access = await call.org(key.org_id)
    except NotFoundError:
        raise not_found("api key") from None
    if not _may_touch(access, key):
        raise not_found("api key")
    return key, access


async def list_keys(call: Call[KeyListQuery, None]) -> Any:
    access = await call.org(call.query.org_id)
    query = select(ApiKey).where(ApiKey.org_id == access.org.id, ApiKey.deleted_at.is_(None))
    if not call.query.include_inactive:
        query = query.where(ApiKey.is_active.is_(True))
    if not access.can(Permission.KEYS_MANAGE):
        query = query.where(ApiKey.user_id == access.caller.user_id)
    keys = await call.db.scalars(query.order_by(ApiKey.created_at.desc(), ApiKey.id.desc()))
    return reply(KeyList([key_out(key) for key in keys]))


async def create_api_key(call: Call[None, KeyCreate]) -> Any:
    body = call.body
    access = await call.org(body.org_id)
    if access.caller.key is None:
        # A member removed or demoted at this moment must not come out of it with a new key.
        await lock_org(call.db, access.org.id)
        access = await call.org(access.org.id)
    _check_grant(access, body.scopes)
    assert body.name is not None  # KeyCreate checks that name or label was sent
    _check_limits(access, body)
    key, secret = await create_key(
        call.db,
        access.org,
        label=body.name,
        scopes=tuple(scope.value for scope in body.scopes),
        user_id=_owner_of_new_key(access),
    )
    key.env = body.env
    key.expires_at = body.expires_at
    key.allowed_models = check_models(call.admin.gateway, body.allowed_models, "allowedModels")
    key.requests_per_minute = body.requests_per_minute
    key.tokens_per_minute = body.tokens_per_minute
    key.cache_ttl_seconds = body.cache_ttl_seconds
    await call.db.flush()
    await call.db.refresh(key)
    out = key_out(key)
    record(
        call.db, call.who, org_id=key.org_id, action="key.create",
        resource=f"api_key:{key.id}", after=out,
    )  # fmt: skip
    return reply(KeyCreated(**out.model_dump(), key_value=secret, key=secret), status=201)


async def get_key(call: Call[None, None]) -> Any:
    key, _ = await _load(call, call.path("id"))
    return reply(key_out(key))


# null clears these (back to the org's models, the config's limits); other nulls change nothing.
_CLEARABLE = (
    "expires_at",
    "allowed_models",
    "requests_per_minute",
    "tokens_per_minute",
    "cache_ttl_seconds",
)


async def _update(call: Call[Any, Any], key_id: str, body: KeyUpdate) -> Any:
    key, access = await _load(call, key_id)
    _check_limits(access, body)
    before = key_out(key)
    changes = body.model_dump(exclude_unset=True)
    if body.scopes is not None:
        _check_grant(access, body.scopes)
        key.scopes = [scope.value for scope in body.scopes]
    if "allowed_models" in changes:
        changes["allowed_models"] = check_models(
            call.admin.gateway, body.allowed_models, "allowedModels"
        )
    for name in ("name", "is_active", "env", "expires_at", *_CLEARABLE):
        if name in changes and (changes[name] is not None or name in _CLEARABLE):
            setattr(key, name, changes[name])
    key.updated_at = datetime.now(UTC)
    await call.db.flush()
    await call.db.refresh(key)
    after = key_out(key)
    call.keys_changed(key.key_hash)
    record(
        call.db, call.who, org_id=key.org_id, action="key.update",
        resource=f"api_key:{key.id}", before=before, after=after,
    )  # fmt: skip
    return reply(after)


async def _delete(call: Call[Any, Any], key_id: str) -> Any:
    key, _ = await _load(call, key_id)
    before = key_out(key)
    key.deleted_at = datetime.now(UTC)
    key.is_active = False
    call.keys_changed(key.key_hash)
    record(
        call.db, call.who, org_id=key.org_id, action="key.delete",
        resource=f"api_key:{key.id}", before=before,
    )  # fmt: skip
    return reply(KeyDeleted(id=key.id))


async def update_key(call: Call[None, KeyUpdate]) -> Any:
    return await _update(call, call.path("id"), call.body)


async def update_key_by_param(call: Call[IdQuery, KeyUpdateById]) -> Any:
    return await _update(call, target_id(call.query, call.body), call.body)


async def delete_key(call: Call[None, None]) -> Any:
    return await _delete(call, call.path("id"))


async def delete_key_by_param(call: Call[IdQuery, IdBody | None]) -> Any:
    return await _delete(call, target_id(call.query, call.body))


_TAG = "keys"
_P = Permission.KEYS_MANAGE_OWN
_BY_PARAM = "The key is named by `?id=` or by `id` in the body (the same id if both)."
ENDPOINTS = [
    Endpoint("GET", "/api/v1/keys", list_keys, "List the org's API keys", _TAG, _P,
             query=KeyListQuery, response=KeyList),
    Endpoint("POST", "/api/v1/keys", create_api_key, "Create an API key (secret shown once)",
             _TAG, _P, body=KeyCreate, response=KeyCreated, status=201),
    Endpoint("PATCH", "/api/v1/keys", update_key_by_param,
             "Rename, re-scope, enable or disable a key named by ?id= or the body's id", _TAG,
             _P, query=IdQuery, body=KeyUpdateById, response=KeyOut, description=_BY_PARAM),
    Endpoint("DELETE", "/api/v1/keys", delete_key_by_param,
             "Revoke (soft-delete) a key named by ?id= or the body's id", _TAG, _P,
             query=IdQuery, body=IdBody, body_required=False, response=KeyDeleted,
             description=_BY_PARAM),
    Endpoint("GET", "/api/v1/keys/{id}", get_key, "One API key", _TAG, _P,
             response=KeyOut),
    Endpoint("PATCH", "/api/v1/keys/{id}", update_key,
             "Rename, re-scope, enable or disable a key", _TAG, _P, body=KeyUpdate,
             response=KeyOut),
    Endpoint("DELETE", "/api/v1/keys/{id}", delete_key, "Revoke (soft-delete) a key",
             _TAG, _P, response=KeyDeleted),
]  # fmt: skip
