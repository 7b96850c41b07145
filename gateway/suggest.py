""" "Did you mean ...?": the nearest valid value to a mistyped one, for error messages."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


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
