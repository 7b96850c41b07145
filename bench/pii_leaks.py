"""What reached the provider, compared with the labelled values: leaks, altered prompts, restores.

Pure accounting for ``bench/pii_gateway_eval.py``: it takes what was sent, what the fake
upstream received and what the client got back, and counts. The rules:

- A labelled value is **leaked** when its exact text (case-sensitive) appears in what the
  provider received (every string of the request body) more often than it appears in the sent
  text outside the labelled spans. That baseline keeps an unlabelled "Jordan" (the country)
  from making the labelled "Jordan" (a person) look leaked; when a record labels the same value
  n times, each extra occurrence, up to n, is one leaked value. A value also counts as leaked
  where it shows through another leaked value (the surname "Berg" in a leaked street address).
- A name or address value is **leaked in part** when it is leaked, or when one of its
  alphanumeric tokens of 4+ characters appears more often than in that baseline (a surname
  left behind when only the given name was removed). Values without such a token (most CJK
  names) are counted for the exact figure only.
- A record the gateway refused (an error) sent nothing: none of its values leaked. Refusals are
  counted and reported beside the rates, since a gateway that refuses everything leaks nothing.
- A record without PII (kind ``negative``, or the old corpus's ``hard_negative``) is
  **altered** when the user message the provider received differs from the text sent.
- A record is **restored** when the client's answer equals the exact text sent (the fake
  upstream echoes what it received, so every placeholder must have come back as its value).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bench.pii_metrics import Example
from detectors.base import BUILTIN_CLASSES

# The classes the gateway detects out of the box, in README's order; the targets are on these.
CORE_CLASSES = BUILTIN_CLASSES
PARTIAL_CLASSES = frozenset({"name", "address"})
# Records without PII: "negative" in the marked sets, "hard_negative" in the old corpus.
NEGATIVE_KINDS = frozenset({"negative", "hard_negative"})
_TOKEN = re.compile(r"[^\W_]{4,}")
_SEPARATOR = "\n"  # what stands in for a labelled span in the baseline


@dataclass(frozen=True, slots=True)
class Outcome:
    """One record sent through the gateway."""

    example: Example
    upstream: str | None  # every string of the body the provider received; None: none received
    upstream_prompt: str | None  # the last user message as the provider received it
    answer: str | None  # the assistant's answer as the client received it
    error: str | None = None  # the error code when the gateway (or the call) failed


@dataclass(slots=True)
class Tally:
    values: int = 0
    leaked: int = 0
    partial_values: int = 0  # name/address values with a token of 4+ characters
    partial_leaked: int = 0  # ... leaked whole or in part

    @property
    def rate(self) -> float:
        return self.leaked / self.values if self.values else 0.0

    @property
    def partial_rate(self) -> float:
        return self.partial_leaked / self.partial_values if self.partial_values else 0.0

    def add(self, other: Tally) -> None:
        self.values += other.values
        self.leaked += other.leaked
        self.partial_values += other.partial_values
        self.partial_leaked += other.partial_leaked

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"values": self.values, "leaked": self.leaked, "rate": self.rate}
        if self.partial_values:
            out |= {
                "partialValues": self.partial_values,
                "partialLeaked": self.partial_leaked,
                "partialRate": self.partial_rate,
            }
        return out


@dataclass(frozen=True, slots=True)
class ValueLeak:
    """One labelled value of one record, and whether it reached the provider."""

    pii_class: str
    leaked: bool
    partial: bool | None  # None: not a name/address with a token of 4+ characters


@dataclass(slots=True)
class LeakReport:
    records: int = 0
    refused: Counter[str] = field(default_factory=Counter)  # error code -> records
    core: Tally = field(default_factory=Tally)  # every value of a built-in class
    classes: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_lang: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))  # core only
    by_format: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_lang_class: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    negatives: int = 0
    negatives_altered: int = 0
    # (kind, key) -> [prompts without PII, of them altered]; kind "format" or "language"
    negatives_by: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    restored: int = 0  # answers equal to the text sent, over all records
    leaked_ids: dict[str, list[int | str]] = field(default_factory=lambda: defaultdict(list))
    altered_ids: list[int | str] = field(default_factory=list)
    unrestored_ids: list[int | str] = field(default_factory=list)

    @property
    def altered_rate(self) -> float:
        return self.negatives_altered / self.negatives if self.negatives else 0.0

    @property
    def restored_rate(self) -> float:
        return self.restored / self.records if self.records else 0.0

    def as_dict(self) -> dict[str, Any]:
        def tallies(items: dict[Any, Tally]) -> dict[str, Any]:
            return {
                ":".join(k) if isinstance(k, tuple) else k: t.as_dict()
                for k, t in sorted(items.items())
            }

        return {
            "records": self.records,
            "refused": dict(self.refused),
            "core": self.core.as_dict(),
            "classes": tallies(self.classes),
            "byLanguage": tallies(self.by_lang),
            "byFormat": tallies(self.by_format),
            "byLanguageAndClass": tallies(self.by_lang_class),
            "negatives": self.negatives,
            "negativesAltered": self.negatives_altered,
            "negativesBy": {
                f"{kind}:{key}": {"negatives": n, "altered": altered}
                for (kind, key), (n, altered) in sorted(self.negatives_by.items())
            },
            "alteredRate": self.altered_rate,
            "restored": self.restored,
            "restoredRate": self.restored_rate,
            "leakedIds": {k: v for k, v in sorted(self.leaked_ids.items())},
            "alteredIds": self.altered_ids,
            "unrestoredIds": self.unrestored_ids,
        }


def baseline(example: Example) -> str:
    """The sent text with every labelled span blanked out: what may legitimately remain."""
    parts: list[str] = []
    position = 0
    for span in sorted(example.spans, key=lambda s: s.start):
        parts.append(example.text[position : span.start])
        parts.append(_SEPARATOR)
        position = max(position, span.end)
    parts.append(example.text[position:])
    return "".join(parts)


def value_leaks(example: Example, upstream: str) -> list[ValueLeak]:
    """Each labelled value of ``example``: leaked or not, in ``upstream`` (the module's rules)."""
    rest = baseline(example)
    values = [example.text[s.start : s.end] for s in example.spans]
    seen: Counter[str] = Counter()
    out = []
    for span, value in zip(example.spans, values, strict=True):
        # The n-th labelled copy of a value is leaked when at least n extra copies arrived.
        seen[value] += 1
        leaked = bool(value) and upstream.count(value) - rest.count(value) >= seen[value]
        partial: bool | None = None
        if span.pii_class in PARTIAL_CLASSES:
            tokens = _TOKEN.findall(value)
            if tokens:
                partial = leaked or any(upstream.count(t) > rest.count(t) for t in tokens)
        out.append(ValueLeak(span.pii_class, leaked, partial))
    return out


def strings_of(value: Any) -> Iterator[str]:
    """Every string in a JSON document (keys excluded): all a provider could read."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_of(item)


def measure(outcomes: Iterable[Outcome]) -> LeakReport:
    report = LeakReport()
    for outcome in outcomes:
        example = outcome.example
        report.records += 1
        if outcome.error is not None:
            report.refused[outcome.error] += 1
        if outcome.answer is not None and outcome.answer == example.text:
            report.restored += 1
        else:
            report.unrestored_ids.append(example.id)
        if example.kind in NEGATIVE_KINDS:
            report.negatives += 1
            altered = (
                outcome.upstream_prompt is not None and outcome.upstream_prompt != example.text
            )
            for kind, key in (("format", example.format), ("language", example.locale)):
                tally = report.negatives_by[kind, key]
                tally[0] += 1
                tally[1] += altered
            if altered:
                report.negatives_altered += 1
                report.altered_ids.append(example.id)
        upstream = outcome.upstream or ""
        for leak in value_leaks(example, upstream):
            one = Tally(
                values=1,
                leaked=int(leak.leaked),
                partial_values=int(leak.partial is not None),
                partial_leaked=int(bool(leak.partial)),
            )
            report.classes[leak.pii_class].add(one)
            if leak.leaked:
                report.leaked_ids[leak.pii_class].append(example.id)
            if leak.pii_class not in CORE_CLASSES:
                continue
            report.core.add(one)
            report.by_lang[example.locale].add(one)
            report.by_format[example.format].add(one)
            report.by_lang_class[example.locale, leak.pii_class].add(one)
    return report
