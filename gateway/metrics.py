"""Prometheus metrics: one registry per app (never the process-wide default, so several apps can
run in one process), served at ``/metrics``.

What feeds them:

- ``request_metrics`` (middleware, outermost): requests by route, method and status, and the
  latency histograms: total, upstream, and the gateway's own overhead (total minus upstream).
  The pipeline marks the upstream part with ``upstream_started(request)`` and
  ``upstream_finished(request)``; a request without these marks has only a total.
- the writer's listeners: decisions by direction and outcome, PII findings by class (from a
  decision's ``detector_summary.piiDetected``), budget denials (a ``deny`` decision with a
  reason code starting ``budget``), tokens and cost (from ``usage_records`` rows).
- read at scrape time: the DLQ (spooled records and batches, rows set aside as dead letters),
  the writer's queue, its written / spooled / set-aside / dropped totals, task restarts and
  whether records flow, open live-feed connections.

``metrics.require_key: true`` makes scrapers send ``Authorization: Bearer <key>`` with the
``admin`` scope; by default ``/metrics`` is open, as Prometheus expects (keep it off the public
load balancer then). With ``--workers N`` each process has its own figures, and a scrape reaches
one of them: run one worker per container (or instance) and scrape each.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CollectorRegistry
from prometheus_client.aiohttp import make_aiohttp_handler
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from core.scopes import Scope
from core.settings import MetricsConfig
from gateway.auth import bearer_token
from gateway.health import HEALTH
from gateway.live import LIVE
from gateway.live.hub import RecentIds
from gateway.metric_series import CounterSeries, HistogramSeries, families
from gateway.services import GATEWAY
from gateway.writer import RecordWriter

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
OVERHEAD_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5)
MAX_LABEL_VALUES = 500  # per label: ingested rows must not grow the registry without bound
OTHER = "other"


class GatewayMetrics:
    """Every metric of one app, in its own registry. Updates are plain additions on the event
    loop's thread (``metric_series``); samples are built when Prometheus scrapes."""

    def __init__(self) -> None:
        self.requests = CounterSeries(
            "governs_http_requests", "HTTP requests answered", ("route", "method", "status")
        )
        self.request_seconds = HistogramSeries(
            "governs_request_duration_seconds",
            "Whole request, first byte in to last byte out",
            ("route",),
            LATENCY_BUCKETS,
        )
        self.upstream_seconds = HistogramSeries(
            "governs_upstream_duration_seconds",
            "Waiting on providers (retries included)",
            ("route",),
            LATENCY_BUCKETS,
        )
        self.overhead_seconds = HistogramSeries(
            "governs_gateway_overhead_seconds",
            "The gateway's own time: total minus upstream",
            ("route",),
            OVERHEAD_BUCKETS,
        )
        self.tokens = CounterSeries(
            "governs_tokens", "Tokens billed", ("provider", "model", "kind")
        )
        self.cost = CounterSeries(
            "governs_cost_usd", "Cost of priced usage in USD", ("provider", "model")
        )
        self.decisions = CounterSeries(
            "governs_decisions", "Decisions made or ingested", ("direction", "decision")
        )
        self.pii = CounterSeries("governs_pii_findings", "PII findings", ("class", "direction"))
        self.budget_denials = CounterSeries("governs_budget_denials", "Requests denied by a budget")
        self._label_values: dict[str, set[str]] = {}
        self._recent_decisions = RecentIds()  # an ingested decision sent twice counts once
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_SeriesCollector(self))
        self.serve = make_aiohttp_handler(self.registry)

    @property
    def series(self) -> tuple[CounterSeries | HistogramSeries, ...]:
        return (
            self.requests,
            self.request_seconds,
            self.upstream_seconds,
            self.overhead_seconds,
            self.tokens,
            self.cost,
            self.decisions,
            self.pii,
            self.budget_denials,
        )

    # -- what the pipeline and the listeners call ------------------------------------------

    def observe_request(
        self,
        route: str,
        method: str,
        status: int,
        total_s: float,
        upstream_s: float | None = None,
        overhead_s: float | None = None,
    ) -> None:
        # Routes are the app's own; a method is whatever a client sent, so it is bounded.
        self.requests.inc((route, self._bounded("method", method), str(status)))
        if status == 101:
            return  # a WebSocket's duration is its whole connection: not a latency
        labels = (route,)
        self.request_seconds.observe(labels, total_s)
        if upstream_s is not None:
            self.upstream_seconds.observe(labels, upstream_s)
        if overhead_s is not None:
            self.overhead_seconds.observe(labels, max(overhead_s, 0.0))

    def count_tokens(
        self, provider: str, model: str, input_tokens: int, output_tokens: int, cached: int = 0
    ) -> None:
        provider, model = self._bounded("provider", provider), self._bounded("model", model)
        self.tokens.inc((provider, model, "input"), max(input_tokens, 0))
        self.tokens.inc((provider, model, "output"), max(output_tokens, 0))
        if cached:
            self.tokens.inc((provider, model, "cached_input"), max(cached, 0))

    def add_cost(self, provider: str, model: str, cost: Decimal | float) -> None:
        labels = self._bounded("provider", provider), self._bounded("model", model)
        self.cost.inc(labels, max(float(cost), 0.0))

    def count_decision(self, direction: str, decision: str) -> None:
        labels = self._bounded("direction", direction), self._bounded("decision", decision)
        self.decisions.inc(labels)

    def count_pii(self, pii_class: str, direction: str, count: int = 1) -> None:
        labels = self._bounded("class", pii_class), self._bounded("direction", direction)
        self.pii.inc(labels, max(count, 0))

    def count_budget_denial(self) -> None:
        self.budget_denials.inc()

    def record(self, table: str, row: dict[str, Any]) -> None:
        """Writer listener: runs inside ``RecordWriter.submit``, so it never raises."""
        try:
            if table == "decisions":
                if self._recent_decisions.add(row["id"]):
                    self._decision_row(row)
            elif table == "usage_records":
                self._usage_row(row)
        except Exception as error:
            log.warning("metrics skipped a %s row: %s", table, type(error).__name__)

    def _decision_row(self, row: Mapping[str, Any]) -> None:
        direction, decision = str(row["direction"]), str(row["decision"])
        self.count_decision(direction, decision)
        summary = row.get("detector_summary")
        findings = summary.get("piiDetected") if isinstance(summary, dict) else None
        for finding in findings if isinstance(findings, list) else ():
            if isinstance(finding, dict) and isinstance(finding.get("class"), str):
                count = finding.get("count", 1)
                self.count_pii(finding["class"], direction, count if isinstance(count, int) else 1)
            elif isinstance(finding, str):
                self.count_pii(finding, direction)
        reasons = row.get("reasons") or ()
        if decision == "deny" and any(str(r).startswith("budget") for r in reasons):
            self.count_budget_denial()

    def _usage_row(self, row: Mapping[str, Any]) -> None:
        provider, model = str(row.get("provider") or ""), str(row.get("model") or "")
        self.count_tokens(
            provider,
            model,
            int(row.get("input_tokens") or 0),
            int(row.get("output_tokens") or 0),
            int(row.get("cached_input_tokens") or 0),
        )
        if row.get("cost") is not None:
            self.add_cost(provider, model, row["cost"])

    def _bounded(self, label: str, value: str) -> str:
        seen = self._label_values.setdefault(label, set())
        if value in seen:
            return value
        if len(seen) >= MAX_LABEL_VALUES:
            return OTHER
        seen.add(value)
        return value


