"""Scoring findings against the labelled corpus (used by ``bench/pii_eval.py`` and the tests).

Matching is by overlap: a labelled span is found when a finding of its class overlaps it, and
a finding is a false positive when it overlaps no labelled span of its class. ``exact``
counts labelled spans matched with the same boundaries, reported as a check on span quality.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from detectors.base import Finding

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CORPUS = DATA / "pii_corpus.jsonl"
HELDOUT = DATA / "pii_heldout"  # written blind, never tuned on
DEV = DATA / "pii_dev"  # written blind, for tuning

# A marked record wraps each value as ⟦class:value⟧ (tests/data/pii_heldout/README.md).
_MARK = re.compile(r"⟦([a-z_]+):(.*?)⟧", re.S)


@dataclass(frozen=True, slots=True)
class Span:
    pii_class: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Example:
    id: int | str
    locale: str
    kind: str
    text: str
    spans: tuple[Span, ...]
    format: str = "prose"
    cultures: tuple[str, ...] = ()


@dataclass(slots=True)
class ClassScore:
    tp: int = 0  # labelled spans found
    fn: int = 0  # labelled spans missed
    fp: int = 0  # findings that overlap no labelled span of their class
    exact: int = 0  # labelled spans found with exact boundaries
    missed: list[int | str] = field(default_factory=list)  # example ids, for debugging
    false: list[int | str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.tp + self.fp
        return self.tp / found if found else 1.0

    @property
    def recall(self) -> float:
        labelled = self.tp + self.fn
        return self.tp / labelled if labelled else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_corpus(path: Path = CORPUS) -> list[Example]:
    examples = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            raw = json.loads(line)
            spans = tuple(Span(s["pii_class"], s["start"], s["end"]) for s in raw["spans"])
            examples.append(Example(raw["id"], raw["locale"], raw["kind"], raw["text"], spans))
    return examples


def unmark(marked: str) -> tuple[str, tuple[Span, ...]]:
    """The text a detector sees, and the labelled spans, of a marked record."""
    parts: list[str] = []
    spans: list[Span] = []
    length = 0
    position = 0
    for match in _MARK.finditer(marked):
        before = marked[position : match.start()]
        parts.append(before)
        length += len(before)
        value = match.group(2)
        spans.append(Span(match.group(1), length, length + len(value)))
        parts.append(value)
        length += len(value)
        position = match.end()
    parts.append(marked[position:])
    return "".join(parts), tuple(spans)


def load_marked(path: Path) -> list[Example]:
    """Every record of a marked set: a ``.jsonl`` file, or every ``.jsonl`` in a folder."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    examples = []
    for file in files:
        with file.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                raw = json.loads(line)
                text, spans = unmark(raw["marked"])
                examples.append(
                    Example(
                        raw["id"],
                        raw.get("lang", "en"),
                        raw["kind"],
                        text,
                        spans,
                        raw.get("format", "prose"),
                        tuple(raw.get("cultures") or ()),
                    )
                )
    return examples


def score(
    examples: Iterable[Example],
    scan: Callable[[str], list[Finding]],
    classes: Iterable[str],
) -> dict[str, ClassScore]:
    wanted = frozenset(classes)
    scores = {c: ClassScore() for c in sorted(wanted)}
    for example in examples:
        findings = [f for f in scan(example.text) if f.pii_class in wanted]
        gold = [s for s in example.spans if s.pii_class in wanted]
        for span in gold:
            hits = [
                f
                for f in findings
                if f.pii_class == span.pii_class and f.start < span.end and span.start < f.end
            ]
            entry = scores[span.pii_class]
            if hits:
                entry.tp += 1
                entry.exact += any(f.start == span.start and f.end == span.end for f in hits)
            else:
                entry.fn += 1
                entry.missed.append(example.id)
        for finding in findings:
            if not any(
                s.pii_class == finding.pii_class and finding.start < s.end and s.start < finding.end
                for s in gold
            ):
                scores[finding.pii_class].fp += 1
                scores[finding.pii_class].false.append(example.id)
    return scores


def score_by(
    examples: Iterable[Example],
    scan: Callable[[str], list[Finding]],
    classes: Iterable[str],
    key: Callable[[Example], str],
) -> dict[str, dict[str, ClassScore]]:
    """``score`` per group of examples (``key``: a language, a format), groups sorted.

    ``scan`` runs once per example and group: memoize it to score one set several ways.
    """
    groups: dict[str, list[Example]] = {}
    for example in examples:
        groups.setdefault(key(example), []).append(example)
    wanted = tuple(classes)
    return {name: score(group, scan, wanted) for name, group in sorted(groups.items())}


def total(scores: dict[str, ClassScore]) -> ClassScore:
    """Every class's counts summed: micro-averaged precision, recall and F1."""
    out = ClassScore()
    for entry in scores.values():
        out.tp += entry.tp
        out.fn += entry.fn
        out.fp += entry.fp
        out.exact += entry.exact
    return out


def table(scores: dict[str, ClassScore]) -> str:
    lines = [
        "| class | labelled | precision | recall | F1 | exact spans | FP |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in scores.items():
        labelled = s.tp + s.fn
        exact = s.exact / s.tp if s.tp else 0.0
        lines.append(
            f"| {name} | {labelled} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} "
            f"| {exact:.2f} | {s.fp} |"
        )
    return "\n".join(lines)
