"""The code samples of the guides run, as a reader would run them, against a real gateway.

A fenced block right after a ``<!-- run -->`` line (invisible on the site) is run: ``sh``
blocks with bash (``-euo pipefail``, and ``curl`` failing on any 4xx or 5xx answer), ``python``
blocks with this interpreter. The gateway's address in them (``http://127.0.0.1:8080``) is the
test gateway's, ``$KEY`` and ``gai_...`` its bootstrap key, and the ``governs`` command on the
PATH reads that gateway's configuration (``GOVERNS_CONFIG``); nothing else is changed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes.openai_upstream import FAKE_OPENAI_KEY
from tests.fakes.server import FakeUpstream
from tests.harness import RunningGateway, ServiceThread, gateway_settings, start_gateway

DOCS = Path(__file__).resolve().parents[2] / "docs"
MARK = "<!-- run -->"
BOOTSTRAP_KEY = "gai_docs-tests-bootstrap-0123456789abcdef"
# A reader's shell: stop at the first failing command, and curl fails on an HTTP error too.
SH_PROLOGUE = 'curl() { command curl --fail-with-body --show-error "$@"; }\n'


@dataclass(frozen=True)
class Sample:
    page: str
    line: int
    language: str
    code: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"


def samples() -> list[Sample]:
    found = []
    for path in sorted(DOCS.rglob("*.md")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines):
            if line.strip() != MARK:
                continue
            fence = re.fullmatch(r"```(sh|python)", lines[number + 1].strip())
            assert fence, f"{path}:{number + 1}: {MARK} must stand right above a sh or python block"
            end = lines.index("```", number + 2)
            code = "\n".join(lines[number + 2 : end]) + "\n"
            page = str(path.relative_to(DOCS))
            found.append(Sample(page, number + 3, fence.group(1), code))
    return found


SAMPLES = samples()


@dataclass(frozen=True)
class DocsGateway:
    running: RunningGateway
    config: Path  # the same configuration, for the `governs` command in the samples


@pytest.fixture(scope="module")
def docs_gateway(
    service_thread: ServiceThread,
    fake_openai: FakeUpstream,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[DocsGateway]:
    """What the guides assume: the quick start's gateway with sign-up on and an OpenAI model."""
    directory = tmp_path_factory.mktemp("docs")
    raw: dict[str, Any] = {
        "database": {"url": f"sqlite+aiosqlite:///{directory / 'governs.db'}"},
        "writer": {"flush_interval_seconds": 0.01, "spool_dir": str(directory / "spool")},
        "pii": {"ner": False},
        "providers": [
            {
                "name": "openai",
                "kind": "openai",
                "base_url": fake_openai.base_url,
                "api_key": FAKE_OPENAI_KEY,
            },
            {"name": "echo", "kind": "echo"},
        ],
        "models": [
            {
                "name": "gpt-4o-mini",
                "provider": "openai",
                "input_cost_per_mtok": "0.15",
                "output_cost_per_mtok": "0.60",
            },
            {"name": "echo", "provider": "echo"},
        ],
        "admin": {
            "allow_signup": True,
            "password_hash": {"time_cost": 1, "memory_cost_kib": 8, "parallelism": 1},
            "password_min_length": 10,
            "mail": {"kind": "file", "directory": str(directory / "mail")},
        },
    }
    config = directory / "governs.yaml"
    config.write_text(yaml.safe_dump(raw))
    running = start_gateway(service_thread, gateway_settings(raw, bootstrap_key=BOOTSTRAP_KEY))
    yield DocsGateway(running, config)
    running.stop()


def test_the_guides_have_samples_to_run() -> None:
    pages = {sample.page for sample in SAMPLES}
    assert {"quick-start.md", "applications.md", "admin-api.md"} <= pages


@pytest.mark.parametrize("sample", SAMPLES, ids=str)
def test_a_guide_sample_runs(sample: Sample, docs_gateway: DocsGateway) -> None:
    code = sample.code.replace("http://127.0.0.1:8080", docs_gateway.running.base_url)
    scripts = str(Path(sys.executable).parent)  # where `governs` is installed
    env = {**os.environ, "KEY": BOOTSTRAP_KEY, "GOVERNS_CONFIG": str(docs_gateway.config),
           "PATH": f"{scripts}{os.pathsep}{os.environ.get('PATH', '')}"}  # fmt: skip
    if sample.language == "python":
        command = [sys.executable, "-c", code.replace('"gai_..."', repr(BOOTSTRAP_KEY))]
    else:
        command = ["bash", "-euo", "pipefail", "-c", SH_PROLOGUE + code]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                            check=False)  # fmt: skip
    assert result.returncode == 0, f"{sample} failed:\n{result.stdout}\n{result.stderr}"
