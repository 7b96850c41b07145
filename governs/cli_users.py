"""``governs users create``: the first way into the console, and a way in for anyone later.

    governs users create --org ORG --email E [--role OWNER] [--name N] [--password-stdin]
                         [--config F]

Makes the account (or finds it, by email) and gives it ``--role`` in the org, which must
exist. Without ``--password-stdin``, for an account without a password yet, it prints a
one-time link on stdout (the console's "choose a password" screen,
``<admin.public_url>/reset-password?token=…``, valid for ``admin.invitation_ttl_seconds``), so
``LINK=$(governs users create ...)`` works; with it, the password is read from stdin (one line;
never an argument, which ``ps`` would show). The operator
vouches for the address, so the account counts as verified. Every change writes its audit row,
with no user or key as actor (it came from the command line).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api.accounts import ACCOUNT_TOKEN_PREFIX, RESET
from admin_api.audit import record
from admin_api.members import normalise_email
from admin_api.passwords import PasswordHasher
from admin_api.permissions import Role
from admin_api.sessions import hash_secret, new_secret
from core.errors import ConfigError
from core.settings import Settings
from core.storage import keys as key_queries
from core.storage.account_models import AccountToken, Membership, UserCredential
from core.storage.database import create_engine, migrate, session_factory
from core.storage.models import User


def register(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    with_config: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
    load: Callable[[argparse.Namespace], Settings],
) -> None:
    """Add ``users create`` (``governs.cli`` passes ``with_config`` and ``load``)."""
    users = commands.add_parser("users", help="manage console users").add_subparsers(
        dest="users_command", required=True
    )
    create = with_config(
        users.add_parser("create", help="add a user to an org; prints a one-time password-set link")
    )
    create.add_argument("--org", required=True, help="org slug or id (must exist)")
    create.add_argument("--email", required=True, metavar="E")
    create.add_argument("--role", choices=[r.value for r in Role], default=Role.OWNER.value)
    create.add_argument("--name", metavar="N")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from stdin instead of printing a link",
    )
    create.set_defaults(handler=lambda args: _create(args, load(args)))


def _read_password(settings: Settings) -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    minimum = settings.admin.password_min_length
    if len(password) < minimum:
        raise ConfigError(f"the password on stdin needs at least {minimum} characters")
    return password


def _create(args: argparse.Namespace, settings: Settings) -> int:
    try:
        email = normalise_email(args.email)
    except ValueError:
        raise ConfigError(f"--email {args.email!r} is not an email address") from None
    password = _read_password(settings) if args.password_stdin else None
    link = asyncio.run(
        _create_user(settings, args.org, email, Role(args.role), args.name, password)
    )
    console = settings.admin.public_url.rstrip("/") + "/dashboard/"
    if link is None:
        sys.stderr.write(f"{email} can sign in at {console}\n")
    else:
        sys.stdout.write(link + "\n")
        sys.stderr.write(
            f"Open the link above once to choose a password, then sign in at {console}\n"
        )
    return 0


async def _create_user(
    settings: Settings,
    org_ref: str,
    email: str,
    role: Role,
    name: str | None,
    password: str | None,
) -> str | None:
    engine = create_engine(settings.database)
    try:
        if settings.database.auto_migrate:
            await migrate(engine)
        config = settings.admin
        hasher = PasswordHasher(config.password_pepper, config.password_hash)
        password_hash = None if password is None else await hasher.hash(password)
        async with session_factory(engine).begin() as db:
            org = await key_queries.find_org(db, org_ref)
            if org is None:
                raise ConfigError(f"no org with slug or id {org_ref!r}")
            user = await _user(db, email, name)
            if password_hash is not None:
                await _set_password(db, user, password_hash)
            await _add_membership(db, org.id, org.slug, user, role)
            if password_hash is not None or await db.get(UserCredential, user.id) is not None:
                return None  # they sign in with the password they have
            token, now = new_secret(ACCOUNT_TOKEN_PREFIX), datetime.now(UTC)
            db.add(
                AccountToken(
                    user_id=user.id,
                    purpose=RESET,
                    token_hash=hash_secret(token),
                    expires_at=now + timedelta(seconds=config.invitation_ttl_seconds),
                )
            )
            return f"{config.public_url.rstrip('/')}/reset-password?token={token}"
    finally:
        await engine.dispose()


async def _user(db: AsyncSession, email: str, name: str | None) -> User:
    user = await db.scalar(select(User).where(User.email == email))
    if user is not None:
        return user
    user = User(email=email, name=name, email_verified=datetime.now(UTC))
    db.add(user)
    await db.flush()
    record(db, None, org_id=None, action="user.create", resource=f"user:{user.id}",
           after={"email": email, "name": name, "via": "cli"})  # fmt: skip
    return user


async def _set_password(db: AsyncSession, user: User, password_hash: str) -> None:
    credential = await db.get(UserCredential, user.id)
    if credential is None:
        db.add(UserCredential(user_id=user.id, password_hash=password_hash))
    else:
        credential.password_hash = password_hash
    record(db, None, org_id=None, action="user.password_set", resource=f"user:{user.id}",
           after={"via": "cli"})  # fmt: skip


async def _add_membership(db: AsyncSession, org_id: str, slug: str, user: User, role: Role) -> None:
    existing = await db.scalar(
        select(Membership).where(Membership.org_id == org_id, Membership.user_id == user.id)
    )
    if existing is not None:
        raise ConfigError(f"{user.email} is already a member of {slug!r} ({existing.role})")
    membership = Membership(org_id=org_id, user_id=user.id, role=role.value)
    db.add(membership)
    await db.flush()
    record(db, None, org_id=org_id, action="member.add", resource=f"membership:{membership.id}",
           user_id=None, after={"userId": user.id, "email": user.email, "role": role.value,
                                "via": "cli"})  # fmt: skip
