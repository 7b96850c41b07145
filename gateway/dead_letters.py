"""Rows set aside: what the database refused on its own, with the reason, never retried.

The writer inserts batches; when the database answers but refuses a batch, the writer splits it
until the row at fault stands alone (``gateway.writer``), and that row comes here, so it never
waits in front of the rows behind it. A spooled batch file that cannot be read comes here too.

Each entry is one JSON file ``<spool_dir>/dead-letters/<time>-<pid>-<seq>.json``:
``{"table", "reason", "setAsideAt", "row"}`` (or ``"file"``: the unreadable batch moved next to
it). An operator reads them, fixes what they can, and re-inserts or deletes them; ``/api/health``
counts them in ``dlqCount`` and Prometheus in ``governs_dead_letters``.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

DIRECTORY = "dead-letters"
_SUFFIX = ".json"


class DeadLetters:
    def __init__(self, spool_dir: str | os.PathLike[str]) -> None:
        self.directory = Path(spool_dir) / DIRECTORY
        self._sequence = 0

    def add(self, table: str, row: dict[str, Any], reason: str) -> Path:
        """Set one row aside durably. Blocking: call it from a worker thread."""
        return self._write({"table": table, "reason": reason, "row": row})

    def add_file(self, path: Path, reason: str) -> Path:
        """Set aside a spooled batch file that cannot be read: moved here as it is."""
        entry = self._name()
        moved = self.directory / f"{entry}.unreadable"
        path.rename(moved)
        return self._write({"table": None, "reason": reason, "file": moved.name}, entry)

    def count(self) -> int:
        if not self.directory.exists():
            return 0
        with os.scandir(self.directory) as entries:
            return sum(1 for e in entries if e.name.endswith(_SUFFIX) and e.name[0] != ".")

    def _name(self) -> str:
        self._sequence += 1
        return f"{time.time_ns():020d}-{os.getpid()}-{self._sequence:06d}"

    def _write(self, entry: dict[str, Any], name: str | None = None) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = name or self._name()
        entry["setAsideAt"] = datetime.now(UTC).isoformat()
        try:
            data = orjson.dumps(entry, default=_encode, option=orjson.OPT_NAIVE_UTC)
        except TypeError:
            # Whatever the row holds, its repr is ASCII: the entry is written all the same.
            entry["row"] = repr(entry.get("row"))
            data = orjson.dumps(entry, default=repr)
        final = self.directory / f"{name}{_SUFFIX}"
        temporary = self.directory / f".{name}{_SUFFIX}.tmp"
        with open(temporary, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        temporary.rename(final)
        return final


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot encode a {type(value).__name__}")
