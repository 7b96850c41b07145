"""Fixtures of the dashboard's browser tests: Debian's Chromium driven by Playwright, against an
in-process gateway of their own (SQLite, the fake OpenAI upstream, cheap password hashing).

The browser is /usr/bin/chromium, never one Playwright downloads. Without it (or without the
``playwright`` package) these tests skip, naming what is missing; with
``GOVERNS_TEST_REQUIRE_SERVICES=1`` (CI, whose ``.ci/run`` installs Chromium) they fail instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.openai_upstream import FAKE_OPENAI_KEY
from tests.fakes.server import FakeUpstream
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway
from tests.services import missing

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BOOTSTRAP_KEY = "gai_dashboard-tests-bootstrap-0123456789abcdef"
VIEWPORT = {"width": 1280, "height": 800}
# Argon2 at its cheapest, for tests only (as in tests/admin_api).
TEST_PASSWORD_HASH = {"time_cost": 1, "memory_cost_kib": 8, "parallelism": 1}
PRICED = {"input_cost_per_mtok": "150", "output_cost_per_mtok": "600"}  # visible on the charts


@pytest.fixture(scope="session")
def dashboard_gateway(
    service_thread: ServiceThread,
    fake_openai: FakeUpstream,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningGateway]:
    directory = tmp_path_factory.mktemp("dashboard")
    raw: dict[str, Any] = {
        "database": {"url": f"sqlite+aiosqlite:///{directory / 'governs.db'}"},
        "writer": {"flush_interval_seconds": 0.01, "spool_dir": str(directory / "spool")},
        "pii": {"ner": False},
        "providers": [
            {
                "name": "fake-openai",
                "kind": "openai",
                "base_url": fake_openai.base_url,
                "api_key": FAKE_OPENAI_KEY,
            },
            {"name": "echo", "kind": "echo"},
        ],
        "models": [
            {"name": "gpt-4o-mini", "provider": "fake-openai", **PRICED},
            {"name": "gpt-4.1", "provider": "fake-openai", **PRICED},
            {"name": "echo", "provider": "echo"},  # free
            {"name": "in-house-llm", "provider": "fake-openai"},  # no price anywhere
        ],
        "admin": {
            "allow_signup": True,  # accounts are made by signing up (off by default)
            "cookie_secure": False,
            "password_hash": TEST_PASSWORD_HASH,
            "mail": {"kind": "file", "directory": str(directory / "mail")},
            # Chromium resolves every *.localhost to this machine: acme.localhost is acme's.
            "org_host_pattern": "{org}.localhost",
            "rate_limits": {
                name: {"per_ip": 100_000, "per_account": 1000, "window_seconds": 600}
                for name in ("login", "signup", "password_reset")
            },
        },
    }
    running = start_gateway(service_thread, gateway_settings(raw, bootstrap_key=BOOTSTRAP_KEY))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Not longer: while Playwright's sync API is started, asyncio
    sees its loop as running in this thread, and the suite's other tests call asyncio.run()."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing(
            "the playwright package is missing (pip install playwright==1.65.2): "
            "the dashboard's browser tests drive /usr/bin/chromium with it"
        )
    if not CHROMIUM.exists():
        missing(
            "/usr/bin/chromium is missing (apt-get install chromium): "
            "the dashboard's browser tests need Debian's Chromium"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser: Any, dashboard_gateway: RunningGateway) -> Iterator[Any]:
    """new_page(viewport=None) -> a fresh page in its own context (own sessionStorage),
    watched for console errors: a test fails if its pages logged any."""
    from tests.dashboard.support import PageProblems

    contexts = []
    problems = PageProblems()

    def make(viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(
            base_url=dashboard_gateway.base_url,
            viewport=viewport or VIEWPORT,
            permissions=["clipboard-read", "clipboard-write"],
            accept_downloads=True,
            locale="en-GB",
            timezone_id="UTC",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems.messages, f"the page logged errors: {problems.messages}"
