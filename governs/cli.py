"""The ``governs`` command line.

    governs serve   [--config F] [--host H] [--port P] [--workers N]
    governs migrate [--config F]
    governs keys create|list|disable|enable|revoke ...      (governs.cli_keys)
    governs orgs create|list|grant ...                      (governs.cli_orgs)
    governs policies apply|list|show ...                    (governs.cli_policies)
    governs budgets create|list ...                         (governs.cli_budgets)
    governs users create --org ORG --email E [--role R] [--password-stdin] [--config F]

``keys create`` prints only the new secret on stdout, so ``KEY=$(governs keys create ...)``
works; everything else a command says goes to stderr. An ``--org`` that names no org is an
error (exit 2 for a change, 1 for a listing), except for ``keys create --create-org``.
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

from core.errors import ConfigError
from core.settings import Settings, load_settings
from core.storage import keys as key_queries
from core.storage.database import create_engine, migrate
from gateway.access_log import AccessLogger, access_logger
from gateway.logs import configure_logging
from governs import cli_budgets, cli_keys, cli_orgs, cli_policies, cli_users
from governs.startup import check_port, database_problems, ignore_replies_to_a_closed_loop

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


def _print_bootstrap_key(secret: str, settings: Settings, config_path: str | None) -> None:
    host, port = settings.server.host, settings.server.port
    console = f"http://{host}:{port}/dashboard/"
    config = f" --config {config_path}" if config_path else ""
    sys.stdout.write(
        "\nCreated org 'default' and its bootstrap API key (shown once, keep it):\n\n"
        f"    {secret}\n\n"
        f"Try it:  curl http://{host}:{port}/v1/chat/completions \\\n"
        f"           -H 'Authorization: Bearer {secret}' -H 'Content-Type: application/json' \\\n"
        """           -d '{"model": "echo", "messages": [{"role": "user", "content": "hi"}]}'\n\n"""
        f"The console: {console}\n"
        "This key cannot sign in there; make yourself the org's OWNER (prints a link to choose\n"
        "a password):\n\n"
        f"    governs users create{config} --org default --email you@example.com --role OWNER\n\n"
    )
    sys.stdout.flush()


# -- serve -------------------------------------------------------------------------------------


def run_worker(settings: Settings, reuse_port: bool = False) -> None:
    """Serve until SIGTERM/SIGINT, then shut down gracefully (aiohttp's run_app)."""
    from aiohttp import web

    from governs.server import build_app

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
        _print_bootstrap_key(secret, settings, args.config)
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
        _print_bootstrap_key(secret, settings, args.config)
    sys.stderr.write("database is up to date\n")
    return 0


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

    cli_keys.register(commands, with_config, _settings)
    cli_orgs.register(commands, with_config, _settings)
    cli_policies.register(commands, with_config, _settings)
    cli_budgets.register(commands, with_config, _settings)
    cli_users.register(commands, with_config, _settings)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    ignore_replies_to_a_closed_loop()
    try:
        return handler(args)
    except ConfigError as error:
        sys.stderr.write(f"governs: {error}\n")
        return 2
