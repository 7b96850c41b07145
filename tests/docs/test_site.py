"""The documentation site builds with ``mkdocs build --strict`` (a broken link, a missing
anchor, a page left out of the navigation or a missing snippet fails it), with its two
references generated from the code at build time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.settings import SsoProviderConfig

ROOT = Path(__file__).resolve().parents[2]


def test_the_site_builds_strictly_with_the_generated_references(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    config = (site / "reference" / "configuration" / "index.html").read_text()
    for key in SsoProviderConfig.model_fields:
        assert f"<code>{key}</code>" in config, key
    assert "admin.sso[]" in config
    api = (site / "reference" / "admin-api" / "index.html").read_text()
    assert "POST /api/v1/auth/sso/exchange" in api and "GET /api/v1/keys" in api
    # The figures the README held are on the site, copied from bench/ at the build.
    assert "Benchmark results" in (site / "benchmarks" / "RESULTS" / "index.html").read_text()
