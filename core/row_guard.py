"""Record rows that always encode and fit their columns.

Edges validate what clients send (a 400 names the field); this is the writer's own guarantee
that whatever still reaches it can be stored and spooled: a string longer than its column is
cut, lone surrogates (a non-UTF-8 header byte) become U+FFFD, NUL (which PostgreSQL text and
JSONB refuse) becomes U+FFFD, an integer beyond the column's 32 bits is clamped, and a JSON
value nested deeper than ``MAX_JSON_DEPTH`` (orjson stops at 254, the spool with it) keeps its
first levels and a marker. A row is fixed in place, so the writer's listeners see what is stored.

Cost: the usual row is clean and takes the fast checks only (``str.isascii``, one orjson encode
of each JSON value): 2-5 µs a row (``bench/row_guard_costs.py``, figures in bench/RESULTS.md).
"""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import JSON, Integer, String, Table

MAX_JSON_DEPTH = 64  # JSON values of stored records: deep enough for any real summary
TOO_DEEP = "[nested too deep]"
REPLACEMENT = "\ufffd"
_INT32 = (-(2**31), 2**31 - 1)
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_depth(value: Any, limit: int) -> int:
    """The nesting depth of ``value`` (a scalar is 0), counted no further than ``limit + 1``."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def safe_text(value: str) -> str:
    """``value`` with lone surrogates and NUL replaced by U+FFFD."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = _SURROGATE.sub(REPLACEMENT, value)
    if "\x00" in value:
        value = value.replace("\x00", REPLACEMENT)
    return value


def safe_json(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON that orjson encodes and PostgreSQL's JSONB accepts."""
    if isinstance(value, str):
        return safe_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if depth >= MAX_JSON_DEPTH:
        return TOO_DEEP
    if isinstance(value, dict):
        return {safe_text(str(k)): safe_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [safe_json(item, depth + 1) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return safe_text(str(value))


class RowGuard:
    """The checks of one table's columns, worked out once from its metadata."""

    def __init__(self, table: Table) -> None:
        self._strings: list[tuple[str, int]] = []
        self._json: list[str] = []
        self._integers: list[str] = []
        for column in table.columns:
            kind = column.type
            if isinstance(kind, JSON):
                self._json.append(column.name)
            elif isinstance(kind, String):
                self._strings.append((column.name, kind.length or sys.maxsize))
            elif isinstance(kind, Integer):
                self._integers.append(column.name)

    def clean(self, row: dict[str, Any]) -> dict[str, Any]:
        """Fix ``row`` in place so that it encodes and fits; return it."""
        get = row.get
        for name, length in self._strings:
            value = get(name)
            if value.__class__ is str:
                if len(value) <= length and value.isascii() and "\x00" not in value:
                    continue
            elif value is None:
                continue
            row[name] = safe_text(str(value))[:length]
        for name in self._integers:
            value = get(name)
            if value.__class__ is int and not _INT32[0] <= value <= _INT32[1]:
                row[name] = min(max(value, _INT32[0]), _INT32[1])
        for name in self._json:
            value = get(name)
            if not value:  # None, {}, []
                continue
            try:
                encoded = orjson.dumps(value)
            except TypeError:  # orjson's error for surrogates, depth over 254, unknown types
                row[name] = safe_json(value)
                continue
            if b"\\u0000" in encoded or _may_be_too_deep(encoded):
                row[name] = safe_json(value)
        return row


def _may_be_too_deep(encoded: bytes) -> bool:
    # Nesting N deep takes N opening brackets: most values are ruled out without a walk.
    if encoded.count(b"{") + encoded.count(b"[") <= MAX_JSON_DEPTH:
        return False
    return json_depth(orjson.loads(encoded), MAX_JSON_DEPTH) > MAX_JSON_DEPTH
