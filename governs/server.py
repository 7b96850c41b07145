"""The aiohttp application: routes, and every service started and stopped in ``cleanup_ctx``.

Nothing is a module global: the engine, HTTP session, tokenizer, key store and writer live on
the app. Shutdown runs in reverse: in-flight requests finish first (aiohttp's graceful
shutdown), then the key store and the writer flush, then connections close.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial

from aiohttp import web
from aiohttp.typedefs import Middleware

from admin_api.app import setup_admin_api
from core.settings import Settings
from core.storage.database import create_engine
from core.storage.keys import KeyRecord
from gateway.audit_events import audit_row
from gateway.auth import KeyStore
from gateway.budgets.setup import start_metering
from gateway.cache_replay import RESPONSE_CACHE
from gateway.client_address import CLIENT_ADDRESSES, ClientAddresses
from gateway.count_tokens import count_tokens
from gateway.echo import EchoTransport
from gateway.forwarder import HttpTransport, Transport
from gateway.health import mount_health
from gateway.identifiers import IDENTIFIERS, IdentifierGuard
from gateway.live import mount_live
from gateway.metrics import mount_metrics, request_metrics
from gateway.middleware import request_context
from gateway.pii import PiiGuard
from gateway.pipeline import (
    anthropic_messages,
    chat_completions,
    completions,
    embeddings,
    list_models,
    responses,
    retrieve_model,
)
from gateway.policy_store import PolicyStore
from gateway.redis_client import REDIS, redis_context
from gateway.request_body import HANDLER_ARGS
from gateway.response_cache import build_response_cache
from gateway.retention import mount_retention
from gateway.revocation import Revocations
from gateway.routing import Router
from gateway.services import GATEWAY, Gateway
from gateway.spool import Spool
from gateway.tokens import TokenCounter
from gateway.upstream_http import Pool
from gateway.writer import RecordWriter
from providers.registry import build_adapter

SETTINGS = web.AppKey("settings", Settings)


def build_app(settings: Settings) -> web.Application:
    # Adapters are built here, synchronously, so a bad provider config fails before serving.
    adapters = {p.name: build_adapter(p) for p in settings.providers}
    pii = PiiGuard(settings.pii)  # detectors are compiled here: a bad one fails start-up
    middlewares: list[Middleware] = [request_metrics, request_context]
    tracing = None
    if settings.tracing.enabled:
        # Imported only when on: a gateway without OTEL_* never loads the SDK, and its
        # requests pass no tracing middleware.
        from gateway.tracing_export import Tracing

        tracing = Tracing(settings.tracing)
        middlewares.insert(1, tracing.middleware())
    app = web.Application(
        client_max_size=settings.server.max_body_bytes,
        middlewares=middlewares,
        handler_args=HANDLER_ARGS,
    )
    app[SETTINGS] = settings
    app[CLIENT_ADDRESSES] = ClientAddresses(settings.server)
    app[IDENTIFIERS] = IdentifierGuard(pii.fast_engine)
    app.cleanup_ctx.append(partial(redis_context, config=settings.redis))

    async def services(app: web.Application) -> AsyncIterator[None]:
        engine = create_engine(settings.database)
        tokens = await asyncio.to_thread(TokenCounter.load)
        upstream_pool = Pool(settings.server.upstream_max_connections)
        transports: dict[str, Transport] = {
            p.name: EchoTransport(tokens) if p.kind == "echo" else HttpTransport(upstream_pool, p)
            for p in settings.providers
        }
        writer = RecordWriter(engine, settings.writer, Spool(settings.writer.spool_dir))
        await writer.start()
        keys = KeyStore(
            engine,
            settings.auth.key_cache_seconds,
            settings.auth.stale_key_seconds,
            on_refused=partial(_audit_refused, writer),
        )
        await keys.load()
        flusher = asyncio.create_task(keys.run_last_used_flusher(), name="last-used-flusher")
        revocations = Revocations(keys, app.get(REDIS))
        await revocations.start()
        policies = PolicyStore(engine, settings.pii.policy_refresh_seconds, on_load=pii.prepare)
        await policies.start()
        metering = await start_metering(settings, engine, redis=app.get(REDIS))
        cache = build_response_cache(settings.response_cache, app.get(REDIS))
        app[RESPONSE_CACHE] = cache
        app[GATEWAY] = Gateway(
            settings=settings,
            engine=engine,
            keys=keys,
            router=Router(settings, adapters, transports),
            writer=writer,
            tokens=tokens,
            policies=policies,
            pii=pii,
            metering=metering,
            revocations=revocations,
        )
        try:
            yield
        finally:
            flusher.cancel()
            await revocations.close()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            await policies.close()
            pii.close()
            await metering.aclose()
            await cache.aclose()
            await keys.flush_last_used()
            await writer.close()
            await upstream_pool.close()
            await engine.dispose()
            if tracing is not None:
                await tracing.aclose()

    app.cleanup_ctx.append(services)
    mount_live(app, settings.live)
    mount_retention(app, settings.records)
    mount_health(app, settings.health)
    mount_metrics(app, settings.metrics)
    app.router.add_post("/v1/chat/completions", chat_completions)
    app.router.add_post("/v1/messages", anthropic_messages)
    app.router.add_post("/v1/messages/count_tokens", count_tokens)
    app.router.add_post("/v1/responses", responses)
    app.router.add_post("/v1/completions", completions)
    app.router.add_post("/v1/embeddings", embeddings)
    app.router.add_get("/v1/models", list_models)
    # Model names may hold a slash (`provider/model`), so the id takes the rest of the path.
    app.router.add_get("/v1/models/{model:.+}", retrieve_model)
    app.router.add_get("/healthz", healthz)
    setup_admin_api(app, settings)
    return app


def _audit_refused(writer: RecordWriter, key: KeyRecord, reason: str) -> None:
    """A disabled, expired or revoked key was used: an audit row (no secret, only its id)."""
    writer.submit(
        "audit_logs",
        audit_row(
            "key.refused",
            f"api_key:{key.id}",
            org_id=key.org_id,
            api_key_id=key.id,
            details={"reason": reason, "keyPrefix": key.key_prefix},
        ),
    )


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})
