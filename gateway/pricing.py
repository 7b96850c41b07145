"""Prices and costs, as Decimal end to end.

Where a served model's prices come from, first match wins:

1. the model's (or its deployment's) own ``input_cost_per_mtok`` and ``output_cost_per_mtok``
   (with ``cached_input_cost_per_mtok``);
2. ``pricing.models[<upstream model name>]`` in config;
3. the shipped table ``gateway/data/prices.yaml`` (unless ``pricing.builtin_table`` is false), by
   upstream model name, one of its aliases, or the name without its snapshot date
   (``gpt-4o-2024-08-06`` -> ``gpt-4o``, ``claude-sonnet-4-5-20250929`` -> ``claude-sonnet-4-5``).

Deployments on the built-in ``echo`` provider cost nothing. Anything else has no price: its cost
is None (recorded as unknown, never as zero) and ``Pricing.unpriced()`` names it for the start-up
warning. A provider's own figure for what a call cost is never used: cost is always tokens times
these prices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ConfigError
from core.settings import ModelConfig, ModelPriceConfig, Settings
from providers.base import Usage

PER_MILLION = Decimal(1_000_000)
# A dated snapshot's suffix: OpenAI's -2024-08-06, Anthropic's -20250929 (Vertex: @20250929).
_SNAPSHOT = re.compile(r"(-\d{4}-\d{2}-\d{2}|[-@]\d{8}|-latest)$")
FREE_PROVIDER_KINDS = frozenset({"echo"})


@dataclass(frozen=True, slots=True)
class Prices:
    """One model's prices in USD per million tokens, and its own output limit (if known).

    ``cached_input`` and ``cache_write`` default to ``input``. Above ``long_context_above``
    prompt tokens the whole call is priced with ``long_context`` instead (Gemini 2.5 Pro, the
    1M-token context of Claude Sonnet 4.x).
    """

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    max_output_tokens: int | None = None
    long_context_above: int | None = None
    long_context: Prices | None = None

    def tier(self, input_tokens: int) -> Prices:
        if (
            self.long_context is not None
            and self.long_context_above is not None
            and input_tokens > self.long_context_above
        ):
            return self.long_context
        return self

    def cost(self, usage: Usage) -> Decimal:
        """USD cost of ``usage``: cached and cache-written prompt tokens at their own prices."""
        prices = self.tier(usage.input_tokens)
        cached = min(max(usage.cached_input_tokens, 0), usage.input_tokens)
        written = min(max(usage.cache_write_input_tokens, 0), usage.input_tokens - cached)
        uncached = usage.input_tokens - cached - written
        total = (
            uncached * prices.input
            + cached * _or(prices.cached_input, prices.input)
            + written * _or(prices.cache_write, prices.input)
            + usage.output_tokens * prices.output
        )
        return total / PER_MILLION

    def worst_case(self, input_tokens: int, output_tokens: int) -> Decimal:
        """The most a call of this size can cost: every prompt token at the dearest input
        price (a cache write costs more than a plain prompt token)."""
        prices = self.tier(input_tokens)
        dearest_input = max(
            prices.input,
            _or(prices.cache_write, prices.input),
            _or(prices.cached_input, prices.input),
        )
        return (input_tokens * dearest_input + output_tokens * prices.output) / PER_MILLION


def _or(price: Decimal | None, default: Decimal) -> Decimal:
    return default if price is None else price


# --- the shipped table -----------------------------------------------------------------------


class _TierEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    above_input_tokens: int = Field(ge=1)
    input: Decimal = Field(ge=0)
    output: Decimal = Field(ge=0)
    cached_input: Decimal | None = Field(None, ge=0)
    cache_write: Decimal | None = Field(None, ge=0)


class _TableEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    input: Decimal = Field(ge=0)
    output: Decimal = Field(ge=0)
    cached_input: Decimal | None = Field(None, ge=0)
    cache_write: Decimal | None = Field(None, ge=0)
    max_output_tokens: int | None = Field(None, ge=0)
    aliases: tuple[str, ...] = ()
    long_context: _TierEntry | None = None

    def prices(self) -> Prices:
        tier = self.long_context
        return Prices(
            input=self.input,
            output=self.output,
            cached_input=self.cached_input,
            cache_write=self.cache_write,
            max_output_tokens=self.max_output_tokens,
            long_context_above=tier.above_input_tokens if tier else None,
            long_context=(
                Prices(tier.input, tier.output, tier.cached_input, tier.cache_write)
                if tier
                else None
            ),
        )


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    models: dict[str, _TableEntry]


class PriceTable:
    """Prices by upstream model name, read once at start-up from YAML."""

    def __init__(self, prices: Mapping[str, Prices]) -> None:
        self._prices = {name.lower(): price for name, price in prices.items()}

    @classmethod
    def load(cls, source: Traversable | Path | None = None) -> PriceTable:
        """Read the table at ``source`` (default: the shipped ``gateway/data/prices.yaml``)."""
        path = files("gateway") / "data" / "prices.yaml" if source is None else source
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(f"cannot read the price table {path}: {error}") from None
        try:
            table = _Table.model_validate(_decimal_strings(raw))
        except ValidationError as error:
            raise ConfigError(f"the price table {path} is invalid: {error}") from None
        prices: dict[str, Prices] = {}
        for name, entry in table.models.items():
            for key in (name, *entry.aliases):
                prices[key] = entry.prices()
        return cls(prices)

    def __len__(self) -> int:
        return len(self._prices)

    def lookup(self, upstream_model: str) -> Prices | None:
        """Prices of ``upstream_model`` (a ``provider/`` prefix is ignored), of its alias, or of
        the model a dated snapshot of it belongs to; None when it is not listed."""
        name = upstream_model.rsplit("/", 1)[-1].lower()
        found = self._prices.get(name)
        if found is None:
            undated = _SNAPSHOT.sub("", name)
            if undated != name:
                found = self._prices.get(undated)
        return found


def _decimal_strings(value: object) -> object:
    # YAML reads 0.075 as a float; its shortest repr is the written figure, so go through str.
    if isinstance(value, float):
        return str(value)
    if isinstance(value, dict):
        return {k: _decimal_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimal_strings(v) for v in value]
    return value


# --- prices of served models -----------------------------------------------------------------


def config_prices(model: ModelConfig) -> Prices | None:
    """The prices a model's own config gives, or None unless it names input and output."""
    if model.input_cost_per_mtok is None or model.output_cost_per_mtok is None:
        return None
    return Prices(
        input=model.input_cost_per_mtok,
        output=model.output_cost_per_mtok,
        cached_input=model.cached_input_cost_per_mtok,
    )


