"""Shared fixtures: one fake OpenAI upstream and one running gateway per database backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.openai_upstream import FAKE_OPENAI_KEY, start_fake_openai
from tests.fakes.server import FakeUpstream
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway
from tests.services import postgres_database

TEST_BOOTSTRAP_KEY = "gai_test-bootstrap-key-0123456789abcdef"
FAKE_BEHAVIOURS = (
    "",
    "-tools",
    "-no-usage",
    "-error-500",
    "-error-429",
    "-error-400",
    "-bad-json",
    "-cut",
    "-slow",
)


@pytest.fixture(scope="session")
def service_thread() -> Iterator[ServiceThread]:
    thread = ServiceThread()
    yield thread
    thread.stop()


@pytest.fixture(scope="session")
def fake_openai(service_thread: ServiceThread) -> Iterator[FakeUpstream]:
    fake = service_thread.run(start_fake_openai())
    yield fake
    service_thread.run(fake.close())


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    yield from postgres_database()


def proxy_config(fake: FakeUpstream, database_url: str, spool_dir: Path) -> dict[str, Any]:
    models: list[dict[str, Any]] = [
        {
            "name": f"gpt-4o-mini{behaviour}",
            "provider": "fake-openai",
            "input_cost_per_mtok": "0.15",
            "output_cost_per_mtok": "0.60",
        }
        for behaviour in FAKE_BEHAVIOURS
    ]
    models.append(
        {"name": "unpriced-model", "provider": "fake-openai", "upstream_model": "gpt-4o-mini"}
    )
    models.append({"name": "echo", "provider": "echo"})
    return {
        "database": {"url": database_url},
        "writer": {"flush_interval_seconds": 0.01, "spool_dir": str(spool_dir)},
        "server": {"max_body_bytes": 64 * 1024},
        "providers": [
            {
                "name": "fake-openai",
                "kind": "openai",
                "base_url": fake.base_url,
                "api_key": FAKE_OPENAI_KEY,
            },
            {"name": "echo", "kind": "echo"},
        ],
        "models": models,
    }


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def gateway(
    request: pytest.FixtureRequest,
    service_thread: ServiceThread,
    fake_openai: FakeUpstream,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    """The gateway on a real port, once with SQLite and once with PostgreSQL."""
    directory = tmp_path_factory.mktemp(f"gateway-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{directory / 'governs.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    settings = gateway_settings(
        proxy_config(fake_openai, url, directory / "spool"), bootstrap_key=TEST_BOOTSTRAP_KEY
    )
    running = start_gateway(service_thread, settings)
    yield running
    running.stop()