class _SeriesCollector(Collector):
    def __init__(self, metrics: GatewayMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Any]:
        return families(self._metrics.series)


class _StateCollector(Collector):
    """Figures read when Prometheus scrapes: the writer, the DLQ and the live feed."""

    def __init__(self, app: web.Application) -> None:
        self._app = app

    def collect(self) -> Iterator[Any]:
        writer: RecordWriter = self._app[GATEWAY].writer
        yield GaugeMetricFamily(
            "governs_writer_queue_depth", "Rows queued for the writer", value=writer.queued
        )
        yield CounterMetricFamily(
            "governs_records_written", "Rows written to the database", value=writer.written
        )
        yield CounterMetricFamily(
            "governs_records_spooled", "Rows written to the spool (DLQ)", value=writer.spooled
        )
        yield CounterMetricFamily(
            "governs_records_dropped", "Rows neither written nor spooled", value=writer.dropped
        )
        yield CounterMetricFamily(
            "governs_records_set_aside",
            "Rows the database refused on their own, set aside as dead letters",
            value=writer.set_aside,
        )
        yield CounterMetricFamily(
            "governs_writer_restarts", "Writer tasks restarted after failing", value=writer.restarts
        )
        yield GaugeMetricFamily(
            "governs_records_flowing",
            "1 while records flow, 0 when stalled, backlogged or a writer task is down",
            value=0 if writer.problem else 1,
        )
        health = self._app.get(HEALTH)
        if health is not None:
            yield GaugeMetricFamily(
                "governs_dlq_records",
                "Records waiting in the spool (DLQ), every process",
                value=health.dead_letters.records,
            )
            yield GaugeMetricFamily(
                "governs_dlq_batches",
                "Batch files in the spool (DLQ)",
                value=health.dead_letters.batches,
            )
            yield GaugeMetricFamily(
                "governs_dead_letters",
                "Rows set aside in the spool's dead letters (counted in dlqCount), every process",
                value=health.dead_letters.set_aside,
            )
        live = self._app.get(LIVE)
        if live is not None:
            yield GaugeMetricFamily(
                "governs_live_connections", "Open /ws connections", value=len(live.connections)
            )
            if live.relay is not None:
                yield CounterMetricFamily(
                    "governs_live_relay_dropped",
                    "Decisions not relayed through Redis",
                    value=live.relay.dropped,
                )


