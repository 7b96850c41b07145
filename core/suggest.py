""" "Did you mean ...?": the nearest valid value to a mistyped one, for error messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, get_args

from pydantic import BaseModel


def nearest(value: str, choices: Iterable[str]) -> str | None:
    """The valid value most like ``value`` (difflib's ratio, at least 0.6), or None."""
    found = difflib.get_close_matches(value, sorted(set(choices)), n=1, cutoff=0.6)
    return found[0] if found else None


def unknown(what: str, value: str, choices: Iterable[str]) -> str:
    """``unknown PII class 'ssnn'; did you mean 'ssn'?``, or the valid values when none is near."""
    options = sorted(set(choices))
    guess = nearest(value, options)
    if guess is not None:
        return f"unknown {what} {value!r}; did you mean {guess!r}?"
    shown = ", ".join(options[:20]) + (", ..." if len(options) > 20 else "")
    return f"unknown {what} {value!r}; valid: {shown}"


def field_names(model: type[BaseModel]) -> set[str]:
    """Every field name ``model`` takes on the wire (aliases), nested models' included."""
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(info.alias or name)
        for inner in _models_in(info.annotation):
            if inner is not model:
                names |= field_names(inner)
    return names


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def unknown_field(model: type[BaseModel], name: str) -> str:
    """The message for an unknown field ``name`` of a ``model`` body."""
    guess = nearest(name, field_names(model))
    return "unknown field" + (f"; did you mean {guess!r}?" if guess else "")
