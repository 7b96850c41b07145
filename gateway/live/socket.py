"""``GET /ws``: one WebSocket connection of the live feed.

The caller is authenticated before the upgrade (an HTTP error in the gateway's shape when that
fails); it needs ``decisions:read`` to subscribe and ``ingest:write`` to ingest, in the org of
the channel or message. Client messages are JSON objects; each gets exactly one answer::

    {"type": "SUBSCRIBE", "channel": "org:acme:decisions"}     -> ACK | ERROR
    {"type": "UNSUBSCRIBE", "channel": "org:acme:decisions"}   -> ACK
    {"type": "INGEST", "data": {<decision.v1>}}                -> ACK {decisionId} | ERROR
    (``idempotencyKey`` may be in ``data`` or, as the spec puts it, beside ``data``)
    {"type": "PING"}                                           -> PONG

Everything the server sends goes through one bounded queue and one sender task, so answers
and pushes keep their order; a client that lets ``live.send_queue`` messages pile up is
closed (1013, try again later) rather than slowing anyone else. The key (or session) is
checked again every ``live.reauth_seconds``: a revoked key's connection is closed (1008), a
narrowed one loses the subscriptions it may no longer hold. Each connection is a session of
the ``SessionTracker`` (``sessions``): opened, each client message, each ERROR, closed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from typing import Any

import orjson
from aiohttp import WSCloseCode, WSMsgType, web

from core.errors import (
    AuthenticationError,
    GatewayError,
    PermissionDeniedError,
    ServiceUnavailableError,
)
from core.scopes import Scope
from core.settings import LiveConfig
from gateway.live.hub import LiveHub
from gateway.live.ingest import decision_row, parse_decision, with_outer_key
from gateway.live.sessions import SessionTracker
from gateway.live.viewer import Viewer, authenticate_viewer
from gateway.live.wire import error_message, message, parse_channel
from gateway.services import GATEWAY

CONNECT_SCOPES = (Scope.DECISIONS_READ, Scope.INGEST_WRITE)


class Connection:
    """One client: its viewer, its subscriptions and its outgoing queue."""

    def __init__(
        self,
        ws: web.WebSocketResponse,
        viewer: Viewer,
        hub: LiveHub,
        config: LiveConfig,
        submit: Callable[[str, dict[str, Any]], None],
        tracker: SessionTracker,
    ) -> None:
        self.ws = ws
        self._tracker = tracker
        self.session = tracker.opened(
            (grant.org_id for grant in viewer.orgs), viewer.user_id, viewer.key_id
        )
        self._submit = submit
        self.viewer = viewer
        self._hub = hub
        self._config = config
        self._outbox: deque[str] = deque()
        self._wake = asyncio.Event()
        self.too_slow = False
        self.subscriptions: dict[str, str] = {}  # canonical -> the name the client used
        # Set when keys or sessions changed somewhere (gateway.revocation): check access now.
        self.recheck = asyncio.Event()

    # -- sending (Subscriber) --------------------------------------------------------------

    def push(self, text: str) -> None:
        if self.too_slow:
            return
        if len(self._outbox) >= self._config.send_queue:
            self.too_slow = True
        else:
            self._outbox.append(text)
        self._wake.set()

    async def send_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if self.too_slow:
                await self.ws.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"too slow")
                return
            while self._outbox:
                await self.ws.send_str(self._outbox.popleft())

    # -- client messages -------------------------------------------------------------------

    def handle(self, raw: str) -> None:
        """Answer one client message (exactly one answer, queued in order)."""
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            self.push(self.error_answer("invalid_json", "a message must be a JSON object"))
            return
        kind, ref = body.get("type"), body.get("id")
        if not isinstance(ref, str | int) or isinstance(ref, bool):
            ref = None
        known = kind if kind in ("SUBSCRIBE", "UNSUBSCRIBE", "INGEST", "PING") else None
        self._tracker.record(self.session, "message", {"type": known or "unknown"})
        try:
            if kind == "SUBSCRIBE":
                self.push(self._subscribe(body.get("channel"), ref))
            elif kind == "UNSUBSCRIBE":
                self.push(self._unsubscribe(body.get("channel"), ref))
            elif kind == "INGEST":
                self._ingest(body.get("data"), body.get("idempotencyKey"), ref)
            elif kind == "PING":
                self.push(message("PONG", ref))
            else:
                self.push(
                    self.error_answer(
                        "unknown_type",
                        "type must be SUBSCRIBE, UNSUBSCRIBE, INGEST or PING",
                        answers=kind if isinstance(kind, str) else None,
                        ref=ref,
                    )
                )
        except GatewayError as error:
            code = error.code or "error"
            self.push(self.error_answer(code, error.message, answers=kind, ref=ref))

    def error_answer(self, code: str, text: str, *, answers: Any = None, ref: Any = None) -> str:
        """An ERROR answer, logged as the session's activity (its code, never its text)."""
        self._tracker.record(self.session, "error", {"code": code})
        return error_message(code, text, answers=answers, ref=ref)

    def _channels_changed(self) -> None:
        self.session.channels = tuple(self.subscriptions)

    def _subscribe(self, name: object, ref: Any) -> str:
        channel = parse_channel(name)
        if channel is None:
            return self.error_answer(*_bad_channel(name), answers="SUBSCRIBE", ref=ref)
        assert isinstance(name, str)
        try:
            grant = self.viewer.org(channel.org, Scope.DECISIONS_READ)
        except GatewayError as error:
            # Another org's channel and an unknown org's look the same: no data, no hint.
            code = "insufficient_scope" if error.status == 403 else "channel_not_allowed"
            text = error.message if error.status == 403 else f"you may not subscribe to {name}"
            return self.error_answer(code, text, answers="SUBSCRIBE", ref=ref)
        canonical = channel.canonical(grant.org_id)
        if (
            canonical not in self.subscriptions
            and len(self.subscriptions) >= self._config.max_subscriptions
        ):
            return self.error_answer(
                "too_many_subscriptions",
                f"at most {self._config.max_subscriptions} channels per connection",
                answers="SUBSCRIBE",
                ref=ref,
            )
        self.subscriptions[canonical] = name
        self._hub.subscribe(self, canonical, name)
        self._channels_changed()
        return message("ACK", ref, **{"for": "SUBSCRIBE", "channel": name})

    def _unsubscribe(self, name: object, ref: Any) -> str:
        channel = parse_channel(name)
        if channel is None:
            return self.error_answer(*_bad_channel(name), answers="UNSUBSCRIBE", ref=ref)
        for canonical, used in list(self.subscriptions.items()):
            if used == name or canonical == name:
                del self.subscriptions[canonical]
                self._hub.unsubscribe(self, canonical)
        self._channels_changed()
        return message("ACK", ref, **{"for": "UNSUBSCRIBE", "channel": name})

    def _ingest(self, data: object, outer_key: object, ref: Any) -> None:
        decision = with_outer_key(parse_decision(data), outer_key)
        grant = self.viewer.org(decision.org_id, Scope.INGEST_WRITE)
        row = decision_row(
            decision,
            org_id=grant.org_id,
            api_key_id=self.viewer.key_id,
            user_id=self.viewer.user_id,
        )
        fields: dict[str, Any] = {"for": "INGEST", "decisionId": row["id"]}
        if decision.idempotency_key is not None:
            fields["idempotencyKey"] = decision.idempotency_key
        self.push(message("ACK", ref, **fields))  # before the decision's own push, if subscribed
        self._submit("decisions", row)

    # -- access ----------------------------------------------------------------------------

    def reauthorized(self, viewer: Viewer) -> None:
        """Take the caller's current access; drop subscriptions it no longer allows."""
        self.viewer = viewer
        self.session.org_ids = tuple(grant.org_id for grant in viewer.orgs)
        for canonical, name in list(self.subscriptions.items()):
            channel = parse_channel(canonical)
            assert channel is not None
            try:
                viewer.org(channel.org, Scope.DECISIONS_READ)
            except GatewayError:
                del self.subscriptions[canonical]
                self._hub.unsubscribe(self, canonical)
                text = f"your access to {name} was withdrawn"
                self.push(self.error_answer("subscription_revoked", text))
        self._channels_changed()

    def detach(self) -> None:
        for canonical in self.subscriptions:
            self._hub.unsubscribe(self, canonical)
        self.subscriptions.clear()
        self._tracker.closed_now(self.session)


