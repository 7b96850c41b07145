"""The on-disk spool (dead-letter queue) of record batches the database did not take.

Each batch is one JSON file, written to a temporary name and renamed, so a crash never leaves a
half-written batch. Names sort by time, so replay keeps the order records were made in. A
replaying process claims a file by renaming it, so several workers can share one spool
directory; claims left by a dead process are released on start-up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

Batch = list[tuple[str, dict[str, Any]]]  # (table name, row)

_SUFFIX = ".batch.json"
_CLAIM = ".claimed-"


class Spool:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._sequence = 0

    def prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for claimed in self.directory.glob(f"*{_SUFFIX}{_CLAIM}*"):
            pid = int(claimed.name.rsplit(_CLAIM, 1)[1])
            if not _process_alive(pid):
                claimed.rename(claimed.with_name(claimed.name.split(_CLAIM, 1)[0]))

    def append(self, batch: Batch) -> Path:
        """Write one batch durably (fsync), blocking: call it from a worker thread."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._sequence += 1
        name = f"{_now_ns():020d}-{os.getpid()}-{self._sequence:06d}{_SUFFIX}"
        final = self.directory / name
        temporary = self.directory / f".{name}.tmp"
        data = orjson.dumps(
            [[table, row] for table, row in batch], default=_encode, option=orjson.OPT_NAIVE_UTC
        )
        with open(temporary, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        temporary.rename(final)
        return final

    def pending(self) -> list[Path]:
        if not self.directory.exists():
            return []
        return sorted(self.directory.glob(f"*{_SUFFIX}"))

    def depth(self) -> int:
        """Batches waiting, claimed ones included."""
        if not self.directory.exists():
            return 0
        return sum(1 for _ in self.directory.glob(f"*{_SUFFIX}*"))

    def claim(self, path: Path) -> Path | None:
        claimed = path.with_name(f"{path.name}{_CLAIM}{os.getpid()}")
        try:
            path.rename(claimed)
        except FileNotFoundError:
            return None  # another process took it
        return claimed

    @staticmethod
    def read(path: Path) -> Batch:
        return [(table, row) for table, row in orjson.loads(path.read_bytes())]

    @staticmethod
    def release(path: Path) -> None:
        path.rename(path.with_name(path.name.split(_CLAIM, 1)[0]))

    @staticmethod
    def remove(path: Path) -> None:
        path.unlink(missing_ok=True)

    def __iter__(self) -> Iterator[Path]:
        return iter(self.pending())


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot spool a {type(value).__name__}")


def _now_ns() -> int:
    return time.time_ns()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
