"""``deploy/docker-compose.yml`` is closed to strangers and trusts only its own balancer's
``X-Forwarded-For`` (Docker does not run here: the file is checked, not started; the behaviour
behind a trusted proxy is tested on a running gateway in
``tests/admin_api/test_client_address_and_auth_audit.py``)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import yaml

from core.settings import settings_from_mapping

COMPOSE = Path(__file__).resolve().parents[2] / "deploy" / "docker-compose.yml"


def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_is_closed_to_strangers_and_trusts_only_its_balancer() -> None:
    spec = compose()
    config = settings_from_mapping(
        yaml.safe_load(spec["configs"]["governs_config"]["content"]),
        environ={"GOVERNS_DB_PASSWORD": "x", "OPENAI_API_KEY": ""},
    )
    assert config.admin.allow_signup is False
    balancer = spec["services"]["balancer"]["networks"]["default"]["ipv4_address"]
    assert [str(net) for net in config.server.trusted_proxies] == [f"{balancer}/32"]
    subnet = spec["networks"]["default"]["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(balancer) in ipaddress.ip_network(subnet)
    nginx = spec["configs"]["nginx_config"]["content"]
    # nginx appends the address it saw, so the rightmost untrusted hop is the real client.
    assert nginx.count("X-Forwarded-For $$proxy_add_x_forwarded_for") == 2
    # The bootstrap key must be set: there is no open default to fall back on.
    for name in ("gateway-1", "gateway-2"):
        environment = spec["services"][name]["environment"]
        assert environment["GOVERNS_BOOTSTRAP_KEY"].startswith("${GOVERNS_BOOTSTRAP_KEY:?")
