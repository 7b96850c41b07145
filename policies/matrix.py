"""The tool access matrix: what each tool may send to a provider, per PII class.

    {tool: {pii_class: action}}     action ∈ pass_through | tokenize | mask | remove | deny

A ``default`` row governs tools the matrix does not list, and a ``default`` class inside a row
governs classes that row does not list. A class no row mentions passes through.

``validate_matrix`` checks the shape (what the gateway can run); ``check_classes`` checks, where a
policy enters (the admin API, ``governs policies apply``), that every class is one the gateway
detects, so a typo (``emails``) is refused naming the nearest class instead of never matching.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from core.suggest import unknown

DEFAULT_ROW = "default"


class Action(StrEnum):
    PASS_THROUGH = "pass_through"
    TOKENIZE = "tokenize"
    MASK = "mask"
    REMOVE = "remove"
    DENY = "deny"


ACTIONS: tuple[str, ...] = tuple(a.value for a in Action)


class MatrixError(ValueError):
    """The matrix is malformed; ``path`` names the offending entry (``tool.class``)."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(message)
        self.path = path


def validate_matrix(matrix: Any) -> dict[str, dict[str, str]]:
    """Check a matrix from the API, the CLI or a YAML file; return it normalised."""
    if not isinstance(matrix, Mapping):
        raise MatrixError("toolAccessMatrix must be an object of tool → {piiClass: action}", "")
    normalised: dict[str, dict[str, str]] = {}
    for tool, row in matrix.items():
        if not isinstance(tool, str) or not tool.strip():
            raise MatrixError("tool names must be non-empty strings", str(tool))
        if not isinstance(row, Mapping):
            raise MatrixError(f"the row of tool {tool!r} must be an object", tool)
        normalised_row: dict[str, str] = {}
        for pii_class, action in row.items():
            if not isinstance(pii_class, str) or not pii_class.strip():
                raise MatrixError(
                    "PII class names must be non-empty strings", f"{tool}.{pii_class}"
                )
            if action not in ACTIONS:
                raise MatrixError(
                    f"{tool}.{pii_class}: " + unknown("action", str(action), ACTIONS),
                    f"{tool}.{pii_class}",
                )
            normalised_row[pii_class.strip()] = str(action)
        normalised[tool.strip()] = normalised_row
    return normalised


def check_classes(matrix: Mapping[str, Mapping[str, str]], known: Iterable[str]) -> None:
    """``MatrixError`` naming the first class of ``matrix`` that is neither in ``known`` nor
    ``default``, with the nearest known class."""
    classes = {*known, DEFAULT_ROW}
    for tool, row in matrix.items():
        for pii_class in row:
            if pii_class not in classes:
                raise MatrixError(
                    f"{tool}.{pii_class}: "
                    + unknown("PII class", pii_class, classes)
                    + " (an org's own classes come from customRules)",
                    f"{tool}.{pii_class}",
                )