def _bad_channel(name: object) -> tuple[str, str]:
    return (
        "invalid_channel",
        f"unknown channel {name!r}: use org:<orgId>:decisions, "
        "org:<orgId>:user:<userId>:decisions or org:<orgId>:key:<apiKeyId>:decisions",
    )


async def serve_socket(
    request: web.Request,
    hub: LiveHub,
    config: LiveConfig,
    connections: set[Connection],
    tracker: SessionTracker,
) -> web.WebSocketResponse:
    viewer = await authenticate_viewer(request, *CONNECT_SCOPES)
    ws = web.WebSocketResponse(
        heartbeat=config.heartbeat_seconds, max_msg_size=config.max_message_bytes
    )
    await ws.prepare(request)
    connection = Connection(ws, viewer, hub, config, request.app[GATEWAY].writer.submit, tracker)
    connections.add(connection)
    sender = asyncio.create_task(connection.send_loop(), name="live-sender")
    checker = asyncio.create_task(_recheck_access(request, connection, config), name="live-auth")
    try:
        async for frame in ws:
            if frame.type == WSMsgType.TEXT:
                connection.handle(frame.data)
            elif frame.type == WSMsgType.BINARY:
                connection.push(connection.error_answer("invalid_json", "send JSON in text frames"))
    finally:
        connection.detach()
        connections.discard(connection)
        for task in (sender, checker):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
    return ws


async def _recheck_access(request: web.Request, connection: Connection, config: LiveConfig) -> None:
    while True:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(config.reauth_seconds):
                await connection.recheck.wait()
        connection.recheck.clear()
        try:
            viewer = await authenticate_viewer(request, *CONNECT_SCOPES)
        except (AuthenticationError, PermissionDeniedError) as error:
            await connection.ws.close(
                code=WSCloseCode.POLICY_VIOLATION, message=error.message.encode()[:120]
            )
            return
        except ServiceUnavailableError:
            continue  # the database is down: keep the access checked last
        connection.reauthorized(viewer)
