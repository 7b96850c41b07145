"""Why names are missed and what alters prompts without PII: ``python bench/pii_causes.py``.

    python bench/pii_causes.py [--set heldout|dev|corpus] [--files GLOB]

The detectors alone (the gateway's default fast kinds plus NER, as ``pii_gateway_eval.py``
builds them), counted two ways, aggregates only: no record's text or id is printed, so the
held-out set can be looked at this way without being read.

- **Names missed, by cause**: a labelled name no name finding overlaps was taken by another
  class's finding, or the name lexicon proposed it (one of its rules, or its wider net of
  known words) and the name scorer turned it down, or nothing proposed it; per format and
  language.
- **Prompts without PII altered, by what found something**: the class and detector of each
  finding (also per format), and for the name lexicon's the rule or net that proposed it (its
  ``source``).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pii_gateway_eval import SETS, detector_kinds, load_set
from bench.pii_leaks import CORE_CLASSES, NEGATIVE_KINDS
from bench.pii_metrics import Example
from detectors.base import Finding
from detectors.name_lexicon import _TOKEN, NameLexiconDetector
from detectors.registry import default_registry

NO_CANDIDATE = "nothing proposed it"
RULE_REJECTED = "a rule proposed it, the scorer turned it down"
WIDER_REJECTED = "the wider net proposed it, the scorer turned it down"
OTHER_CLASS = "another class's finding covers it"


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


class Causes:
    def __init__(self) -> None:
        self.engine = default_registry().build_engine({"kind": k} for k in detector_kinds())
        self.lexicon = next(d for d in self.engine.fast if isinstance(d, NameLexiconDetector))
        self.classes = frozenset(CORE_CLASSES)
        self.names = 0
        self.missed: Counter[str] = Counter()
        self.missed_by: Counter[tuple[str, str, str]] = Counter()  # cause, format, language
        self.negatives = 0
        self.altered = 0
        self.altered_by: Counter[tuple[str, str]] = Counter()  # class, detector
        self.altered_formats: Counter[tuple[str, str, str]] = Counter()  # format, class, detector
        self.altered_sources: Counter[str] = Counter()

    def _candidates(self, text: str, found: list[Finding]) -> list[tuple[str, Finding, bool]]:
        others = [f for f in found if f.pii_class != "name"]
        candidates, _ = self.lexicon.described(
            text, list(_TOKEN.finditer(text)), screened=False, earlier=others
        )
        return candidates

    def add(self, example: Example) -> None:
        found = self.engine.scan(example.text, self.classes)
        if example.kind in NEGATIVE_KINDS:
            self._negative(example, found)
        else:
            self._positive(example, found)

    def _negative(self, example: Example, found: list[Finding]) -> None:
        self.negatives += 1
        if not found:
            return
        self.altered += 1
        self.altered_by.update({(f.pii_class, f.detector) for f in found})
        self.altered_formats.update({(example.format, f.pii_class, f.detector) for f in found})
        lexicon_found = [f for f in found if f.detector == self.lexicon.name]
        if lexicon_found:
            candidates = self._candidates(example.text, found)
            for f in lexicon_found:
                sources = {
                    source.rstrip("0123456789") + (" (rule)" if by_rule else " (wider net)")
                    for source, c, by_rule in candidates
                    if _overlaps(c.start, c.end, f.start, f.end)
                }
                self.altered_sources.update(sources or {"found again / aliases"})

    def _positive(self, example: Example, found: list[Finding]) -> None:
        names = [f for f in found if f.pii_class == "name"]
        others = [f for f in found if f.pii_class != "name"]
        candidates: list[tuple[str, Finding, bool]] | None = None
        for span in example.spans:
            if span.pii_class != "name":
                continue
            self.names += 1
            if any(_overlaps(f.start, f.end, span.start, span.end) for f in names):
                continue
            if any(_overlaps(f.start, f.end, span.start, span.end) for f in others):
                cause = OTHER_CLASS
            else:
                if candidates is None:
                    candidates = self._candidates(example.text, found)
                proposed = [
                    by_rule
                    for _, c, by_rule in candidates
                    if _overlaps(c.start, c.end, span.start, span.end)
                ]
                if not proposed:
                    cause = NO_CANDIDATE
                else:
                    cause = RULE_REJECTED if any(proposed) else WIDER_REJECTED
            self.missed[cause] += 1
            self.missed_by[(cause, example.format, example.locale.split("-")[0][:2])] += 1

    def report(self, top: int = 12) -> str:
        lines = [f"names: {self.names:,}, missed: {sum(self.missed.values()):,}"]
        lines += [f"  {count:5}  {cause}" for cause, count in self.missed.most_common()]
        for index, label in ((1, "format"), (2, "language")):
            lines.append(f"names missed, by cause and {label} (the {top} largest)")
            totals: Counter[tuple[str, str]] = Counter()
            for key, count in self.missed_by.items():
                totals[(key[0], key[index])] += count
            lines += [f"  {n:5}  {cause}: {what}" for (cause, what), n in totals.most_common(top)]
        lines.append(f"prompts without PII: {self.negatives:,}, altered: {self.altered:,}")
        lines.append("  altered by (class, detector): a prompt counts once for each")
        lines += [f"  {n:5}  {c} / {d}" for (c, d), n in self.altered_by.most_common()]
        lines.append(f"  altered by format, class and detector (the {top} largest)")
        lines += [
            f"  {n:5}  {fmt}: {c} / {d}" for (fmt, c, d), n in self.altered_formats.most_common(top)
        ]
        lines.append("  the name lexicon's findings there, by what proposed them")
        lines += [f"  {n:5}  {source}" for source, n in self.altered_sources.most_common()]
        return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=sorted(SETS), default="heldout")
    parser.add_argument("--files", help='only the set\'s files matching this glob ("dev14*")')
    args = parser.parse_args(argv)
    causes = Causes()
    for example in load_set(args.set, args.files):
        causes.add(example)
    print(f"{args.set}: detectors {', '.join(detector_kinds())}")
    print(causes.report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
