"""Budget periods: calendar months and years in UTC, or ``total`` (all time).

A period is named by a key (``2025-11``, ``2025``, ``total``) that is part of every counter's
name in the ledger, so a new month starts at zero without anything being reset.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal, get_args

Period = Literal["monthly", "yearly", "total"]
PERIODS: tuple[str, ...] = get_args(Period)
# A finished period's counters are kept this long after it ends (late settles, listings).
COUNTER_GRACE = timedelta(days=40)


def period_bounds(period: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The period holding ``now``: [start, end) in UTC; ``total`` is unbounded."""
    now = now.astimezone(UTC)
    if period == "monthly":
        start = datetime(now.year, now.month, 1, tzinfo=UTC)
        end = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
        return start, end
    if period == "yearly":
        return datetime(now.year, 1, 1, tzinfo=UTC), datetime(now.year + 1, 1, 1, tzinfo=UTC)
    if period == "total":
        return None, None
    raise ValueError(f"unknown budget period {period!r}; known: {', '.join(PERIODS)}")


def period_key(period: str, now: datetime) -> str:
    """``2025-11`` for a month, ``2025`` for a year, ``total`` for all time."""
    now = now.astimezone(UTC)
    if period == "monthly":
        return f"{now.year:04d}-{now.month:02d}"
    if period == "yearly":
        return f"{now.year:04d}"
    if period == "total":
        return "total"
    raise ValueError(f"unknown budget period {period!r}; known: {', '.join(PERIODS)}")


def counter_expiry(period: str, now: datetime) -> int | None:
    """Unix time after which the period's counters may be dropped; None: keep them."""
    _, end = period_bounds(period, now)
    return None if end is None else int((end + COUNTER_GRACE).timestamp())
