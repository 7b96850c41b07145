"""Shared fixtures: one fake OpenAI upstream and one running gateway per database backend."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.anthropic_upstream import start_fake_anthropic
from tests.fakes.gemini_upstream import start_fake_gemini
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
    "-slowstream",
    "-gatedstream",
    "-parallel-tools",
    "-tools-echo",
)
# Served by an OpenAI provider with `responses_api: false`: /v1/responses is translated to chat.
CHAT_ONLY_BEHAVIOURS = ("", "-tools", "-parallel-tools", "-cut")
# Model names the tests use for each provider; the suffix picks the fake's behaviour.
CLAUDE_BEHAVIOURS = ("", "-tools", "-error-500", "-error-429", "-overloaded", "-cut", "-cached")
GEMINI_BEHAVIOURS = ("", "-tools", "-error-500", "-error-429", "-overloaded", "-cut", "-cached")


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
def fake_anthropic(service_thread: ServiceThread) -> Iterator[FakeUpstream]:
    fake = service_thread.run(start_fake_anthropic())
    yield fake
    service_thread.run(fake.close())


@pytest.fixture(scope="session")
def fake_gemini(service_thread: ServiceThread) -> Iterator[FakeUpstream]:
    fake = service_thread.run(start_fake_gemini())
    yield fake
    service_thread.run(fake.close())


@pytest.fixture(scope="session")
def fakes(
    fake_openai: FakeUpstream, fake_anthropic: FakeUpstream, fake_gemini: FakeUpstream
) -> dict[str, FakeUpstream]:
    """One fake upstream per provider kind, by kind."""
    return {"openai": fake_openai, "anthropic": fake_anthropic, "gemini": fake_gemini}


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    yield from postgres_database()


def proxy_config(
    fakes: dict[str, FakeUpstream], database_url: str, spool_dir: Path
) -> dict[str, Any]:
    priced = {"input_cost_per_mtok": "0.15", "output_cost_per_mtok": "0.60"}
    models: list[dict[str, Any]] = [
        {"name": f"gpt-4o-mini{behaviour}", "provider": "fake-openai", **priced}
        for behaviour in FAKE_BEHAVIOURS
    ]
    models += [
        {
            "name": f"claude{behaviour}",
            "provider": "fake-anthropic",
            "upstream_model": f"claude-sonnet-4-5{behaviour}",
            "input_cost_per_mtok": "3",
            "output_cost_per_mtok": "15",
            "cached_input_cost_per_mtok": "0.30",
        }
        for behaviour in CLAUDE_BEHAVIOURS
    ]
    models += [
        {
            "name": f"gemini{behaviour}",
            "provider": "fake-gemini",
            "upstream_model": f"gemini-2.5-flash{behaviour}",
            "input_cost_per_mtok": "0.30",
            "output_cost_per_mtok": "2.50",
        }
        for behaviour in GEMINI_BEHAVIOURS
    ]
    models += [
        {
            "name": f"chat-only-gpt{behaviour}",
            "provider": "fake-openai-chat-only",
            "upstream_model": f"gpt-4o-mini{behaviour}",
            **priced,
        }
        for behaviour in CHAT_ONLY_BEHAVIOURS
    ]
    models += [
        {"name": "unpriced-model", "provider": "fake-openai", "upstream_model": "gpt-4o-mini"},
        {
            "name": "gpt-4o-mini-by-hostname",
            "provider": "fake-openai-by-hostname",
            "upstream_model": "gpt-4o-mini",
        },
        {"name": "echo", "provider": "echo"},
        {
            "name": "azure-gpt-4o",
            "provider": "fake-azure",
            "upstream_model": "my-gpt-4o-deployment",
            **priced,
        },
        {
            "name": "azure-responses-gpt-4o",
            "provider": "fake-azure-responses",
            "upstream_model": "my-gpt-4o-deployment",
            **priced,
        },
        {
            "name": "azure-gpt-4o-tools",
            "provider": "fake-azure",
            "upstream_model": "my-gpt-4o-deployment-tools",
            **priced,
        },
        {
            "name": "text-embedding-3-small",
            "provider": "fake-openai",
            "input_cost_per_mtok": "0.02",
            "output_cost_per_mtok": "0",
        },
        {
            "name": "gemini-embedding",
            "provider": "fake-gemini",
            "upstream_model": "gemini-embedding-001",
            "input_cost_per_mtok": "0.15",
            "output_cost_per_mtok": "0",
        },
        # Routing: a failing deployment next to a healthy one; failing chains with fallbacks.
        {
            "name": "two-deployments",
            "deployments": [
                {"provider": "fake-openai", "upstream_model": "gpt-4o-mini-error-500"},
                {"provider": "fake-gemini", "upstream_model": "gemini-2.5-flash"},
            ],
            **priced,
        },
        {
            "name": "falls-back-to-claude",
            "provider": "fake-openai",
            "upstream_model": "gpt-4o-mini-error-500",
            "fallbacks": ["claude"],
            **priced,
        },
        {
            "name": "rate-limited-falls-back",
            "provider": "fake-anthropic",
            "upstream_model": "claude-sonnet-4-5-error-429",
            "fallbacks": ["gpt-4o-mini"],
            **priced,
        },
        {
            "name": "too-slow-falls-back",
            "provider": "fake-openai",
            "upstream_model": "gpt-4o-mini-slow",
            "timeout_seconds": 0.05,
            "fallbacks": ["gemini"],
            **priced,
        },
        {
            "name": "bad-request-no-retry",
            "provider": "fake-openai",
            "upstream_model": "gpt-4o-mini-error-400",
            "fallbacks": ["gpt-4o-mini"],
        },
    ]
    return {
        "database": {"url": database_url},
        "writer": {"flush_interval_seconds": 0.01, "spool_dir": str(spool_dir)},
        "server": {"max_body_bytes": 64 * 1024},
        # Prices come from the models below only, so costs in tests are known exactly.
        "pricing": {"builtin_table": False},
        "routing": {
            "backoff_initial_seconds": 0.01,
            "backoff_max_seconds": 0.05,
            "retry_after_max_seconds": 0.5,
            # Tests share this gateway: breakers must not open on other tests' failures.
            "breaker_failure_threshold": 1000,
            "breaker_reset_seconds": 60,
        },
        "providers": [
            {
                "name": "fake-openai",
                "kind": "openai",
                "base_url": fakes["openai"].base_url,
                "api_key": FAKE_OPENAI_KEY,
            },
            {
                "name": "fake-anthropic",
                "kind": "anthropic",
                "base_url": fakes["anthropic"].base_url,
                "api_key": "sk-ant-fake",
            },
            {
                "name": "fake-gemini",
                "kind": "gemini",
                "base_url": fakes["gemini"].base_url,
                "api_key": "gemini-fake-key",
            },
            {
                "name": "fake-azure",
                "kind": "azure",
                # Azure's base URL is the resource endpoint, without /v1.
                "base_url": fakes["openai"].base_url.removesuffix("/v1"),
                "api_key": FAKE_OPENAI_KEY,
                "api_version": "2024-10-21",
            },
            {
                "name": "fake-azure-responses",  # Azure's v1 API serves /openai/v1/responses
                "kind": "azure",
                "base_url": fakes["openai"].base_url.removesuffix("/v1"),
                "api_key": FAKE_OPENAI_KEY,
                "responses_api": True,
            },
            {
                # Addressed by name, as real providers are (cookie jars ignore IP addresses).
                "name": "fake-openai-by-hostname",
                "kind": "openai",
                "base_url": fakes["openai"].base_url.replace("127.0.0.1", "localhost"),
                "api_key": FAKE_OPENAI_KEY,
            },
            {
                # An OpenAI-compatible server without /v1/responses.
                "name": "fake-openai-chat-only",
                "kind": "openai",
                "base_url": fakes["openai"].base_url,
                "api_key": FAKE_OPENAI_KEY,
                "responses_api": False,
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
    fake_anthropic: FakeUpstream,
    fake_gemini: FakeUpstream,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    """The gateway on a real port, once with SQLite and once with PostgreSQL, each time on a
    database of its own: pytest may start it again later in a session, and the smaller
    gateways some tests start on ``postgres_url`` bootstrap orgs and keys of their own."""
    directory = tmp_path_factory.mktemp(f"gateway-{request.param}")
    database: Generator[str, None, None] | None = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{directory / 'governs.db'}"
    else:
        request.getfixturevalue("postgres_url")  # skips, or fails, when PostgreSQL is away
        database = postgres_database()
        url = next(database)
    settings = gateway_settings(
        proxy_config(
            {"openai": fake_openai, "anthropic": fake_anthropic, "gemini": fake_gemini},
            url,
            directory / "spool",
        ),
        bootstrap_key=TEST_BOOTSTRAP_KEY,
    )
    running = start_gateway(service_thread, settings)
    yield running
    running.stop()
    if database is not None:
        database.close()  # drops it
