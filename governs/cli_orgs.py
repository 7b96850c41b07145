"""``governs orgs``: create and list orgs, and grant them models (the operator's door).

    governs orgs create --slug S [--name N] [--models m1,m2 | --no-models] [--config F]
    governs orgs list   [--json] [--config F]
    governs orgs grant  --org ORG (--models m1,m2 | --all-models | --no-models) [--config F]

An org made here is the operator's: it may use every configured model unless ``--models`` or
``--no-models`` says otherwise. An org made through the admin API (sign-up, ``POST
/api/v1/orgs``) starts with none; ``grant`` (or ``PUT /api/v1/orgs/{orgId}/models``) gives it
some. Model names must be configured ones (or ``provider/model`` names when
``routing.provider_model_names`` is on); a typo names the nearest. Every change writes an audit
row naming the CLI's user; running gateways apply a grant within ``auth.key_cache_seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import Any

import orjson
from sqlalchemy import select

from core.errors import ConfigError
from core.settings import Settings
from core.storage import keys as key_queries
from core.storage.database import session_factory
from core.storage.models import Org
from core.suggest import unknown
from governs.cli_keys import audit, prepared_engine

ALL = None  # allowed_models of an org that may use every model


def parse_models(text: str, settings: Settings) -> list[str]:
    """``m1,m2`` as a list of configured model names; ``ConfigError`` naming the nearest."""
    names = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not names:
        raise ConfigError("--models needs at least one model name (or use --no-models)")
    configured = [m.name for m in settings.models]
    providers = {p.name for p in settings.providers}
    for name in names:
        provider, _, upstream = name.partition("/")
        direct = settings.routing.provider_model_names and upstream and provider in providers
        if name not in configured and not direct:
            raise ConfigError(unknown("model", name, configured))
    return names


def _models_of(args: argparse.Namespace, settings: Settings, default: Any) -> list[str] | None:
    if getattr(args, "all_models", False):
        return ALL
    if args.no_models:
        return []
    if args.models is not None:
        return parse_models(args.models, settings)
    return default


def _org_view(org: Org) -> dict[str, Any]:
    return {"id": org.id, "name": org.name, "slug": org.slug, "allowedModels": org.allowed_models}


def _describe(models: list[str] | None) -> str:
    if models is None:
        return "every configured model"
    return ", ".join(models) if models else "no model"


def _create(args: argparse.Namespace, settings: Settings) -> int:
    try:
        key_queries.validate_slug(args.slug)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    models = _models_of(args, settings, ALL)

    async def create() -> str:
        engine = await prepared_engine(settings)
        try:
            async with session_factory(engine).begin() as session:
                if await key_queries.find_org(session, args.slug) is not None:
                    raise ConfigError(f"an org with slug or id {args.slug!r} exists already")
                org = Org(slug=args.slug, name=args.name or args.slug, allowed_models=models)
                session.add(org)
                await session.flush()
                audit(session, org.id, "org.create", f"org:{org.id}", None, _org_view(org))
                return org.id
        finally:
            await engine.dispose()

    sys.stdout.write(asyncio.run(create()) + "\n")
    sys.stderr.write(f"created org {args.slug!r}; it may use {_describe(models)}\n")
    return 0


def _grant(args: argparse.Namespace, settings: Settings) -> int:
    models = _models_of(args, settings, None)

    async def grant() -> None:
        engine = await prepared_engine(settings)
        try:
            async with session_factory(engine).begin() as session:
                org = await key_queries.find_org(session, args.org)
                if org is None:
                    raise ConfigError(f"no org with slug or id {args.org!r}")
                before = _org_view(org)
                org.allowed_models = models
                await session.flush()
                audit(session, org.id, "org.models_grant", f"org:{org.id}", before, _org_view(org))
        finally:
            await engine.dispose()

    asyncio.run(grant())
    sys.stderr.write(
        f"org {args.org!r} may now use {_describe(models)}; running gateways apply it within "
        f"auth.key_cache_seconds ({settings.auth.key_cache_seconds:g} s)\n"
    )
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    async def fetch() -> list[Org]:
        engine = await prepared_engine(settings)
        try:
            async with session_factory(engine)() as session:
                return list(await session.scalars(select(Org).order_by(Org.slug)))
        finally:
            await engine.dispose()

    orgs = asyncio.run(fetch())
    if args.json:
        rows = [{**_org_view(org), "createdAt": org.created_at} for org in orgs]
        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    sys.stdout.write(f"{'ID':<26}  {'SLUG':<24}  {'NAME':<24}  MODELS\n")
    for org in orgs:
        models = "all" if org.allowed_models is None else ",".join(org.allowed_models) or "none"
        sys.stdout.write(f"{org.id:<26}  {org.slug[:24]:<24}  {org.name[:24]:<24}  {models}\n")
    return 0


def register(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    with_config: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
    load: Callable[[argparse.Namespace], Settings],
) -> None:
    orgs = commands.add_parser("orgs", help="manage orgs and the models they may use")
    sub = orgs.add_subparsers(dest="orgs_command", required=True)

    create = with_config(sub.add_parser("create", help="create an org; prints its id"))
    create.add_argument("--slug", required=True, help="lowercase letters, digits and '-'")
    create.add_argument("--name", help="display name (default: the slug)")
    models = create.add_mutually_exclusive_group()
    models.add_argument("--models", metavar="M,M", help="only these models (default: all)")
    models.add_argument("--no-models", action="store_true", help="no model until granted")
    create.set_defaults(handler=lambda args: _create(args, load(args)))

    listing = with_config(sub.add_parser("list", help="list every org"))
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=lambda args: _list(args, load(args)))

    grant = with_config(sub.add_parser("grant", help="set the models an org may use"))
    grant.add_argument("--org", required=True, help="org slug or id")
    choice = grant.add_mutually_exclusive_group(required=True)
    choice.add_argument("--models", metavar="M,M", help="exactly these models")
    choice.add_argument("--all-models", action="store_true", help="every configured model")
    choice.add_argument("--no-models", action="store_true", help="no model at all")
    grant.set_defaults(handler=lambda args: _grant(args, load(args)))
