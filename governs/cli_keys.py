"""``governs keys``: create, list, disable, enable and revoke API keys.

    governs keys create  --org ORG --label L --scopes s1,s2 [--create-org] [--config F]
    governs keys list    --org ORG [--json] [--config F]
    governs keys disable KEY_ID_OR_PREFIX [--config F]
    governs keys enable  KEY_ID_OR_PREFIX [--config F]
    governs keys revoke  KEY_ID_OR_PREFIX [--config F]

``create`` prints only the new secret on stdout, so ``KEY=$(governs keys create ...)`` works.
Its org must exist (``governs orgs create``) unless ``--create-org`` is given, for scripts that
set up a fresh gateway. ``disable`` and ``enable`` flip a key; ``revoke`` deletes it for good
(as ``DELETE /api/v1/keys/{id}`` does). Every running instance refuses a disabled or revoked key
within ``auth.key_cache_seconds``. Every change writes an audit row naming the CLI's user.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ConfigError
from core.scopes import parse_scopes
from core.settings import Settings
from core.storage import keys as key_queries
from core.storage.database import create_engine, migrate, session_factory
from core.storage.models import ApiKey, AuditLog, Org
from gateway.audit_events import cli_actor

MIN_PREFIX = 8  # a shorter prefix would match keys by accident


def unknown_org(org_ref: str) -> str:
    return f"no org with slug or id {org_ref!r} (create it with: governs orgs create --slug ...)"


def key_view(key: ApiKey) -> dict[str, Any]:
    """What an audit row says about a key: never its secret or hash."""
    return {
        "id": key.id,
        "orgId": key.org_id,
        "name": key.name,
        "keyPrefix": key.key_prefix,
        "scopes": list(key.scopes or ()),
        "isActive": key.is_active,
        "deletedAt": key.deleted_at.isoformat() if key.deleted_at else None,
    }


def audit(
    session: AsyncSession,
    org_id: str,
    action: str,
    resource: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """The audit row of a CLI change, in the change's own transaction."""
    session.add(
        AuditLog(
            org_id=org_id,
            action=action,
            resource=resource,
            details={"before": before, "after": after, **cli_actor()},
        )
    )


async def prepared_engine(settings: Settings) -> Any:
    engine = create_engine(settings.database)
    if settings.database.auto_migrate:
        await migrate(engine)
    return engine


def _create(args: argparse.Namespace, settings: Settings) -> int:
    try:
        scopes = parse_scopes(args.scopes)
        if args.create_org:
            key_queries.validate_slug(args.org)
    except ValueError as error:
        raise ConfigError(str(error)) from None

    async def create() -> str:
        engine = await prepared_engine(settings)
        try:
            async with session_factory(engine).begin() as session:
                org = await key_queries.find_org(session, args.org)
                if org is None and not args.create_org:
                    raise ConfigError(unknown_org(args.org) + ", or pass --create-org")
                if org is None:
                    org = await key_queries.get_or_create_org(session, args.org)
                    audit(session, org.id, "org.create", f"org:{org.id}", None,
                          {"name": org.name, "slug": org.slug, "allowedModels": None})  # fmt: skip
                key, secret = await key_queries.create_key(
                    session, org, label=args.label, scopes=scopes
                )
                audit(session, org.id, "key.create", f"api_key:{key.id}", None, key_view(key))
                return secret
        finally:
            await engine.dispose()

    sys.stdout.write(asyncio.run(create()) + "\n")
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    async def fetch() -> list[key_queries.KeyRecord] | None:
        engine = await prepared_engine(settings)
        try:
            async with session_factory(engine)() as session:
                org = await key_queries.find_org(session, args.org)
                return None if org is None else await key_queries.list_keys(session, org)
        finally:
            await engine.dispose()

    records = asyncio.run(fetch())
    if records is None:
        sys.stderr.write(f"no org with slug or id {args.org!r}\n")
        return 1
    if args.json:
        rows = [
            {
                "id": r.id,
                "label": r.name,
                "prefix": r.key_prefix,
                "scopes": list(r.scopes),
                "isActive": r.is_active,
                "createdAt": r.created_at,
                "lastUsed": r.last_used,
            }
            for r in records
        ]
        sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    header = f"{'ID':<26}  {'PREFIX':<12}  {'ACTIVE':<6}  {'LABEL':<20}  SCOPES"
    sys.stdout.write(header + "\n")
    for r in records:
        sys.stdout.write(
            f"{r.id:<26}  {r.key_prefix:<12}  {'yes' if r.is_active else 'no':<6}  "
            f"{r.name[:20]:<20}  {','.join(r.scopes)}\n"
        )
    return 0


