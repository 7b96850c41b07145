"""``governs policies apply|list|show --org ORG``.

    governs policies apply --org ORG FILE [--replace] [--config F]
    governs policies list  --org ORG [--json] [--config F]
    governs policies show  --org ORG [--config F]

The file holds the admin API's policy body, ``policies.body.PolicyBody`` (``name``,
``description``, ``toolAccessMatrix``, ``isActive``, ``onError``, ``outputTool``,
``customRules``, ``priority``...), checked exactly as ``POST /api/v1/policies`` checks it (an
unknown key or PII class is refused naming the nearest valid one); applying a file whose
``name`` exists in the org replaces that policy's fields. Activating a policy next to another
active one needs ``--replace`` (the others are deactivated) or a ``priority`` of its own
(``gateway.policy_activation``); ``apply`` then says which policy is in force. ``show`` prints
the matrix in force. The org must exist (``governs orgs create``). Every change writes an audit
row. Running gateways pick the change up within ``pii.policy_refresh_seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import yaml
from pydantic import ValidationError
from sqlalchemy import select

from core.errors import ConfigError
from core.ids import new_id
from core.settings import Settings
from core.storage import keys as key_queries
from core.storage.database import create_engine, migrate, session_factory
from core.storage.models import AuditLog, Policy
from core.suggest import unknown_field
from gateway.audit_events import cli_actor
from gateway.policy_activation import (
    ActivationConflict,
    active_policies,
    policy_in_force,
    to_deactivate,
)
from policies.body import PolicyBody, policy_to_api
from policies.engine import DEFAULT_OUTPUT_TOOL
from policies.matrix import DEFAULT_ROW, MatrixError


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
        errors = error.errors()
        # A mistyped key is both missing and unknown: naming the unknown one helps more.
        first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        where = ".".join(str(p) for p in first["loc"])
        message = first["msg"]
        if first["type"] == "extra_forbidden" and first["loc"]:
            message = unknown_field(PolicyBody, str(first["loc"][-1]))
        raise ConfigError(f"{path}: {where}: {message}") from None
    except MatrixError as error:
        raise ConfigError(f"{path}: toolAccessMatrix.{error.path}: {error}") from None
    return body


@dataclass(frozen=True, slots=True)
class Applied:
    action: str  # policy.create or policy.update
    policy_id: str
    deactivated: tuple[str, ...]  # names of the policies --replace switched off
    in_force: dict[str, Any] | None  # the policy now applied to the org (API shape)


async def apply_policy(
    settings: Settings, org_ref: str, body: PolicyBody, *, replace: bool = False
) -> Applied:
    """Create or update (by name) the org's policy; ``ConfigError`` for an unknown org or an
    activation that needs an explicit choice."""
    engine = create_engine(settings.database)
    try:
        if settings.database.auto_migrate:
            await migrate(engine)
        async with session_factory(engine).begin() as session:
            org = await key_queries.find_org(session, org_ref)
            if org is None:
                raise ConfigError(unknown_org(org_ref))
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
            deactivated: list[Policy] = []
            if policy.is_active:
                others = await active_policies(session, org.id, besides=policy.id)
                try:
                    deactivated = to_deactivate(
                        others,
                        policy.priority,
                        priority_given="priority" in body.model_fields_set,
                        replace=replace,
                    )
                except ActivationConflict as error:
                    raise ConfigError(
                        f"policy {body.name!r} in org {org.slug!r}: {error}"
                    ) from None
            for other in deactivated:
                other_before = policy_to_api(other)
                other.is_active = False
                other.updated_at = datetime.now(UTC)
                await session.flush()
                await session.refresh(other)
                _audit(session, org.id, "policy.update", other, other_before)
            await session.refresh(policy)  # the database's created_at and updated_at
            _audit(session, org.id, action, policy, before)
            in_force = await policy_in_force(session, org.id)
            return Applied(
                action,
                policy.id,
                tuple(p.name for p in deactivated),
                policy_to_api(in_force) if in_force else None,
            )
    finally:
        await engine.dispose()


def _audit(
    session: Any, org_id: str, action: str, policy: Policy, before: dict[str, Any] | None
) -> None:
    session.add(
        AuditLog(
            org_id=org_id,
            action=action,
            resource=f"policy:{policy.id}",
            details={"before": before, "after": policy_to_api(policy), **cli_actor()},
        )
    )


def unknown_org(org_ref: str) -> str:
    return f"no org with slug or id {org_ref!r} (create it with: governs orgs create --slug ...)"


async def effective_policy(
    settings: Settings, org_ref: str
) -> tuple[str, dict[str, Any] | None] | None:
    """The org's slug and the policy in force there (None: requests pass unchecked); None for
    an unknown org."""
    engine = create_engine(settings.database)
    try:
        async with session_factory(engine)() as session:
            org = await key_queries.find_org(session, org_ref)
            if org is None:
                return None
            policy = await policy_in_force(session, org.id)
            return org.slug, policy_to_api(policy) if policy else None
    finally:
        await engine.dispose()


def describe_in_force(slug: str, policy: dict[str, Any] | None) -> str:
    if policy is None:
        return f"org {slug!r} has no active policy: its requests are not checked for PII\n"
    return (
        f"in force for org {slug!r}: policy {policy['name']!r} ({policy['id']}, "
        f"priority {policy['priority']}, onError {policy['onError']})\n"
    )


def matrix_table(policy: dict[str, Any]) -> str:
    """The tool access matrix as rows of tool, class and action; ``default`` rows last."""
    matrix: dict[str, dict[str, str]] = policy["toolAccessMatrix"]
    lines = [f"{'TOOL':<32}  {'PII CLASS':<20}  ACTION"]
    for tool in sorted(matrix, key=lambda t: (t == DEFAULT_ROW, t)):
        row = matrix[tool]
        for pii_class in sorted(row, key=lambda c: (c == DEFAULT_ROW, c)):
            lines.append(f"{tool:<32}  {pii_class:<20}  {row[pii_class]}")
        if not row:
            lines.append(f"{tool:<32}  {'(none)':<20}  pass_through")
    lines.append(
        "Tools not listed use the 'default' row; classes a row does not list use its 'default' "
        "class; a class no row names passes through."
    )
    output = policy["outputTool"] or DEFAULT_OUTPUT_TOOL
    lines.append(f"Model output is checked with the row of {output!r}.")
    return "\n".join(lines) + "\n"


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
    apply.add_argument("--org", required=True, help="org slug or id (must exist)")
    apply.add_argument(
        "--replace",
        action="store_true",
        help="deactivate the org's other active policies (else a second active policy needs a "
        "priority of its own)",
    )
    apply.add_argument("file", type=Path)

    def run_apply(args: argparse.Namespace) -> int:
        body = read_policy_file(args.file)
        applied = asyncio.run(apply_policy(load(args), args.org, body, replace=args.replace))
        sys.stdout.write(f"{applied.policy_id}\n")
        sys.stderr.write(f"{applied.action.split('.')[1]}d policy {body.name!r}\n")
        for name in applied.deactivated:
            sys.stderr.write(f"deactivated policy {name!r}\n")
        sys.stderr.write(describe_in_force(args.org, applied.in_force))
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

    show = with_config(policies.add_parser("show", help="print the policy in force"))
    show.add_argument("--org", required=True, help="org slug or id")

    def run_show(args: argparse.Namespace) -> int:
        found = asyncio.run(effective_policy(load(args), args.org))
        if found is None:
            sys.stderr.write(f"no org with slug or id {args.org!r}\n")
            return 1
        slug, policy = found
        sys.stdout.write(describe_in_force(slug, policy))
        if policy is not None:
            sys.stdout.write(matrix_table(policy))
        return 0

    show.set_defaults(handler=run_show)
