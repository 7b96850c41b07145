"""The contract every detector keeps, and what a detector returns.

A detector finds spans of one or more PII classes in a text. It is built once at start-up (its
regexes compiled, its model loaded) and then called for every request, possibly from several
threads at once, so ``detect`` must be pure: same text in, same findings out, no shared state
changed. Findings carry offsets, never the value: a caller that needs the value slices the text,
and nothing that logs a finding can leak what was found.

    DetectorError            a detector could not finish (bug, model failure, time-out);
                             the caller fails closed unless the policy says fail-open
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

BUILTIN_CLASSES: tuple[str, ...] = (
    "email",
    "phone",
    "ssn",
    "credit_card",
    "date_of_birth",
    "ip_address",
    "iban",
    "name",
    "address",
)
PII_CLASSES: frozenset[str] = frozenset(BUILTIN_CLASSES)
"""The built-in PII classes. Custom rules may add their own class names."""

NER_CLASSES: frozenset[str] = frozenset({"name", "address"})
"""Classes the (slow) NER detector finds; the fast field and lexicon detectors find them in
part, so a gateway without NER still acts on them."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected span: ``text[start:end]`` is (probably) a value of ``pii_class``.

    ``score`` is the detector's confidence in [0, 1]; ``detector`` is the name of the detector
    that found it. The value itself is deliberately not stored.
    """

    pii_class: str
    start: int
    end: int
    score: float
    detector: str

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"bad span [{self.start}, {self.end})")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score {self.score} outside [0, 1]")

    def overlaps(self, other: Finding) -> bool:
        return self.start < other.end and other.start < self.end


class Detector(Protocol):
    """Finds PII spans in text.

    Contract:

    - ``name`` identifies the detector in findings and metrics; ``classes`` lists every PII
      class it can report, so an engine can skip it when a policy wants none of them.
    - Built once at start-up; construction does all heavy work (compiling patterns, loading
      models). Invalid configuration raises ``core.errors.ConfigError`` there, never later.
    - ``detect`` is pure and thread-safe: it reads only ``text`` and immutable state built at
      start-up, never does I/O and never logs the text or what it found.
    - It returns findings only of classes in ``classes``, with ``0 <= start < end <=
      len(text)``, in any order; overlapping findings are allowed (the engine resolves them).
    - Any failure is raised as ``DetectorError`` (a bug inside ``detect`` may surface as
      another exception; the engine wraps it), so that callers can fail closed.
    """

    name: str
    classes: frozenset[str]

    def detect(self, text: str) -> list[Finding]: ...


class DetectorError(Exception):
    """A detector failed or timed out; the request must be denied unless policy fails open.

    The message names the detector and the failure, never the text being scanned.
    """

    def __init__(self, detector: str, message: str) -> None:
        super().__init__(f"detector {detector!r} failed: {message}")
        self.detector = detector
