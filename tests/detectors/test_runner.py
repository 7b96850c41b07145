from __future__ import annotations

import threading

import pytest

from detectors.base import DetectorError, Finding
from detectors.engine import DetectionEngine
from detectors.runner import scan_off_loop


class SlowDetector:
    name = "slow"
    classes = frozenset({"name"})

    def __init__(self, release: threading.Event | None = None) -> None:
        self.release = release
        self.thread: str | None = None

    def detect(self, text: str) -> list[Finding]:
        self.thread = threading.current_thread().name
        if self.release is not None:
            self.release.wait(5)
        return [Finding("name", 0, 4, 0.85, self.name)]


class FastDetector:
    name = "fast"
    classes = frozenset({"email"})

    def detect(self, text: str) -> list[Finding]:
        return [Finding("email", 5, 10, 0.95, self.name)]


async def test_slow_part_runs_in_a_thread() -> None:
    slow = SlowDetector()
    engine = DetectionEngine([FastDetector()], [slow])
    found = await scan_off_loop(engine, "Anna anna@x.io", frozenset({"name", "email"}))
    assert [x.pii_class for x in found] == ["name", "email"]
    assert slow.thread != threading.current_thread().name


async def test_slow_part_skipped_when_not_wanted() -> None:
    slow = SlowDetector()
    engine = DetectionEngine([FastDetector()], [slow])
    found = await scan_off_loop(engine, "x", frozenset({"email"}))
    assert [x.pii_class for x in found] == ["email"] and slow.thread is None


async def test_deadline_fails_closed() -> None:
    release = threading.Event()
    engine = DetectionEngine([], [SlowDetector(release)])
    try:
        with pytest.raises(DetectorError):
            await scan_off_loop(engine, "x", frozenset({"name"}), slow_timeout_seconds=0.05)
    finally:
        release.set()
