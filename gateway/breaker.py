"""A circuit breaker per deployment: stop sending traffic to one that keeps failing.

Closed → after ``failure_threshold`` consecutive failures, open → once the open time has
passed, half-open: one trial call is let through; its success closes the breaker, its failure
opens it again for twice as long. The first open time is ``initial_reset_seconds``, doubling up
to ``reset_seconds``, so a short upstream outage costs about its own length, not a full reset
time, while a long one is probed rarely. Failures of calls that started before the breaker
opened say nothing new and do not push the trial back; a trial whose call was abandoned
(the client went away) frees the slot at once. State is per process: each instance learns a
deployment's health from its own traffic.
"""

from __future__ import annotations

import time


class CircuitBreaker:
    def __init__(
        self,
        failure_threshold: int,
        reset_seconds: float,
        initial_reset_seconds: float | None = None,
    ) -> None:
        self._threshold = failure_threshold
        self._max_open = reset_seconds
        self._first_open = min(initial_reset_seconds or reset_seconds, reset_seconds)
        self._open_for = self._first_open
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_started: float | None = None

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        if time.monotonic() - self._opened_at >= self._open_for:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        state = self.state
        if state == "closed":
            return True
        if state != "half_open":
            return False
        now = time.monotonic()
        # A trial never reported (its task died) does not hold the slot forever.
        if self._trial_started is None or now - self._trial_started >= self._max_open:
            self._trial_started = now
            return True
        return False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_started = None
        self._open_for = self._first_open

    def record_failure(self, started: float | None = None) -> None:
        """A call that began at ``started`` (``time.monotonic()``; None: just now) failed."""
        now = time.monotonic()
        if self._opened_at is None:
            self._failures += 1
            if self._failures >= self._threshold:
                self._open(now)
        elif started is None or started >= self._opened_at:  # the trial failed
            self._open_for = min(self._open_for * 2, self._max_open)
            self._open(now)

    def abandon(self, started: float) -> None:
        """The call that began at ``started`` ended with no verdict (cancelled): if it was the
        trial, the next call may be one."""
        if self._trial_started is not None and started >= self._trial_started:
            self._trial_started = None

    def _open(self, now: float) -> None:
        self._opened_at = now
        self._trial_started = None
