"""Configuration: YAML with ${VAR} substitution, clear errors, defaults that answer at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ConfigError
from core.settings import load_settings, settings_from_mapping

ROOT = Path(__file__).resolve().parents[2]

ISSUE_SHAPE = """
server: {host: 127.0.0.1, port: 8080, workers: 1}
database: {url: "sqlite+aiosqlite:///governs.db"}
redis: {url: null}
providers:
  - name: openai
    kind: openai
    base_url: "https://example.invalid/v1"
    api_key: "${OPENAI_API_KEY}"
models:
  - name: gpt-4o-mini
    provider: openai
    upstream_model: gpt-4o-mini
    input_cost_per_mtok: 0.15
    output_cost_per_mtok: 0.60
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_the_documented_shape_loads_with_env_substitution(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ISSUE_SHAPE), environ={"OPENAI_API_KEY": "sk-1"})
    assert settings.providers[0].api_key == "sk-1"
    assert str(settings.models[0].input_cost_per_mtok) == "0.15"
    assert settings.redis.url is None


def test_a_missing_variable_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"OPENAI_API_KEY is not set \(at providers\[0\]\.api_key\)"
    ):
        load_settings(write(tmp_path, ISSUE_SHAPE), environ={})


def test_a_default_in_the_reference_is_used(tmp_path: Path) -> None:
    text = ISSUE_SHAPE.replace("${OPENAI_API_KEY}", "${OPENAI_API_KEY:-fallback}")
    assert load_settings(write(tmp_path, text), environ={}).providers[0].api_key == "fallback"


def test_unknown_keys_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"server\.prot: Extra inputs are not permitted"):
        load_settings(write(tmp_path, "server: {prot: 1}\n"), environ={})


def test_a_model_naming_an_unknown_provider_is_rejected() -> None:
    raw = {"providers": [{"name": "a", "kind": "echo"}], "models": [{"name": "m", "provider": "b"}]}
    with pytest.raises(ConfigError, match="names provider 'b'"):
        settings_from_mapping(raw, environ={})


def test_an_unknown_provider_kind_is_rejected() -> None:
    raw = {"providers": [{"name": "a", "kind": "cohere", "base_url": "x"}]}
    with pytest.raises(ConfigError, match=r"providers\.0\.kind"):
        settings_from_mapping(raw, environ={})


def test_no_config_means_sqlite_and_the_echo_model() -> None:
    settings = load_settings(None, environ={})
    assert settings.database.url.startswith("sqlite+aiosqlite:")
    assert [m.name for m in settings.models] == ["echo"]
    assert settings.providers[0].kind == "echo"


def test_bootstrap_key_comes_from_the_environment() -> None:
    settings = load_settings(None, environ={"GOVERNS_BOOTSTRAP_KEY": "gai_fixed"})
    assert settings.bootstrap_key == "gai_fixed"
    assert "gai_fixed" not in repr(settings)


def test_secrets_are_not_in_the_repr(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ISSUE_SHAPE), environ={"OPENAI_API_KEY": "sk-secret"})
    assert "sk-secret" not in repr(settings)


def test_config_example_is_valid() -> None:
    settings = load_settings(ROOT / "config.example.yaml", environ={"OPENAI_API_KEY": "sk"})
    assert {m.name for m in settings.models} >= {"gpt-4o-mini", "echo"}


def test_a_file_that_is_not_a_mapping_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="mapping"):
        load_settings(write(tmp_path, "- a\n- b\n"), environ={})


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_settings(tmp_path / "nope.yaml", environ={})


@pytest.mark.parametrize("kind", ["anthropic", "gemini", "echo"])
def test_only_openai_and_azure_can_have_the_responses_api(kind: str) -> None:
    """``responses_api`` on a kind whose API has no /v1/responses is a start-up error."""
    provider = {"name": "p", "kind": kind, "base_url": "http://x", "responses_api": True}
    with pytest.raises(ConfigError, match="responses_api"):
        settings_from_mapping({"providers": [provider]}, environ={}, source="<test>")
