"""Budget alerts: once per threshold per budget per period, across every instance.

When settled spend reaches a threshold (the budget's own ``alert_thresholds``, else
``budgets.alerts.thresholds``: percent of the limit, default 50, 80, 100), and when a budget
first refuses a request in a period (``kind`` ``denied``: with reserve-then-settle, spend
itself rarely reaches 100 %), an ``audit_logs`` row is written with action ``budget.alert``
and an id derived from (budget, period, kind, threshold). Inserting it is the claim: the
database keeps one row per id, so exactly one instance inserts it, and only that one posts the
webhook. Nothing here runs on the request path: ``spent_changed`` and ``denied`` only queue.

The webhook is a JSON POST signed with HMAC-SHA256 over ``<timestamp>.<body>``::

    X-Governs-Timestamp: 1764000000
    X-Governs-Signature: sha256=<hex>
    X-Governs-Event: budget.alert
    X-Governs-Delivery: <alert id>      (the same on every retry: receivers dedupe on it)

It is retried with exponential backoff on connection errors, timeouts, 408, 429 and 5xx, up to
``webhook_max_attempts``; other answers end it. Deliveries still retrying at shutdown are
dropped (the audit row stays).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from core.settings import BudgetAlertsConfig
from gateway.budgets.ledger import Bucket, from_nanos, plain_usd
from gateway.budgets.store import BudgetSpec, insert_audit_once

log = logging.getLogger(__name__)

ALERT_ACTION = "budget.alert"
SIGNATURE_HEADER = "X-Governs-Signature"
TIMESTAMP_HEADER = "X-Governs-Timestamp"
RETRY_STATUSES = frozenset({408, 429})
CLAIM_ATTEMPTS = 5


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Governs-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (also check that ``timestamp`` is recent)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def alert_id(budget_id: str, period_key: str, kind: str, threshold: int | None) -> str:
    key = f"{ALERT_ACTION}|{budget_id}|{period_key}|{kind}|{threshold}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def alert_text(alert: dict[str, Any]) -> str:
    """The log line of an alert: which budget, what happened, and the amounts."""
    budget = alert["budget"]
    spent = plain_usd(Decimal(alert["spent"]))
    limit = plain_usd(Decimal(budget["limit"]))
    if alert["kind"] == "denied":
        what = "refused a request"
    else:
        what = f"reached {alert['thresholdPercent']}%"
    return (
        f"budget alert: budget {budget['name']!r} ({budget['id']}, {budget['scope']}, "
        f"{budget['periodKey']}) {what}: {spent} USD spent of {limit} USD"
    )


class BudgetAlerts:
    def __init__(
        self,
        engine: AsyncEngine,
        config: BudgetAlertsConfig,
        http: aiohttp.ClientSession | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._config = config
        self._thresholds = sorted(set(config.thresholds))
        self._http = http
        self._clock = clock
        self._fired: set[tuple[str, str, str, int | None]] = set()
        self._queue: asyncio.Queue[tuple[tuple[Any, ...], dict[str, Any]]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        self.claimed = 0  # alerts this instance fired
        self.delivered = 0  # webhooks answered 2xx

    # -- the request path (queue only) ---------------------------------------------------------

    def spent_changed(self, budget: BudgetSpec, bucket: Bucket, spent: int) -> None:
        """Settled spend of ``bucket`` is now ``spent`` nano-dollars."""
        if bucket.limit <= 0:
            return
        own = budget.alert_thresholds  # () switches threshold alerts off for this budget
        for threshold in self._thresholds if own is None else own:
            if spent * 100 < bucket.limit * threshold:
                break
            self._fire(budget, bucket, "threshold", threshold, spent)

    def denied(self, budget: BudgetSpec, bucket: Bucket, spent: int) -> None:
        """``budget`` refused a request."""
        self._fire(budget, bucket, "denied", None, spent)

    def _fire(
        self, budget: BudgetSpec, bucket: Bucket, kind: str, threshold: int | None, spent: int
    ) -> None:
        key = (budget.id, bucket.period_key, kind, threshold)
        if key in self._fired:
            return
        self._fired.add(key)
        if len(self._fired) > 100_000:  # periods roll over: forget, the database remembers
            self._fired = {key}
        now = self._clock()
        self._queue.put_nowait(
            (
                key,
                {
                    "id": alert_id(budget.id, bucket.period_key, kind, threshold),
                    "type": ALERT_ACTION,
                    "createdAt": now.isoformat(),
                    "orgId": budget.org_id,
                    "kind": kind,
                    "thresholdPercent": threshold,
                    "spent": f"{from_nanos(spent).normalize():f}",
                    "budget": {
                        "id": budget.id,
                        "name": budget.name,
                        "scope": budget.scope,
                        "userId": budget.user_id,
                        "apiKeyId": budget.api_key_id,
                        "period": budget.period,
                        "periodKey": bucket.period_key,
                        "limit": f"{budget.amount.normalize():f}",
                    },
                },
            )
        )

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> None:
        self._worker = asyncio.create_task(self._claim_forever(), name="budget-alerts")

    async def wait_idle(self) -> None:
        """Until every queued alert is claimed and every delivery finished (tests)."""
        await self._queue.join()
        while self._deliveries:
            await asyncio.gather(*self._deliveries, return_exceptions=True)
            await asyncio.sleep(0)  # let the done-callbacks run

    async def aclose(self, grace_seconds: float = 2.0) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace_seconds):
                await self.wait_idle()
        tasks = [t for t in (self._worker, *self._deliveries) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- claiming -------------------------------------------------------------------------------

    async def _claim_forever(self) -> None:
        while True:
            key, alert = await self._queue.get()
            try:
                claimed = await self._claim(alert)
                if claimed is None:
                    self._fired.discard(key)  # the database is down: the next settle retries
                elif claimed:
                    self.claimed += 1
                    log.info("%s", alert_text(alert))
                    if self._http is not None and self._config.webhook_url:
                        task = asyncio.create_task(self._deliver(alert))
                        self._deliveries.add(task)
                        task.add_done_callback(self._deliveries.discard)
            finally:
                self._queue.task_done()

    async def _claim(self, alert: dict[str, Any]) -> bool | None:
        """True: this instance fired it; False: another did; None: the database is down."""
        row = {
            "id": alert["id"],
            "user_id": None,
            "org_id": alert["orgId"],
            "api_key_id": alert["budget"]["apiKeyId"],
            "action": ALERT_ACTION,
            "resource": f"budget:{alert['budget']['id']}",
            "details": alert,
            "created_at": self._clock(),
        }
        for attempt in range(CLAIM_ATTEMPTS):
            try:
                async with self._engine.begin() as connection:
                    return await insert_audit_once(connection, row)
            except Exception as error:
                log.warning("recording a budget alert failed: %s", type(error).__name__)
                await asyncio.sleep(min(10.0, 0.2 * 2**attempt))
        return None

    # -- the webhook ----------------------------------------------------------------------------

    async def _deliver(self, alert: dict[str, Any]) -> None:
        assert self._http is not None and self._config.webhook_url and self._config.webhook_secret
        body = orjson.dumps(alert)
        config = self._config
        for attempt in range(config.webhook_max_attempts):
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(config.webhook_secret, timestamp, body),
                "X-Governs-Event": ALERT_ACTION,
                "X-Governs-Delivery": alert["id"],
            }
            try:
                async with self._http.post(
                    config.webhook_url,
                    data=body,
                    headers=headers,
                    timeout=aiohttp.ClientTimeout(total=config.webhook_timeout_seconds),
                ) as response:
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as error:
                log.warning("budget webhook failed (attempt %d): %s", attempt + 1, error)
            else:
                if 200 <= status < 300:
                    self.delivered += 1
                    return
                if status < 500 and status not in RETRY_STATUSES:
                    log.error("budget webhook refused with %d: not retried", status)
                    return
                log.warning("budget webhook answered %d (attempt %d)", status, attempt + 1)
            if attempt + 1 < config.webhook_max_attempts:
                backoff = min(
                    config.webhook_backoff_max_seconds,
                    config.webhook_backoff_initial_seconds * 2**attempt,
                )
                await asyncio.sleep(backoff * (0.5 + random.random() / 2))
        log.error("budget webhook %s given up after %d attempts", alert["id"], attempt + 1)
