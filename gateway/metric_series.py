"""Counters and histograms kept as plain numbers, turned into Prometheus families when scraped.

prometheus_client's own ``Counter`` and ``Histogram`` take a lock, validate and walk their
buckets in Python on every update, a cost ``bench/run.py`` shows (saturation, metrics on and off;
figures in bench/RESULTS.md). Every update here happens
on the event loop's thread, so a dict entry and a float are enough: an update is a dict lookup
and an addition, and the work of building samples moves to the scrape. The exposition is the
same as prometheus_client's (``_total``, ``_created``, cumulative ``_bucket``, ``_sum``,
``_count``).
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.samples import Sample
from prometheus_client.utils import floatToGoString

Labels = tuple[str, ...]


class CounterSeries:
    """One counter family: ``inc(labels, amount)`` with label values in ``labelnames`` order."""

    def __init__(self, name: str, documentation: str, labelnames: Sequence[str] = ()) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self._values: dict[Labels, float] = {}
        self._created: dict[Labels, float] = {}
        if not self.labelnames:  # like prometheus_client: an unlabelled counter shows 0
            self._values[()] = 0.0
            self._created[()] = time.time()

    def inc(self, labels: Labels = (), amount: float = 1.0) -> None:
        try:
            self._values[labels] += amount
        except KeyError:  # a new series: its creation time first, so it is never without one
            self._created[labels] = time.time()
            self._values[labels] = amount

    def family(self) -> Metric:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for labels, value in list(self._values.items()):
            family.add_metric(labels, value, created=self._created[labels])
        return family


class _Histogram:
    __slots__ = ("counts", "created", "sum")

    def __init__(self, buckets: int) -> None:
        self.counts = [0] * (buckets + 1)  # the last one is +Inf
        self.sum = 0.0
        self.created = time.time()


class HistogramSeries:
    """One histogram family with fixed upper bounds (``le``), like prometheus_client's."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        buckets: Sequence[float],
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self._bounds = tuple(float(b) for b in buckets)
        self._le = [floatToGoString(b) for b in self._bounds] + ["+Inf"]
        self._series: dict[Labels, _Histogram] = {}

    def observe(self, labels: Labels, value: float) -> None:
        series = self._series.get(labels)
        if series is None:
            series = self._series[labels] = _Histogram(len(self._bounds))
        # The first bound >= value: a value on a bound counts in that bucket (le = "<=").
        series.counts[bisect.bisect_left(self._bounds, value)] += 1
        series.sum += value

    def family(self) -> Metric:
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for labels, series in list(self._series.items()):
            cumulative, buckets = 0, []
            for le, count in zip(self._le, series.counts, strict=True):
                cumulative += count
                buckets.append((le, float(cumulative)))
            family.add_metric(labels, buckets, series.sum)
            family.samples.append(
                Sample(
                    f"{self.name}_created",
                    dict(zip(self.labelnames, labels, strict=True)),
                    series.created,
                )
            )
        return family


def families(series: Sequence[CounterSeries | HistogramSeries]) -> Iterator[Metric]:
    for one in series:
        yield one.family()
