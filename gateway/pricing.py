"""Cost of a call from its usage and the model's prices, as Decimal end to end."""

from __future__ import annotations

from decimal import Decimal

from gateway.settings import ModelConfig
from providers.base import Usage

_PER_MILLION = Decimal(1_000_000)


def cost_of(usage: Usage, model: ModelConfig) -> Decimal | None:
    """USD cost of ``usage`` on ``model``; None when the model has no price (cost unknown)."""
    if model.input_cost_per_mtok is None or model.output_cost_per_mtok is None:
        return None
    cached_price = model.cached_input_cost_per_mtok
    if cached_price is None:
        cached_price = model.input_cost_per_mtok
    cached = min(usage.cached_input_tokens, usage.input_tokens)
    uncached = usage.input_tokens - cached
    total = (
        uncached * model.input_cost_per_mtok
        + cached * cached_price
        + usage.output_tokens * model.output_cost_per_mtok
    )
    return total / _PER_MILLION