async def find_key(session: AsyncSession, ref: str) -> ApiKey:
    """The one key whose id is ``ref`` or whose visible prefix starts with it (at least
    ``MIN_PREFIX`` characters); ``ConfigError`` for none or several."""
    conditions = [ApiKey.id == ref]
    if len(ref) >= MIN_PREFIX:
        conditions.append(ApiKey.key_prefix.startswith(ref, autoescape=True))
    keys = list(await session.scalars(select(ApiKey).where(or_(*conditions)).limit(5)))
    exact = [k for k in keys if k.id == ref]
    if exact:
        return exact[0]
    if not keys:
        hint = "" if len(ref) >= MIN_PREFIX else f" (a prefix needs {MIN_PREFIX}+ characters)"
        raise ConfigError(f"no API key with id or prefix {ref!r}{hint}")
    if len(keys) > 1:
        ids = ", ".join(f"{k.id} ({k.key_prefix})" for k in keys)
        raise ConfigError(f"{ref!r} matches several keys: {ids}; give the id")
    return keys[0]


def _change(verb: str) -> Callable[[argparse.Namespace, Settings], int]:
    async def change(settings: Settings, ref: str) -> tuple[ApiKey, str, bool]:
        engine = await prepared_engine(settings)
        try:
            async with session_factory(engine).begin() as session:
                key = await find_key(session, ref)
                org = await session.get(Org, key.org_id)
                slug = org.slug if org else key.org_id
                if key.deleted_at is not None:
                    if verb == "revoke":
                        return key, slug, False
                    raise ConfigError(f"key {key.id} ({key.key_prefix}) is revoked for good")
                before = key_view(key)
                now = datetime.now(UTC)
                if verb == "revoke":
                    key.deleted_at, key.is_active, action = now, False, "key.delete"
                else:
                    wanted = verb == "enable"
                    if key.is_active == wanted:
                        return key, slug, False
                    key.is_active, action = wanted, "key.update"
                key.updated_at = now
                await session.flush()
                audit(session, key.org_id, action, f"api_key:{key.id}", before, key_view(key))
                return key, slug, True
        finally:
            await engine.dispose()

    def run(args: argparse.Namespace, settings: Settings) -> int:
        key, slug, changed = asyncio.run(change(settings, args.key))
        done = {"disable": "disabled", "enable": "enabled", "revoke": "revoked"}[verb]
        what = f"key {key.id} ({key.key_prefix}, {key.name!r}) of org {slug!r}"
        if changed:
            sys.stderr.write(
                f"{done} {what}; running gateways apply it within auth.key_cache_seconds "
                f"({settings.auth.key_cache_seconds:g} s)\n"
            )
        else:
            sys.stderr.write(f"{what} was {done} already\n")
        return 0

    return run


def register(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    with_config: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
    load: Callable[[argparse.Namespace], Settings],
) -> None:
    keys = commands.add_parser("keys", help="manage API keys").add_subparsers(
        dest="keys_command", required=True
    )
    create = with_config(keys.add_parser("create", help="create a key; prints only the secret"))
    create.add_argument("--org", required=True, help="org slug (must exist, see --create-org)")
    create.add_argument("--label", required=True)
    create.add_argument("--scopes", required=True, help="comma-separated, e.g. precheck:invoke")
    create.add_argument(
        "--create-org", action="store_true", help="create the org if it does not exist (scripts)"
    )
    create.set_defaults(handler=lambda args: _create(args, load(args)))
    listing = with_config(keys.add_parser("list", help="list an org's keys"))
    listing.add_argument("--org", required=True, help="org slug or id")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=lambda args: _list(args, load(args)))
    for verb, help_text in (
        ("disable", "switch a key off (enable switches it back on)"),
        ("enable", "switch a disabled key back on"),
        ("revoke", "delete a key for good"),
    ):
        command = with_config(keys.add_parser(verb, help=help_text))
        command.add_argument("key", metavar="KEY_ID_OR_PREFIX", help="the key's id or prefix")
        run = _change(verb)
        command.set_defaults(handler=lambda args, run=run: run(args, load(args)))
