"""MkDocs hooks of the documentation site (``mkdocs.yml``: ``hooks``).

- ``on_config``: pages other work adds later get their place in the navigation only once their
  file exists, so the strict build never names a page that is not there.
- ``on_files``: the two generated references (``tools/docs_reference.py``) join the site as
  pages built from the code at this build, never a checked-in copy that could be stale.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.docs_reference import admin_api_reference, config_reference

GENERATED = {
    "reference/configuration.md": config_reference,
    "reference/admin-api.md": admin_api_reference,
}
# (navigation section, title, page): placed at the end of the section when the page exists.
OPTIONAL_PAGES = [
    ("Guides", "Front doors", "front-doors.md"),
    ("Guides", "Response cache", "response-cache.md"),
    ("Operations", "Usage at scale", "usage-at-scale.md"),
    ("Operations", "Tracing", "operations/tracing.md"),
]


def on_config(config: MkDocsConfig, **_: Any) -> MkDocsConfig:
    docs = Path(config.docs_dir)
    for section, title, page in OPTIONAL_PAGES:
        if not (docs / page).is_file():
            continue
        for entry in config.nav or []:
            if isinstance(entry, dict) and section in entry:
                entry[section].append({title: page})
    return config


def on_files(files: Files, config: MkDocsConfig, **_: Any) -> Files:
    for path, build in GENERATED.items():
        files.append(File.generated(config, path, content=build()))
    return files
