"""``governs budgets``: create and list budgets.

    governs budgets create --org ORG [--user U | --key KEY] --limit USD
                           [--period monthly|yearly|total] [--name N]
                           [--alert-thresholds 50,80,100 | --alert-thresholds none] [--config F]
    governs budgets list   --org ORG [--json] [--config F]

``create`` prints only the new budget's id on stdout. ``--alert-thresholds`` sets the percents
of the limit at which this budget alerts (``none``: no threshold alerts); without it, the
config's ``budgets.alerts.thresholds`` apply. Every running instance enforces it within
``budgets.refresh_seconds`` (1 s by default). Creating one writes an audit row naming the CLI's
user. ``list`` shows each budget's recorded spend in its
current period (``usage_records``, which trail the live ledger by the writer's flush interval).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import orjson
from sqlalchemy import select

from core.errors import ConfigError
from core.settings import Settings
from core.storage import keys as key_queries
from core.storage.database import create_engine, migrate, session_factory
from core.storage.models import ApiKey, Org, User
from gateway.budgets.periods import PERIODS, period_bounds
from gateway.budgets.store import BudgetSpec, create_budget, org_budgets, spend_in_period
from governs.cli_keys import audit

MAX_AMOUNT = Decimal("1e10")
MAX_ALERT_THRESHOLDS = 10


def register(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    with_config: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
    load: Callable[[argparse.Namespace], Settings],
) -> None:
    """Add ``budgets create`` and ``budgets list``; ``with_config`` adds ``--config`` and
    ``load`` reads the settings it names (``governs.cli`` passes both)."""
    budgets = commands.add_parser("budgets", help="manage budgets").add_subparsers(
        dest="budgets_command", required=True
    )
    create = with_config(budgets.add_parser("create", help="create a budget; prints its id"))
    create.add_argument("--org", required=True, help="org slug or id")
    subject = create.add_mutually_exclusive_group()
    subject.add_argument("--user", metavar="U", help="a user's id or email: only their usage")
    subject.add_argument("--key", metavar="KEY_ID", help="an API key's id or visible prefix")
    create.add_argument("--limit", required=True, metavar="USD", help="e.g. 250 or 99.50")
    create.add_argument("--period", choices=PERIODS, default="monthly")
    create.add_argument("--name", metavar="N")
    create.add_argument(
        "--alert-thresholds",
        metavar="P,P",
        help="percents of the limit to alert at, e.g. 50,90 ('none': no threshold alerts; "
        "default: budgets.alerts.thresholds)",
    )
    create.set_defaults(handler=lambda args: _create(args, load(args)))
    listing = with_config(budgets.add_parser("list", help="list budgets with current spend"))
    listing.add_argument("--org", required=True, help="org slug or id")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=lambda args: _list(args, load(args)))


def _alert_thresholds(text: str | None) -> list[int] | None:
    if text is None:
        return None
    if text.strip().lower() == "none":
        return []
    try:
        values = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise ConfigError(f"--alert-thresholds {text!r} is not a list of percents") from None
    if not values or len(values) > MAX_ALERT_THRESHOLDS or not all(0 < v <= 1000 for v in values):
        raise ConfigError(
            f"--alert-thresholds takes 1 to {MAX_ALERT_THRESHOLDS} percents between 1 and 1000"
        )
    return values


def _limit(text: str) -> Decimal:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ConfigError(f"--limit {text!r} is not an amount in USD") from None
    if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
        raise ConfigError(f"--limit must be more than 0 and less than {MAX_AMOUNT:f} USD")
    if amount.as_tuple().exponent < -10:  # type: ignore[operator]
        raise ConfigError("--limit has more than 10 decimal places")
    return amount


async def _prepared(settings: Settings) -> Any:
    engine = create_engine(settings.database)
    if settings.database.auto_migrate:
        await migrate(engine)
    return engine


def _create(args: argparse.Namespace, settings: Settings) -> int:
    amount = _limit(args.limit)
    thresholds = _alert_thresholds(args.alert_thresholds)

    async def create() -> str:
        engine = await _prepared(settings)
        try:
            async with session_factory(engine).begin() as session:
                org = await key_queries.find_org(session, args.org)
                if org is None:
                    raise ConfigError(f"no org with slug or id {args.org!r}")
                user_id = await _user_id(session, args.user) if args.user else None
                key_id = await _key_id(session, org, args.key) if args.key else None
                scope = "user" if user_id else "key" if key_id else "org"
                budget = await create_budget(
                    session,
                    org,
                    name=args.name or f"{args.period} {scope} budget",
                    amount=amount,
                    period=args.period,
                    user_id=user_id,
                    api_key_id=key_id,
                    alert_thresholds=thresholds,
                )
                after = {
                    "id": budget.id,
                    "name": budget.name,
                    "amount": f"{amount.normalize():f}",
                    "period": budget.period,
                    "userId": user_id,
                    "apiKeyId": key_id,
                    "alertThresholds": thresholds,
                }
                audit(session, org.id, "budget.create", f"budget:{budget.id}", None, after)
                return budget.id
        finally:
            await engine.dispose()

    sys.stdout.write(asyncio.run(create()) + "\n")
    return 0


async def _user_id(session: Any, ref: str) -> str:
    user = await session.scalar(select(User).where((User.id == ref) | (User.email == ref)))
    if user is None:
        raise ConfigError(f"no user with id or email {ref!r}")
    return user.id


async def _key_id(session: Any, org: Org, ref: str) -> str:
    key = await session.scalar(
        select(ApiKey).where(
            (ApiKey.id == ref) | (ApiKey.key_prefix == ref), ApiKey.deleted_at.is_(None)
        )
    )
    if key is None or key.org_id != org.id:
        raise ConfigError(f"no API key {ref!r} in org {org.slug!r}")
    return key.id


def _list(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC)

    async def fetch() -> list[tuple[BudgetSpec, Decimal]] | None:
        engine = await _prepared(settings)
        try:
            async with session_factory(engine)() as session:
                org = await key_queries.find_org(session, args.org)
                if org is None:
                    return None
                return [
                    (budget, await spend_in_period(session, budget, now))
                    for budget in await org_budgets(session, org)
                ]
        finally:
            await engine.dispose()

    rows = asyncio.run(fetch())
    if rows is None:
        sys.stderr.write(f"no org with slug or id {args.org!r}\n")
        return 1
    if args.json:
        out = [_json_row(budget, spent, now) for budget, spent in rows]
        sys.stdout.write(orjson.dumps(out, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    sys.stdout.write(
        f"{'ID':<26}  {'SCOPE':<32}  {'PERIOD':<7}  {'LIMIT':>12}  {'SPENT':>12}  "
        f"{'ACTIVE':<6}  {'ALERTS':<12}  NAME\n"
    )
    for budget, spent in rows:
        sys.stdout.write(
            f"{budget.id:<26}  {_scope(budget):<32}  {budget.period:<7}  "
            f"{_usd(budget.amount):>12}  {_usd(spent):>12}  "
            f"{'yes' if budget.is_active else 'no':<6}  {_alerts_at(budget):<12}  {budget.name}\n"
        )
    return 0


def _scope(budget: BudgetSpec) -> str:
    if budget.api_key_id:
        return f"key:{budget.api_key_id}"
    return f"user:{budget.user_id}" if budget.user_id else "org"


def _alerts_at(budget: BudgetSpec) -> str:
    if budget.alert_thresholds is None:
        return "default"
    return ",".join(map(str, budget.alert_thresholds)) or "none"


def _usd(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.0001')):f}"


def _json_row(budget: BudgetSpec, spent: Decimal, now: datetime) -> dict[str, Any]:
    start, end = period_bounds(budget.period, now)
    return {
        "id": budget.id,
        "name": budget.name,
        "scope": budget.scope,
        "userId": budget.user_id,
        "apiKeyId": budget.api_key_id,
        "period": budget.period,
        "limit": f"{budget.amount.normalize():f}",
        "spent": f"{spent.normalize():f}",
        "remaining": f"{max(budget.amount - spent, Decimal(0)).normalize():f}",
        "isActive": budget.is_active,
        "alertThresholds": (
            None if budget.alert_thresholds is None else list(budget.alert_thresholds)
        ),
        "periodStart": start,
        "periodEnd": end,
    }
