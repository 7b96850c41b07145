"""Which models an org may use, granted by the gateway's operators.

An org created through the API (sign-up, ``POST /api/v1/orgs``) starts with no model: it can
make keys and policies, but the proxy answers its keys 403 ``model_not_allowed`` until an
operator grants it models, here (``PUT /api/v1/orgs/{orgId}/models``) or with ``governs orgs
grant``. Operators are the OWNERs and ADMINs of ``admin.operator_org`` (the bootstrap org
``default``) and its keys with the ``admin`` scope; the grant is the one place where they act on
another org. Every grant is audited in the org it changes.

``allowedModels`` is a list of configured model names (or ``provider/model`` names, when
``routing.provider_model_names`` is on), or null for every model. A key's own list narrows its
org's (``/api/v1/keys``). A name that is not configured is refused with the nearest one.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import select

from admin_api.audit import record
from admin_api.caller import Caller, not_found
from admin_api.endpoint import Call, Endpoint
from admin_api.permissions import Role
from admin_api.validation import Body, Out
from admin_api.wire import reply
from core.errors import InvalidRequestError, PermissionDeniedError
from core.scopes import Scope
from core.storage.account_models import Membership
from core.storage.keys import find_org
from core.storage.models import Org
from core.suggest import unknown
from gateway.services import Gateway

ModelName = Annotated[str, Field(min_length=1, max_length=200)]
ModelList = Annotated[list[ModelName], Field(max_length=1000)]


def check_models(gateway: Gateway, names: list[str] | None, param: str) -> list[str] | None:
    """``names`` without duplicates, each a model this gateway serves; 400 naming the nearest
    configured model otherwise."""
    if names is None:
        return None
    configured = gateway.router.model_names()
    providers = {p.name for p in gateway.settings.providers}
    direct = gateway.settings.routing.provider_model_names
    for index, name in enumerate(names):
        provider, _, upstream = name.partition("/")
        if name in configured or (direct and upstream and provider in providers):
            continue
        raise InvalidRequestError(
            unknown("model", name, configured), code="unknown_model", param=f"{param}.{index}"
        )
    return list(dict.fromkeys(names))


async def is_operator(call: Call[Any, Any]) -> bool:
    caller: Caller = call.who
    operator_org = call.admin.config.operator_org
    if caller.key is not None:
        return caller.key.org_slug == operator_org and Scope.ADMIN.value in caller.key.scopes
    role = await call.db.scalar(
        select(Membership.role)
        .join(Org, Org.id == Membership.org_id)
        .where(Membership.user_id == caller.user_id, Org.slug == operator_org)
    )
    return role in (Role.OWNER.value, Role.ADMIN.value)


class ModelGrant(Body):
    allowed_models: ModelList | None = Field(
        description="model names the org's keys may use; null: every model; []: none"
    )


class ModelGrantOut(Out):
    org_id: str
    org_slug: str
    allowed_models: list[str] | None


async def _operator_org(call: Call[Any, Any]) -> Org:
    if not await is_operator(call):
        raise PermissionDeniedError(
            "only the gateway's operators (OWNERs and ADMINs of the org "
            f"{call.admin.config.operator_org!r}, or its `admin` keys) grant models",
            code="operator_required",
        )
    org = await find_org(call.db, call.path("orgId"))
    if org is None:
        raise not_found()
    return org


def _out(org: Org) -> ModelGrantOut:
    return ModelGrantOut(org_id=org.id, org_slug=org.slug, allowed_models=org.allowed_models)


async def get_models(call: Call[None, None]) -> Any:
    return reply(_out(await _operator_org(call)))


async def grant_models(call: Call[None, ModelGrant]) -> Any:
    org = await _operator_org(call)
    models = check_models(call.admin.gateway, call.body.allowed_models, "allowedModels")
    before = _out(org)
    org.allowed_models = models
    await call.db.flush()
    after = _out(org)
    record(call.db, call.who, org_id=org.id, action="org.models_grant", resource=f"org:{org.id}",
           before=before, after=after)  # fmt: skip
    return reply(after)


_TAG = "orgs"
ENDPOINTS = [
    Endpoint("GET", "/api/v1/orgs/{orgId}/models", get_models,
             "The models an org may use (gateway operators only)", _TAG, response=ModelGrantOut),
    Endpoint("PUT", "/api/v1/orgs/{orgId}/models", grant_models,
             "Grant an org models: a list, or null for every model (gateway operators only)",
             _TAG, body=ModelGrant, response=ModelGrantOut),
]  # fmt: skip
