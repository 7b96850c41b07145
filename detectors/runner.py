"""Running an engine's scan from the event loop: NER in a thread, a deadline, fail closed.

    findings = await scan_off_loop(engine, text, classes, executor=pool, slow_timeout_seconds=0.5)

The fast detectors run inline (well under a millisecond for a typical prompt); the slow ones,
when the wanted classes need them, run in ``executor`` (None: the loop's default pool). Any
detector failure, and a scan that misses its deadline, raises ``DetectorError``: the caller
denies the request unless the policy says fail-open. A timed-out thread cannot be stopped; it
finishes in the background and its result is dropped.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor

from detectors.base import DetectorError, Finding
from detectors.engine import DetectionEngine


async def scan_off_loop(
    engine: DetectionEngine,
    text: str,
    classes: frozenset[str],
    *,
    executor: Executor | None = None,
    slow_timeout_seconds: float | None = None,
) -> list[Finding]:
    findings = engine.scan_fast(text, classes)
    if engine.needs_slow_scan(classes):
        loop = asyncio.get_running_loop()
        slow = loop.run_in_executor(executor, engine.scan_slow, text, classes)
        try:
            findings += await asyncio.wait_for(slow, slow_timeout_seconds)
        except TimeoutError as exc:
            raise DetectorError("slow_scan", f"no answer within {slow_timeout_seconds} s") from exc
    return engine.merge(findings, classes)