def _override_prices(config: ModelPriceConfig) -> Prices:
    return Prices(
        input=config.input_per_mtok,
        output=config.output_per_mtok,
        cached_input=config.cached_input_per_mtok,
        cache_write=config.cache_write_per_mtok,
        max_output_tokens=config.max_output_tokens,
    )


class Pricing:
    """Effective prices of served models: config over ``pricing.models`` over the table."""

    def __init__(self, settings: Settings, table: PriceTable | None) -> None:
        self._settings = settings
        self._table = table
        self._overrides = {
            name.lower(): _override_prices(config)
            for name, config in settings.pricing.models.items()
        }
        self._free = {p.name for p in settings.providers if p.kind in FREE_PROVIDER_KINDS}
        self._memo: dict[tuple[object, ...], Prices | None] = {}

    @classmethod
    def from_settings(cls, settings: Settings) -> Pricing:
        """Build it at start-up (reads the shipped table from disk once)."""
        table = PriceTable.load() if settings.pricing.builtin_table else None
        return cls(settings, table)

    def prices_for(self, model: ModelConfig) -> Prices | None:
        """Prices of ``model`` as served by one deployment (``Route.model``); None: unpriced."""
        key = (
            model.provider,
            model.upstream_name,
            model.input_cost_per_mtok,
            model.output_cost_per_mtok,
            model.cached_input_cost_per_mtok,
            model.max_output_tokens,
        )
        try:
            return self._memo[key]
        except KeyError:
            pass
        prices = self._resolve(model)
        if len(self._memo) < 4096:  # `provider/model` names come from clients: stay bounded
            self._memo[key] = prices
        return prices

    def _resolve(self, model: ModelConfig) -> Prices | None:
        prices = self._resolve_prices(model)
        if prices is not None and model.max_output_tokens is not None:
            return replace(prices, max_output_tokens=model.max_output_tokens)
        return prices

    def _resolve_prices(self, model: ModelConfig) -> Prices | None:
        if model.provider in self._free:
            return Prices(Decimal(0), Decimal(0))
        listed = self._listed(model.upstream_name)
        own = config_prices(model)
        if own is not None:
            # Config prices replace the listed ones; the output limit is not a price: keep it.
            limit = listed.max_output_tokens if listed is not None else None
            return Prices(own.input, own.output, own.cached_input, max_output_tokens=limit)
        return listed

    def _listed(self, upstream_model: str) -> Prices | None:
        name = upstream_model.rsplit("/", 1)[-1].lower()
        override = self._overrides.get(name)
        if override is not None:
            return override
        return self._table.lookup(upstream_model) if self._table is not None else None

    def cost(self, usage: Usage, model: ModelConfig) -> Decimal | None:
        """USD cost of ``usage`` on the served ``model``; None when it has no price."""
        prices = self.prices_for(model)
        return None if prices is None else prices.cost(usage)

    def worst_case_cost(
        self,
        models: Iterable[ModelConfig],
        input_tokens: int,
        output_tokens: int | None,
        *,
        choices: int = 1,
        default_output_tokens: int,
    ) -> Decimal | None:
        """The most a request may cost on whichever of ``models`` (served deployments) serves
        it. ``output_tokens`` is what the client asked for per choice (None: the model's own
        limit, or ``default_output_tokens`` when that is unknown). None if any is unpriced."""
        worst: Decimal | None = None
        for model in models:
            prices = self.prices_for(model)
            if prices is None:
                return None
            limit = prices.max_output_tokens
            if output_tokens is None:
                out = default_output_tokens if limit is None else limit
            else:
                out = output_tokens if limit is None else min(output_tokens, limit)
            cost = prices.worst_case(input_tokens, out * choices)
            if worst is None or cost > worst:
                worst = cost
        return worst

    def unpriced(self) -> list[str]:
        """Every configured deployment without a price, as ``model (provider/upstream)``."""
        missing = []
        for model in self._settings.models:
            for deployment in model.served_by():
                served = model.priced_for(deployment)
                if self.prices_for(served) is None:
                    missing.append(f"{model.name} ({deployment.provider}/{served.upstream_name})")
        return missing


def cost_of(usage: Usage, model: ModelConfig) -> Decimal | None:
    """USD cost of ``usage`` from the model's own config prices only (no table).

    Kept for its callers; ``Pricing.cost`` also uses ``pricing.models`` and the shipped table.
    """
    prices = config_prices(model)
    return None if prices is None else prices.cost(usage)
