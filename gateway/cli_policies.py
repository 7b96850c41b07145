"""``governs policies apply --org ORG FILE`` and ``governs policies list --org ORG``.

The file holds the admin API's policy body, ``policies.body.PolicyBody`` (``name``,
``description``, ``toolAccessMatrix``, ``isActive``, ``onError``, ``outputTool``,
``customRules``, ``priority``...), checked exactly as ``POST /api/v1/policies`` checks it;
applying a file whose ``name`` exists in the org replaces that policy's fields. Every change
writes an audit row. Running gateways pick the change up within ``pii.policy_refresh_seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import yaml
from pydantic import ValidationError
from sqlalchemy import select

from gateway.errors import ConfigError
from gateway.ids import new_id
from gateway.settings import Settings
from gateway.storage import keys as key_queries
from gateway.storage.database import create_engine, migrate, session_factory
from gateway.storage.models import AuditLog, Policy
from policies.body import PolicyBody, policy_to_api
from policies.matrix import MatrixError


def read_policy_file(path: Path) -> PolicyBody:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path} is not valid YAML: {error}") from None
    try:
        body = PolicyBody.model_validate(raw)
        body.columns()
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from None
    except MatrixError as error:
        raise ConfigError(f"{path}: toolAccessMatrix.{error.path}: {error}") from None
    return body


async def apply_policy(settings: Settings, org_slug: str, body: PolicyBody) -> tuple[str, str]:
    """Create or update (by name) the org's policy; returns (action, policy id)."""
    engine = create_engine(settings.database)
    try:
        if settings.database.auto_migrate:
            await migrate(engine)
        async with session_factory(engine).begin() as session:
            org = await key_queries.get_or_create_org(session, org_slug)
            policy = await session.scalar(
                select(Policy).where(
                    Policy.org_id == org.id, Policy.name == body.name, Policy.deleted_at.is_(None)
                )
            )
            before = policy_to_api(policy) if policy else None
            if policy is None:
                policy = Policy(id=new_id(), org_id=org.id, **body.columns())
                session.add(policy)
                action = "policy.create"
            else:
                for column, value in body.columns().items():
                    setattr(policy, column, value)
                policy.updated_at = datetime.now(UTC)
                action = "policy.update"
            await session.flush()
            await session.refresh(policy)  # the database's created_at and updated_at
            session.add(
                AuditLog(
                    org_id=org.id,
                    action=action,
                    resource=f"policy:{policy.id}",
                    details={"before": before, "after": policy_to_api(policy), "via": "cli"},
                )
            )
            return action, policy.id
    finally:
        await engine.dispose()


async def list_policies(settings: Settings, org_ref: str) -> list[dict[str, Any]] | None:
    engine = create_engine(settings.database)
    try:
        async with session_factory(engine)() as session:
            org = await key_queries.find_org(session, org_ref)
            if org is None:
                return None
            rows = await session.scalars(
                select(Policy)
                .where(Policy.org_id == org.id, Policy.deleted_at.is_(None))
                .order_by(Policy.created_at)
            )
            return [policy_to_api(p) for p in rows]
    finally:
        await engine.dispose()


def register(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    with_config: Any,
    load: Any,
) -> None:
    policies = commands.add_parser("policies", help="manage PII policies").add_subparsers(
        dest="policies_command", required=True
    )
    apply = with_config(policies.add_parser("apply", help="create or update a policy from YAML"))
    apply.add_argument("--org", required=True, help="org slug (created if unknown)")
    apply.add_argument("file", type=Path)

    def run_apply(args: argparse.Namespace) -> int:
        body = read_policy_file(args.file)
        action, policy_id = asyncio.run(apply_policy(load(args), args.org, body))
        sys.stdout.write(f"{policy_id}\n")
        sys.stderr.write(f"{action.split('.')[1]}d policy {body.name!r}\n")
        return 0

    apply.set_defaults(handler=run_apply)

    listing = with_config(policies.add_parser("list", help="list an org's policies"))
    listing.add_argument("--org", required=True, help="org slug or id")
    listing.add_argument("--json", action="store_true")

    def run_list(args: argparse.Namespace) -> int:
        rows = asyncio.run(list_policies(load(args), args.org))
        if rows is None:
            sys.stderr.write(f"no org with slug or id {args.org!r}\n")
            return 1
        if args.json:
            sys.stdout.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n")
            return 0
        sys.stdout.write(f"{'ID':<26}  {'ACTIVE':<6}  {'NAME':<24}  TOOLS\n")
        for row in rows:
            sys.stdout.write(
                f"{row['id']:<26}  {'yes' if row['isActive'] else 'no':<6}  "
                f"{row['name'][:24]:<24}  {','.join(row['toolAccessMatrix'])}\n"
            )
        return 0

    listing.set_defaults(handler=run_list)