METRICS = web.AppKey("metrics", GatewayMetrics)


# -- request timing ----------------------------------------------------------------------------


@dataclass(slots=True)
class _Timing:
    started: float
    upstream_started: float | None = None
    upstream_finished: float | None = None


_TIMING = web.RequestKey("governs_timing", _Timing)


def upstream_started(request: web.Request) -> None:
    """Mark the start of the upstream part (before the first attempt is opened)."""
    timing = request.get(_TIMING)
    if timing is not None and timing.upstream_started is None:
        timing.upstream_started = time.perf_counter()


def upstream_finished(request: web.Request) -> None:
    """Mark its end (the response read, or the stream's last event); without this mark the
    upstream part ends when the handler returns."""
    timing = request.get(_TIMING)
    if timing is not None and timing.upstream_started is not None:
        timing.upstream_finished = time.perf_counter()


@web.middleware
async def request_metrics(request: web.Request, handler: Handler) -> web.StreamResponse:
    metrics = request.app.get(METRICS)
    if metrics is None:
        return await handler(request)
    timing = _Timing(time.perf_counter())
    request[_TIMING] = timing
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exception:
        status = exception.status
        raise
    except asyncio.CancelledError:
        status = 499  # the client went away
        raise
    finally:
        ended = time.perf_counter()
        total = ended - timing.started
        upstream = None
        if timing.upstream_started is not None:
            upstream = (timing.upstream_finished or ended) - timing.upstream_started
        resource = request.match_info.route.resource
        metrics.observe_request(
            resource.canonical if resource is not None else "unmatched",
            request.method,
            status,
            total,
            upstream,
            None if upstream is None else total - upstream,
        )


# -- mounting ----------------------------------------------------------------------------------


def mount_metrics(app: web.Application, config: MetricsConfig) -> None:
    """Serve ``/metrics`` (after ``mount_health`` and ``mount_live``, whose figures it reads)."""
    if not config.enabled:
        return
    app.cleanup_ctx.append(_metrics_context)

    async def serve(request: web.Request) -> web.StreamResponse:
        if config.require_key:
            await request.app[GATEWAY].keys.authenticate(
                bearer_token(request.headers.get("Authorization")), Scope.ADMIN
            )
        return await request.app[METRICS].serve(request)

    app.router.add_get("/metrics", serve)


async def _metrics_context(app: web.Application) -> AsyncIterator[None]:
    metrics = GatewayMetrics()
    metrics.registry.register(_StateCollector(app))
    writer = app[GATEWAY].writer
    writer.listeners.append(metrics.record)
    app[METRICS] = metrics
    try:
        yield
    finally:
        writer.listeners.remove(metrics.record)
