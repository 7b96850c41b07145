"""Rewriting text by policy, and restoring tokenized values on the way back.

``rewrite`` applies mask / remove / tokenize to the findings of one text. Tokenized values go
to a ``Vault``: each distinct value gets a placeholder stable for the conversation (``<EMAIL_1>``,
numbered by first appearance, so the same history gives the same placeholders on every turn),
and ``Vault.restore`` puts the values back into what the model wrote. ``StreamRestorer`` does
that on text that arrives in pieces, holding back only what could still be the start of a
placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from policies.masking import mask
from policies.matrix import Action

PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*_[0-9]+>")
_PLACEHOLDER_PREFIX = re.compile(r"<(?:[A-Z][A-Z0-9_]*(?:_[0-9]*)?)?")
MAX_PLACEHOLDER_LENGTH = 48


@dataclass(frozen=True, slots=True)
class Span:
    pii_class: str
    start: int
    end: int


def label(pii_class: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "_", pii_class.upper()).strip("_") or "PII"


class Vault:
    """The placeholders of one request's conversation."""

    def __init__(self) -> None:
        self._placeholders: dict[tuple[str, str], str] = {}
        self._values: dict[str, str] = {}
        self._counters: dict[str, int] = {}  # made for every request: keep it cheap

    def placeholder(self, pii_class: str, value: str, text: str = "") -> str:
        """The placeholder of ``value``; a new one is never one ``text`` (where the value
        stands) already holds, or restoring would turn the writer's own text into the value."""
        key = (pii_class, value)
        found = self._placeholders.get(key)
        if found is None:
            name = label(pii_class)
            number = self._counters.get(name, 0) + 1
            found = f"<{name}_{number}>"
            while found in text:
                number += 1
                found = f"<{name}_{number}>"
            self._counters[name] = number
            self._placeholders[key] = found
            self._values[found] = value
        return found

    def __bool__(self) -> bool:
        return bool(self._values)

    def restore(self, text: str, escape: Callable[[str], str] | None = None) -> str:
        if not self._values or "<" not in text:
            return text

        def put_back(match: re.Match[str]) -> str:
            value = self._values.get(match.group(0))
            if value is None:
                return match.group(0)
            return escape(value) if escape else value

        return PLACEHOLDER.sub(put_back, text)


class Located(Protocol):
    """A located value: a ``Span``, or a detector's ``Finding`` as it is (no copy)."""

    @property
    def pii_class(self) -> str: ...

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


def rewrite(
    text: str,
    spans: Iterable[Located],
    actions: Mapping[str, Action] | Callable[[str], Action],
    vault: Vault,
) -> str:
    """``text`` with each span replaced as its class's action says (spans must not overlap)."""
    action_of = actions if callable(actions) else actions.__getitem__
    out: list[str] = []
    position = 0
    for span in sorted(spans, key=lambda s: s.start):
        action = action_of(span.pii_class)
        if action in (Action.PASS_THROUGH, Action.DENY):
            continue
        value = text[span.start : span.end]
        out.append(text[position : span.start])
        if action == Action.MASK:
            out.append(mask(span.pii_class, value))
        elif action == Action.REMOVE:
            out.append(f"[REDACTED_{label(span.pii_class)}]")
        else:
            out.append(vault.placeholder(span.pii_class, value, text))
        position = span.end
    out.append(text[position:])
    return "".join(out)


class StreamRestorer:
    """Restores placeholders in text arriving in pieces (one per streamed field).

    ``feed`` returns what can be sent now; a trailing ``<`` that may still grow into a
    placeholder (at most ``MAX_PLACEHOLDER_LENGTH`` characters) waits for the next piece.
    ``flush`` returns whatever is left at the end.
    """

    def __init__(self, vault: Vault, escape: Callable[[str], str] | None = None) -> None:
        self._vault = vault
        self._escape = escape
        self._pending = ""

    def feed(self, piece: str) -> str:
        text = self._pending + piece
        start = text.rfind("<")
        if (
            start != -1
            and len(text) - start < MAX_PLACEHOLDER_LENGTH
            and _PLACEHOLDER_PREFIX.fullmatch(text, start)
        ):
            ready, self._pending = text[:start], text[start:]
        else:
            ready, self._pending = text, ""
        return self._vault.restore(ready, self._escape)

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        return self._vault.restore(rest, self._escape)
