"""MkDocs hooks of the documentation site (``mkdocs.yml``: ``hooks``).

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


def on_files(files: Files, config: MkDocsConfig, **_: Any) -> Files:
    for path, build in GENERATED.items():
        files.append(File.generated(config, path, content=build()))
    return files
