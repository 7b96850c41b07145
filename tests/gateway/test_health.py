"""``/healthz``, ``/readyz`` and ``/api/health`` on a running gateway, and the deployment files
that point load balancers and health checks at them."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.fakes.openai_upstream import FAKE_OPENAI_KEY
from tests.fakes.server import FakeUpstream
from tests.gateway.live.support import chat, new_key, small_gateway
from tests.harness import RunningGateway, ServiceThread

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def running(
    service_thread: ServiceThread,
    fake_openai: FakeUpstream,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    gateway = small_gateway(
        service_thread,
        tmp_path_factory.mktemp("health"),
        providers=[
            {"name": "echo", "kind": "echo"},
            {
                "name": "fake-openai",
                "kind": "openai",
                "base_url": fake_openai.base_url,
                "api_key": FAKE_OPENAI_KEY,
            },
        ],
        models=[
            {"name": "echo", "provider": "echo"},
            {
                "name": "failing",
                "provider": "fake-openai",
                "upstream_model": "gpt-4o-mini-error-500",
            },
        ],
        routing={"max_retries": 0, "breaker_failure_threshold": 1000},
    )
    yield gateway
    gateway.stop()


def pill(running: RunningGateway, key: str, **params: str) -> httpx.Response:
    return httpx.get(
        f"{running.base_url}/api/health",
        params=params,
        headers={"Authorization": f"Bearer {key}"},
    )


def test_healthz_says_alive(running: RunningGateway) -> None:
    response = httpx.get(f"{running.base_url}/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_checks_the_database_and_counts_providers(running: RunningGateway) -> None:
    response = httpx.get(f"{running.base_url}/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "redis": "not configured",
        "records": "ok",
        "providers": 2,
    }


def test_readyz_is_503_naming_redis_when_it_is_configured_but_down(
    service_thread: ServiceThread, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    gateway = small_gateway(
        service_thread,
        tmp_path,
        redis={"url": f"redis://127.0.0.1:{dead}/0"},
        health={"check_timeout_seconds": 0.5, "cache_seconds": 0},
    )
    try:
        response = httpx.get(f"{gateway.base_url}/readyz")
        assert response.status_code == 503
        assert response.json() == {
            "status": "not ready",
            "database": "ok",
            "redis": "unreachable",
            "records": "ok",
            "providers": 1,
        }
        # The proxy itself does not need Redis to serve.
        assert chat(gateway, gateway.api_key, f"no-redis-{uuid.uuid4().hex}") == 200
    finally:
        gateway.stop()


def test_the_health_pill_reports_the_orgs_true_figures(running: RunningGateway) -> None:
    key = new_key(running, ("decisions:read", "precheck:invoke"))
    empty = pill(running, key.secret)
    assert (empty.status_code, empty.json()) == (
        200,
        {
            "status": "healthy",
            "lastIngestTime": None,
            "dlqCount": 0,
            "totalDecisions": 0,
            "errorRate": 0.0,
        },
    )

    for n in range(3):
        assert chat(running, key.secret, f"ok-{n}-{uuid.uuid4().hex}") == 200
    assert chat(running, key.secret, f"bad-{uuid.uuid4().hex}", model="failing") == 500
    running.flush()
    figures = pill(running, key.secret).json()
    rows = running.rows("decisions", org_id=key.org_id)
    assert len(rows) == 8
    newest = max(r["ts"] for r in rows).replace(tzinfo=UTC)
    assert figures == {
        "status": "warning",  # one upstream failure in four postchecks: 25 %
        "lastIngestTime": newest.isoformat().replace("+00:00", "Z"),
        "dlqCount": 0,
        "totalDecisions": 8,
        "errorRate": 0.25,
    }

    for n in range(4):
        assert chat(running, key.secret, f"bad-{n}-{uuid.uuid4().hex}", model="failing") == 500
    running.flush()
    figures = pill(running, key.secret, orgId=key.slug).json()
    assert (figures["status"], figures["errorRate"], figures["totalDecisions"]) == (
        "error",
        0.625,
        16,
    )


@pytest.mark.parametrize(
    ("scopes", "params", "status", "code"),
    [
        (None, {}, 401, "missing_api_key"),
        (("precheck:invoke",), {}, 403, "insufficient_scope"),
        (("decisions:read",), {"orgId": "someone-elses"}, 404, "org_not_found"),
    ],
)
def test_the_health_pill_needs_decisions_read_in_the_org(
    running: RunningGateway,
    scopes: tuple[str, ...] | None,
    params: dict[str, str],
    status: int,
    code: str,
) -> None:
    headers = {}
    if scopes is not None:
        headers["Authorization"] = f"Bearer {new_key(running, scopes).secret}"
    response = httpx.get(f"{running.base_url}/api/health", params=params, headers=headers)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)


# -- deploy/docker-compose.yml (Docker does not run here: the file is checked, not started) ---


def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "deploy" / "docker-compose.yml").read_text())


def test_compose_runs_two_gateways_behind_a_balancer_sharing_postgres_and_redis() -> None:
    spec = compose()
    services = spec["services"]
    assert set(services) == {"postgres", "redis", "gateway-1", "gateway-2", "balancer"}
    for name in ("gateway-1", "gateway-2"):
        gateway = services[name]
        assert gateway["build"]["context"] == ".."
        assert gateway["environment"]["GOVERNS_CONFIG"] == "/etc/governs/config.yaml"
        assert {"source": "governs_config", "target": "/etc/governs/config.yaml"} in gateway[
            "configs"
        ]
        assert {"postgres", "redis"} <= set(gateway["depends_on"])
        assert "/healthz" in " ".join(gateway["healthcheck"]["test"])
        assert "ports" not in gateway  # only the balancer is published
    assert services["balancer"]["ports"] == ["8080:8080"]
    assert set(services["balancer"]["depends_on"]) == {"gateway-1", "gateway-2"}

    config = yaml.safe_load(spec["configs"]["governs_config"]["content"])
    assert config["database"]["url"].startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in config["database"]["url"]
    assert config["redis"]["url"] == "redis://redis:6379/0"
    assert config["server"]["host"] == "0.0.0.0"


def test_the_balancer_spreads_requests_passes_websockets_and_hides_metrics() -> None:
    nginx = compose()["configs"]["nginx_config"]["content"]
    assert "server gateway-1:8080" in nginx and "server gateway-2:8080" in nginx
    # Compose interpolates `$`: nginx variables must be written `$$` in the file.
    assert "proxy_set_header Upgrade $$http_upgrade;" in nginx
    assert "proxy_buffering off;" in nginx  # server-sent events flow as they come
    assert "location = /metrics" in nginx and "deny all;" in nginx
    stripped = nginx.replace("$$", "")
    assert "$" not in stripped
