"""``admin.sso``: the providers people sign in through, checked once at start-up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.errors import ConfigError
from core.settings import settings_from_mapping


def okta(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Okta",
        "issuer": "https://acme.okta.example",
        "client_id": "0oa1",
        "client_secret": "${OKTA_SECRET}",
        "allowed_domains": ["Acme.com", "@acme.co.uk"],
        "org": "acme",
        "role_claim": "groups",
        "role_map": {"gateway-admins": "ADMIN", "gateway-owners": "OWNER"},
        **overrides,
    }


def load(*providers: dict[str, Any]) -> Any:
    raw = {"admin": {"sso": list(providers)}}
    return settings_from_mapping(raw, environ={"OKTA_SECRET": "s3cret"}).admin


def test_the_documented_keys_load() -> None:
    (provider,) = load(okta()).sso
    assert provider.client_secret == "s3cret"
    assert provider.allowed_domains == ("acme.com", "acme.co.uk")
    assert provider.scopes == ("openid", "email", "profile")
    assert provider.default_role == "VIEWER"
    assert "s3cret" not in repr(provider)


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"colour": "red"}, "admin.sso.0.colour"),
        ({"scopes": ["email"]}, "scopes must include 'openid'"),
        ({"role_claim": None}, "role_map needs a role_claim"),
        ({"role_map": {"x": "SUPERUSER"}}, "admin.sso.0.role_map.x"),
        ({"default_role": "ROOT"}, "admin.sso.0.default_role"),
        ({"allowed_domains": []}, "admin.sso.0.allowed_domains"),
        ({"org": "Not A Slug"}, "admin.sso.0.org"),
        ({"issuer": "acme.okta.example"}, "admin.sso.0.issuer"),
        ({"name": "a/b"}, "admin.sso.0.name"),
    ],
)
def test_a_mistake_is_named(overrides: dict[str, Any], words: str) -> None:
    with pytest.raises(ConfigError, match="invalid configuration") as raised:
        load(okta(**overrides))
    assert words in str(raised.value)


def test_two_providers_cannot_share_a_name() -> None:
    with pytest.raises(ConfigError, match=r"duplicate admin\.sso provider names"):
        load(okta(), okta(name="okta"))


def test_a_bad_provider_stops_the_start_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(yaml.safe_dump({"admin": {"sso": [okta(scopes=["email"])]}}))
    result = subprocess.run(
        [sys.executable, "-m", "governs", "serve", "--config", "c.yaml"],
        cwd=tmp_path, env={**os.environ, "OKTA_SECRET": "x", "GOVERNS_BOOTSTRAP_KEY": ""},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "scopes must include 'openid'" in result.stderr
