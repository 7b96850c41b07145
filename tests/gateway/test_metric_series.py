"""The plain-number series expose exactly what prometheus_client's own metrics would."""

from __future__ import annotations

import random
import re

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.registry import Collector

from gateway.metric_series import CounterSeries, HistogramSeries, families

BUCKETS = (0.0001, 0.001, 0.005, 0.01, 0.5, 1, 30)


class _Series(Collector):
    def __init__(self, *series: CounterSeries | HistogramSeries) -> None:
        self._series = series

    def collect(self):  # type: ignore[no-untyped-def]
        return families(self._series)


def exposition(registry: CollectorRegistry) -> str:
    # Creation times differ by microseconds between the two; everything else must match.
    return re.sub(r"(_created(\{[^}]*\})?) \S+", r"\1 T", generate_latest(registry).decode())


def test_counters_and_histograms_match_prometheus_client() -> None:
    reference, ours = CollectorRegistry(), CollectorRegistry()
    counter = Counter("c", "a counter", ("kind", "name"), registry=reference)
    plain = Counter("plain", "no labels", registry=reference)
    histogram = Histogram("h", "a histogram", ("route",), buckets=BUCKETS, registry=reference)
    counter_series = CounterSeries("c", "a counter", ("kind", "name"))
    plain_series = CounterSeries("plain", "no labels")
    histogram_series = HistogramSeries("h", "a histogram", ("route",), BUCKETS)
    ours.register(_Series(counter_series, plain_series, histogram_series))

    draws = random.Random(3)
    values = [draws.choice(BUCKETS) for _ in range(50)]  # exactly on a bound: "le" is <=
    values += [draws.uniform(0, 40) for _ in range(500)] + [0.0, 1e-9, 1e9]
    for value in values:
        route = draws.choice(("/a", "/b", 'quote"and\\slash'))
        histogram.labels(route).observe(value)
        histogram_series.observe((route,), value)
        kind, amount = draws.choice(("x", "y")), draws.choice((1, 2.5, 0))
        counter.labels(kind, route).inc(amount)
        counter_series.inc((kind, route), amount)
    plain.inc(3)
    plain_series.inc((), 3)

    assert exposition(ours) == exposition(reference)


def test_an_unlabelled_counter_shows_zero_before_any_update() -> None:
    reference, ours = CollectorRegistry(), CollectorRegistry()
    Counter("denials", "denied", registry=reference)
    ours.register(_Series(CounterSeries("denials", "denied")))
    assert exposition(ours) == exposition(reference)
    assert "denials_total 0.0" in exposition(ours)
