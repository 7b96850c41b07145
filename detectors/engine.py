"""``DetectionEngine``: runs the detectors a policy needs and settles overlapping findings.

Built once at start-up from fast detectors (regexes: microseconds, fine on the event loop) and
slow ones (NER: milliseconds, run them in a thread). A request's precheck calls ``scan``:
inline, or whole in a thread with a time-out when NER is wanted (``gateway.pii``).
``scan_fast`` and ``scan_slow`` are its two halves, for the tools that time or train on one
of them. Per-org custom rules
give a per-org engine: ``engine.with_detectors(CustomRegexDetector(rules))`` shares every
detector already built.

After the fast detectors, and in ``scan`` after NER too, a past date right after a name
they found is a date of birth (``detectors.person_dates``: rosters and rows say so by
position, not by a word).

Overlaps are settled deterministically: the higher score wins, then the longer span, then the
earlier start, then the class name; a finding overlapping a kept one is dropped.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

from detectors.base import Detector, DetectorError, Finding
from detectors.name_lexicon import mentioned_again
from detectors.not_persons import a_stand_in, a_things_word_elsewhere
from detectors.person_dates import dates_beside_people
from detectors.structured import StructuredFieldDetector, a_things_own_value, listed_as_thing


class DetectionEngine:
    def __init__(
        self, detectors: Iterable[Detector] = (), slow_detectors: Iterable[Detector] = ()
    ) -> None:
        self.fast: tuple[Detector, ...] = tuple(detectors)
        self.slow: tuple[Detector, ...] = tuple(slow_detectors)
        names = [d.name for d in self.fast + self.slow]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"detector names must be unique, repeated: {sorted(duplicates)}")

    @property
    def classes(self) -> frozenset[str]:
        """Every class some detector of this engine can find."""
        return frozenset().union(*(d.classes for d in self.fast + self.slow))

    def with_detectors(
        self, detectors: Iterable[Detector] = (), slow_detectors: Iterable[Detector] = ()
    ) -> DetectionEngine:
        """A new engine with these detectors added (for per-org custom rules)."""
        return DetectionEngine(self.fast + tuple(detectors), self.slow + tuple(slow_detectors))

    def needs_slow_scan(self, classes: frozenset[str]) -> bool:
        return any(d.classes & classes for d in self.slow)

    def scan(self, text: str, classes: frozenset[str]) -> list[Finding]:
        """Every wanted class, overlaps settled, sorted by start. Runs NER inline."""
        slow = self.scan_slow(text, classes)
        found = self.scan_fast(text, classes) + slow
        if "date_of_birth" in classes:
            # A date right after a name only NER found ("Thorvald Quennell, 1987-09-14"), as
            # after one the fast detectors found.
            found += dates_beside_people(text, [f for f in slow if f.pii_class == "name"])
        if "address" in classes and "name" in classes:
            found = _streets_names_dropped(text, found)
        found = self.merge(found, classes)
        if "name" in classes and any(f.pii_class == "name" for f in found):
            found = [f for f in found if f.pii_class != "name" or kept_as_a_name(text, f)]
            # A person found once is the same person wherever their name stands again.
            again = mentioned_again(text, [f for f in found if f.pii_class == "name"])
            if again:
                found = self.merge(found + again, classes)
        return found

    def scan_fast(self, text: str, classes: frozenset[str]) -> list[Finding]:
        """Raw findings of the fast detectors (unresolved): pass them to ``merge``."""
        findings = _run(self.fast, text, classes)
        if "date_of_birth" in classes:
            findings.extend(dates_beside_people(text, findings))
        return findings

    def scan_slow(self, text: str, classes: frozenset[str]) -> list[Finding]:
        """Raw findings of the slow detectors (unresolved). Call it off the event loop."""
        return _run(self.slow, text, classes)

    @staticmethod
    def merge(findings: Iterable[Finding], classes: frozenset[str]) -> list[Finding]:
        """Keep the wanted classes, settle overlaps, sort by start."""
        return resolve_overlaps([f for f in findings if f.pii_class in classes])


def kept_as_a_name(text: str, name: Finding) -> bool:
    """Whether a name found stays one: not an item of "characters:" or "storms:", nor a
    thing's own name or attribute in its record ("Name: Château Lafleur / Vintage: 2016"): a
    name list or NER knows no keys, the field reader judged its own by theirs. Nor a
    stand-in ("John Doe", "Max Mustermann"), nor one word
    of a famous name named in full elsewhere in the text, the same one again ("Anna Karenina
    ... not Anna")."""
    if name.detector != StructuredFieldDetector.name and (
        listed_as_thing(text, name.start) or a_things_own_value(text, name.start)
    ):
        return False
    if a_stand_in(text, name.start, name.end):
        return False  # "John Doe" in a fixture, "Max Mustermann" on a specimen form
    return " " in text[name.start : name.end] or not a_things_word_elsewhere(
        text, name.start, name.end
    )


def _streets_names_dropped(text: str, findings: list[Finding]) -> list[Finding]:
    """Without the names wholly inside an address on one line: a street's or a place's
    ("52 Mokgosi Street, Gaborone West"), which the address keeps whatever the scores."""
    addresses = [
        f for f in findings if f.pii_class == "address" and "\n" not in text[f.start : f.end]
    ]
    if not addresses:
        return findings
    return [
        f
        for f in findings
        if f.pii_class != "name"
        or not any(a.start <= f.start and f.end <= a.end for a in addresses)
    ]


def _run(detectors: Sequence[Detector], text: str, classes: frozenset[str]) -> list[Finding]:
    findings: list[Finding] = []
    if not text:
        return findings
    # A detector that reads the others' findings (the name lexicon's scorer: what else a
    # message holds) runs after them, and sees the same ones whatever classes a policy
    # wants: then every detector runs, and ``merge`` keeps the wanted classes.
    readers = [d for d in detectors if getattr(d, "reads_earlier", False) and d.classes & classes]
    if readers:
        detectors = [*(d for d in detectors if d not in readers), *readers]
    for detector in detectors:
        if not readers and not detector.classes & classes:
            continue
        try:
            if detector in readers:
                found = detector.detect(text, tuple(findings))  # type: ignore[call-arg]
            else:
                found = detector.detect(text)
        except DetectorError:
            raise
        except Exception as exc:
            # The type only: an exception's message may quote the text being scanned.
            raise DetectorError(detector.name, type(exc).__name__) from exc
        findings.extend(found)
    return findings


def _priority(finding: Finding) -> tuple[float, int, int, str, str]:
    return (
        -finding.score,
        -(finding.end - finding.start),
        finding.start,
        finding.pii_class,
        finding.detector,
    )


def resolve_overlaps(findings: Iterable[Finding]) -> list[Finding]:
    """Overlapping findings of one class become their union ("Aminu" from a log's
    ``name=Aminu`` and "Aminu Bello Yusuf" from the name lexicon: the whole name); then,
    greedy by priority, a finding survives unless it overlaps one that ranks higher.

    Kept findings never overlap, so sorted by start their ends are sorted too, and a new one
    needs checking only against its neighbours (O(n log n) for a log full of IP addresses).
    """
    unique = set(findings)
    starts: list[int] = []
    kept: list[Finding] = []
    # Unions and single findings in one order: a union ranks as its best part and comes
    # before it (longer), and a union that loses to another class leaves its parts in play.
    for finding in sorted(unique.union(_unions(unique)), key=_priority):
        i = bisect.bisect_left(starts, finding.start)
        if i > 0 and kept[i - 1].end > finding.start:
            continue
        if i < len(kept) and kept[i].start < finding.end:
            continue
        starts.insert(i, finding.start)
        kept.insert(i, finding)
    return kept


def _unions(findings: set[Finding]) -> list[Finding]:
    """Each class's overlapping findings merged, with the best score and its detector."""
    merged: list[Finding] = []
    current: Finding | None = None
    for finding in sorted(findings, key=lambda f: (f.pii_class, f.start, -f.end, _priority(f))):
        if (
            current is None
            or finding.pii_class != current.pii_class
            or finding.start >= current.end
        ):
            if current is not None:
                merged.append(current)
            current = finding
            continue
        if finding.end <= current.end and finding.score <= current.score:
            continue  # inside, and no better
        best = finding if finding.score > current.score else current
        current = Finding(
            current.pii_class, current.start, max(current.end, finding.end), best.score,
            best.detector,
        )  # fmt: skip
    if current is not None:
        merged.append(current)
    return merged
