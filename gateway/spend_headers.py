"""What a call cost and what its budget has left, as response headers.

    x-governs-cost: 0.000135              USD of this call, when its model is priced
    x-governs-budget-remaining: 4.99      USD the tightest budget binding the key has left

Headers go out before a stream's first byte, when its cost is not known yet: a stream gets no
``x-governs-cost`` (its cost is in its usage row), and its ``x-governs-budget-remaining`` is
what the tightest budget had left when the stream started, before this call's cost. Other
requests in flight are counted (their holds), so the figure never promises money they took.
"""

from __future__ import annotations

from decimal import Decimal

from gateway.budgets.guard import Reservation
from gateway.budgets.ledger import from_nanos, plain_usd

COST_HEADER = "x-governs-cost"
BUDGET_REMAINING_HEADER = "x-governs-budget-remaining"


def spend_headers(cost: Decimal | None, reservation: Reservation | None) -> dict[str, str]:
    """Headers of a whole answer whose cost is ``cost`` (None: the model has no price)."""
    headers: dict[str, str] = {}
    if cost is not None:
        headers[COST_HEADER] = plain_usd(cost)
    if reservation is not None and reservation.headroom is not None:
        remaining = reservation.remaining_after(cost)
        if remaining is not None:
            headers[BUDGET_REMAINING_HEADER] = plain_usd(remaining)
    return headers


def stream_headers(reservation: Reservation | None) -> dict[str, str]:
    """Headers of a stream: its budget's headroom before this call (see the module doc)."""
    if reservation is None or reservation.headroom is None:
        return {}
    return {BUDGET_REMAINING_HEADER: plain_usd(from_nanos(reservation.headroom))}
