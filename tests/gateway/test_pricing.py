"""Prices: the shipped table, lookups by upstream name, config overrides and Decimal costs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.errors import ConfigError
from core.settings import ModelConfig, Settings, settings_from_mapping
from gateway.pricing import Prices, PriceTable, Pricing, cost_of
from providers.base import Usage

D = Decimal


@pytest.fixture(scope="module")
def table() -> PriceTable:
    return PriceTable.load()


def settings(models: list[dict[str, Any]], **extra: Any) -> Settings:
    return settings_from_mapping(
        {
            "providers": [
                {"name": "p", "kind": "openai", "base_url": "http://127.0.0.1:9"},
                {"name": "echo", "kind": "echo"},
            ],
            "models": models,
            **extra,
        },
        environ={},
    )


def served(config: Settings, name: str) -> ModelConfig:
    model = next(m for m in config.models if m.name == name)
    return model.priced_for(model.served_by()[0])


@pytest.mark.parametrize(
    "name",
    [
        "gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o3", "o4-mini",
        "gpt-5", "gpt-5-mini", "gpt-5-nano", "claude-opus-4-5", "claude-opus-4-1",
        "claude-sonnet-4-5", "claude-sonnet-4", "claude-haiku-4-5", "gemini-2.5-pro",
        "gemini-2.5-flash", "gemini-2.5-flash-lite",
    ],
)  # fmt: skip
def test_the_table_prices_the_current_models(table: PriceTable, name: str) -> None:
    prices = table.lookup(name)
    assert prices is not None and prices.input > 0 and prices.output > prices.input
    assert prices.max_output_tokens and prices.max_output_tokens >= 8192
    assert prices.cached_input is not None and prices.cached_input < prices.input


@pytest.mark.parametrize(
    ("upstream", "listed_as"),
    [
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("GPT-4.1-2025-04-14", "gpt-4.1"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),  # Vertex AI's spelling
        ("claude-sonnet-4-0", "claude-sonnet-4"),  # an alias in the table
        ("claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("gpt-5-chat-latest", "gpt-5-chat"),
        ("openai/gpt-4.1-mini", "gpt-4.1-mini"),
        ("models/gemini-2.5-flash", "gemini-2.5-flash"),
        ("gemini-2.5-flash-preview-09-2025", "gemini-2.5-flash"),
    ],
)
def test_snapshots_and_aliases_find_their_model(
    table: PriceTable, upstream: str, listed_as: str
) -> None:
    assert table.lookup(upstream) == table.lookup(listed_as) is not None


def test_a_snapshot_with_its_own_price_keeps_it(table: PriceTable) -> None:
    old = table.lookup("gpt-4o-2024-05-13")
    assert old is not None and old.input == D("5.00") and old.output == D("15.00")


@pytest.mark.parametrize(
    "upstream", ["gpt-4o-audio-preview", "gpt-5-codex-max", "my-finetune", "llama-3.1-8b", ""]
)
def test_unlisted_models_have_no_price_never_a_guess(table: PriceTable, upstream: str) -> None:
    assert table.lookup(upstream) is None


def test_a_broken_table_stops_start_up(tmp_path: Path) -> None:
    bad = tmp_path / "prices.yaml"
    bad.write_text("models: {x: {input: 1, output: 2, typo: 3}}\n")
    with pytest.raises(ConfigError, match="invalid"):
        PriceTable.load(bad)


def test_cost_prices_cached_and_cache_written_tokens_apart() -> None:
    prices = Prices(D("3"), D("15"), cached_input=D("0.30"), cache_write=D("3.75"))
    usage = Usage(
        input_tokens=10_000, output_tokens=1_000, cached_input_tokens=6_000,
        cache_write_input_tokens=2_000,
    )  # fmt: skip
    # 2000 plain x 3 + 6000 cached x 0.30 + 2000 written x 3.75 + 1000 out x 15, per million
    assert prices.cost(usage) == D("0.0003") * 20 + D("0.0018") + D("0.0075") + D("0.015")
    assert prices.cost(usage) == D("0.0303")


def test_cost_is_exact_decimal() -> None:
    prices = Prices(D("0.05"), D("0.40"), cached_input=D("0.005"))  # gpt-5-nano
    assert prices.cost(Usage(input_tokens=3, output_tokens=1)) == D("0.00000055")


def test_long_context_prices_the_whole_call(table: PriceTable) -> None:
    pro = table.lookup("gemini-2.5-pro")
    assert pro is not None
    assert pro.cost(Usage(input_tokens=200_000, output_tokens=1_000_000)) == D("10.25")
    assert pro.cost(Usage(input_tokens=200_001, output_tokens=1_000_000)) == D("15.5000025")


def test_worst_case_takes_the_dearest_input_price() -> None:
    prices = Prices(D("3"), D("15"), cached_input=D("0.30"), cache_write=D("3.75"))
    assert prices.worst_case(1_000_000, 1_000_000) == D("18.75")


def test_config_prices_override_the_table_but_keep_its_output_limit() -> None:
    config = settings(
        [
            {"name": "listed", "provider": "p", "upstream_model": "gpt-4o-mini"},
            {"name": "negotiated", "provider": "p", "upstream_model": "gpt-4o-mini",
             "input_cost_per_mtok": "0.10", "output_cost_per_mtok": "0.50"},
            {"name": "custom", "provider": "p", "upstream_model": "my-finetune"},
            {"name": "echo", "provider": "echo"},
        ],
        pricing={"models": {"my-finetune": {
            "input_per_mtok": "1", "output_per_mtok": "2", "cache_write_per_mtok": "1.5",
            "max_output_tokens": 4096}}},
    )  # fmt: skip
    pricing = Pricing(config, PriceTable.load())
    listed = pricing.prices_for(served(config, "listed"))
    assert listed is not None and (listed.input, listed.cached_input) == (D("0.15"), D("0.075"))
    negotiated = pricing.prices_for(served(config, "negotiated"))
    assert negotiated == Prices(D("0.10"), D("0.50"), max_output_tokens=16384)
    custom = pricing.prices_for(served(config, "custom"))
    assert custom == Prices(D(1), D(2), cache_write=D("1.5"), max_output_tokens=4096)
    assert pricing.prices_for(served(config, "echo")) == Prices(D(0), D(0))
    assert pricing.unpriced() == []


def test_deployment_prices_apply_per_deployment() -> None:
    config = settings(
        [{"name": "m", "deployments": [
            {"provider": "p", "upstream_model": "gpt-4o"},
            {"provider": "p", "upstream_model": "gpt-4o", "input_cost_per_mtok": "1",
             "output_cost_per_mtok": "4"}]}]
    )  # fmt: skip
    pricing = Pricing(config, PriceTable.load())
    model = config.models[0]
    first, second = (model.priced_for(d) for d in model.served_by())
    usage = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    assert (pricing.cost(usage, first), pricing.cost(usage, second)) == (D("12.5"), D(5))


def test_unpriced_models_are_listed_for_the_start_up_warning() -> None:
    config = settings(
        [
            {"name": "mine", "provider": "p", "upstream_model": "my-finetune"},
            {"name": "half", "provider": "p", "upstream_model": "x", "input_cost_per_mtok": "1"},
            {"name": "gpt", "provider": "p", "upstream_model": "gpt-4o"},
        ]
    )
    assert Pricing(config, PriceTable.load()).unpriced() == ["mine (p/my-finetune)", "half (p/x)"]
    no_table = settings([{"name": "gpt", "provider": "p"}], pricing={"builtin_table": False})
    assert Pricing.from_settings(no_table).unpriced() == ["gpt (p/gpt)"]
    usage = Usage(input_tokens=1, output_tokens=1)
    assert Pricing.from_settings(no_table).cost(usage, served(no_table, "gpt")) is None


def test_worst_case_cost_covers_every_candidate_and_the_output_limits() -> None:
    config = settings(
        [
            {"name": "mini", "provider": "p", "upstream_model": "gpt-4o-mini"},
            {"name": "big", "provider": "p", "upstream_model": "gpt-4o"},
            {"name": "mine", "provider": "p", "upstream_model": "my-finetune"},
        ]
    )
    pricing = Pricing(config, PriceTable.load())
    mini, big, mine = (served(config, n) for n in ("mini", "big", "mine"))
    worst = pricing.worst_case_cost
    # Asked for more than gpt-4o-mini can write: capped at its 16384.
    assert (
        worst([mini], 1000, 10**6, default_output_tokens=1)
        == (D(1000) * D("0.15") + D(16384) * D("0.60")) / 10**6
    )
    # No max_tokens: the model's own limit, times the choices.
    assert worst([big], 0, None, choices=2, default_output_tokens=1) == D(32768) * 10 / 10**6
    assert worst([mini, big], 10, 10, default_output_tokens=1) == D(10) * D("12.5") / 10**6
    assert worst([mini, mine], 10, 10, default_output_tokens=1) is None


@pytest.mark.parametrize(
    "usage",
    [
        Usage(input_tokens=1234, output_tokens=567),
        Usage(input_tokens=1000, output_tokens=10, cached_input_tokens=400),
        Usage(input_tokens=10, output_tokens=10, cached_input_tokens=50),  # more cached than in
        Usage(input_tokens=1000, output_tokens=0, cache_write_input_tokens=300),
    ],
)
def test_cost_of_keeps_its_behaviour(usage: Usage) -> None:
    model = ModelConfig(
        name="m", provider="p", input_cost_per_mtok=D("2.5"), output_cost_per_mtok=D("10"),
        cached_input_cost_per_mtok=D("1.25"),
    )  # fmt: skip
    cached = min(usage.cached_input_tokens, usage.input_tokens)
    before = (
        (usage.input_tokens - cached) * D("2.5") + cached * D("1.25") + usage.output_tokens * 10
    ) / 10**6
    assert cost_of(usage, model) == before
    assert cost_of(usage, model.model_copy(update={"output_cost_per_mtok": None})) is None
