"""The ``governs`` command line.

    governs serve   [--config F] [--host H] [--port P] [--workers N]
    governs migrate [--config F]
    governs keys create --org ORG --label L --scopes s1,s2 [--config F]
    governs keys list   --org ORG [--config F] [--json]
    governs policies apply --org ORG FILE [--config F]
    governs policies list  --org ORG [--config F] [--json]

``keys create`` prints only the new secret on stdout, so ``KEY=$(governs keys create ...)``
works; everything else a command says goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import multiprocessing
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from gateway import cli_budgets, cli_policies
from gateway.access_log import AccessLogger, access_logger
from gateway.errors import ConfigError
from gateway.logs import configure_logging
from gateway.scopes import parse_scopes
from gateway.settings import Settings, load_settings
from gateway.startup import check_port, database_problems
from gateway.storage import keys as key_queries
from gateway.storage.database import create_engine, migrate, session_factory

log = logging.getLogger("governs")


def _settings(args: argparse.Namespace, **overrides: Any) -> Settings:
    settings = load_settings(args.config)
    server = {k: v for k, v in overrides.items() if v is not None}
    if server:
        settings = settings.model_copy(update={"server": settings.server.model_copy(update=server)})
    return settings


async def prepare_database(settings: Settings, *, force_migrate: bool = False) -> str | None:
    """Apply migrations (unless disabled) and create the bootstrap org and key if needed."""
    with database_problems(settings.database.url):  # one line, not a traceback
        engine = create_engine(settings.database)
        try:
            if settings.database.auto_migrate or force_migrate:
                await migrate(engine)
            return await key_queries.bootstrap(engine, settings.bootstrap_key)
        finally:
            await engine.dispose()


def _print_bootstrap_key(secret: str, settings: Settings) -> None:
    host, port = settings.server.host, settings.server.port
    sys.stdout.write(
        "\nCreated org 'default' and its bootstrap API key (shown once, keep it):\n\n"
        f"    {secret}\n\n"
        f"Try it:  curl http://{host}:{port}/v1/chat/completions \\\n"
        f"           -H 'Authorization: Bearer {secret}' -H 'Content-Type: application/json' \\\n"
        """           -d '{"model": "echo", "messages": [{"role": "user", "content": "hi"}]}'\n\n"""
    )
    sys.stdout.flush()


# -- serve -------------------------------------------------------------------------------------


def run_worker(settings: Settings, reuse_port: bool = False) -> None:
    """Serve until SIGTERM/SIGINT, then shut down gracefully (aiohttp's run_app)."""
    from aiohttp import web

    from gateway.server import build_app

    configure_logging()
    loop_factory = _event_loop_factory()
    # Each request allocates many short-lived objects: collecting the young generation every
    # 700 allocations (the default) cost ~15 % of throughput and most of the p99 in the
    # saturation benchmark. Collect less often, and once serving, move everything start-up made
    # (modules, config, tokenizer tables) out of the collector's way.
    gc.set_threshold(50_000, 20, 10)
    app = build_app(settings)
    app.on_startup.append(_freeze_start_up_heap)
    web.run_app(
        app,
        host=settings.server.host,
        port=settings.server.port,
        reuse_port=reuse_port,
        shutdown_timeout=settings.server.shutdown_timeout_seconds,
        access_log=access_logger() if settings.server.access_log else None,
        access_log_class=AccessLogger,
        print=lambda message: log.info(message.strip()),
        # A client that goes away cancels its handler, which cancels the upstream call.
        handler_cancellation=True,
        loop=loop_factory(),
    )


async def _freeze_start_up_heap(_app: object) -> None:
    gc.collect()
    gc.freeze()


def _event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    try:
        import uvloop
    except ImportError:  # uvloop is not built for every platform
        return asyncio.new_event_loop
    return uvloop.new_event_loop


def _serve(args: argparse.Namespace) -> int:
    settings = _settings(args, host=args.host, port=args.port, workers=args.workers)
    check_port(settings)  # before a database is made or a key printed for a port not ours
    secret = asyncio.run(prepare_database(settings))
    if secret is not None:
        _print_bootstrap_key(secret, settings)
    workers = settings.server.workers
    if workers == 1:
        run_worker(settings)
        return 0
    return _run_workers(settings, workers)


def _run_workers(settings: Settings, count: int) -> int:
    """N processes accept on one port (SO_REUSEPORT); signals are passed on to each."""
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=run_worker, args=(settings, True), name=f"governs-worker-{i}")
        for i in range(count)
    ]
    for process in processes:
        process.start()

    def forward(signum: int, _frame: object) -> None:
        for process in processes:
            if process.is_alive() and process.pid is not None:
                process.terminate() if signum == signal.SIGTERM else _signal(process.pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for process in processes:
        process.join()
    return max((process.exitcode or 0) for process in processes)


def _signal(pid: int, signum: int) -> None:
    import os

    os.kill(pid, signum)


# -- migrate -----------------------------------------------------------------------------------


def _migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    secret = asyncio.run(prepare_database(settings, force_migrate=True))
    if secret is not None:
        _print_bootstrap_key(secret, settings)
    sys.stderr.write("database is up to date\n")
    return 0


# -- keys --------------------------------------------------------------------------------------


def _keys_create(args: argparse.Namespace) -> int:
    settings = _settings(args)
    try:
        scopes = parse_scopes(args.scopes)
        key_queries.validate_slug(args.org)
    except ValueError as error:
        raise ConfigError(str(error)) from None

    async def create() -> str:
        engine = create_engine(settings.database)
        try:
            async with session_factory(engine).begin() as session:
                org = await key_queries.get_or_create_org(session, args.org)
                _, secret = await key_queries.create_key(
                    session, org, label=args.label, scopes=scopes
                )
                return secret
        finally:
            await engine.dispose()

    _ensure_schema(settings)
    sys.stdout.write(asyncio.run(create()) + "\n")
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    settings = _settings(args)

    async def fetch() -> list[key_queries.KeyRecord] | None:
        engine = create_engine(settings.database)
        try:
            async with session_factory(engine)() as session:
                org = await key_queries.find_org(session, args.org)
                return None if org is None else await key_queries.list_keys(session, org)
        finally:
            await engine.dispose()

    _ensure_schema(settings)
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


def _ensure_schema(settings: Settings) -> None:
    if settings.database.auto_migrate:
        asyncio.run(_migrate_only(settings))


async def _migrate_only(settings: Settings) -> None:
    with database_problems(settings.database.url):
        engine = create_engine(settings.database)
        try:
            await migrate(engine)
        finally:
            await engine.dispose()


# -- parsing -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="governs", description="GovernsAI gateway")
    commands = parser.add_subparsers(dest="command", required=True)

    def with_config(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
        command.add_argument(
            "--config", metavar="F", help="YAML config file (default: $GOVERNS_CONFIG or none)"
        )
        return command

    serve = with_config(commands.add_parser("serve", help="run the gateway"))
    serve.add_argument("--host", metavar="H")
    serve.add_argument("--port", metavar="P", type=int)
    serve.add_argument("--workers", metavar="N", type=int)
    serve.set_defaults(handler=_serve)

    with_config(commands.add_parser("migrate", help="apply database migrations")).set_defaults(
        handler=_migrate
    )

    keys = commands.add_parser("keys", help="manage API keys").add_subparsers(
        dest="keys_command", required=True
    )
    create = with_config(keys.add_parser("create", help="create a key; prints only the secret"))
    create.add_argument("--org", required=True, help="org slug (created if unknown)")
    create.add_argument("--label", required=True)
    create.add_argument("--scopes", required=True, help="comma-separated, e.g. precheck:invoke")
    create.set_defaults(handler=_keys_create)
    listing = with_config(keys.add_parser("list", help="list an org's keys"))
    listing.add_argument("--org", required=True, help="org slug or id")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=_keys_list)

    cli_policies.register(commands, with_config, _settings)
    cli_budgets.register(commands, with_config, _settings)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ConfigError as error:
        sys.stderr.write(f"governs: {error}\n")
        return 2
