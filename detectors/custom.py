"""Per-organisation regex rules: "employee ids look like EMP-123456, call them employee_id".

Rules come from an org's policy, so their patterns are untrusted: they are compiled once with
the ``regex`` module (a bad pattern is a ``ConfigError`` when the policy is loaded) and every
search runs under a time budget, so a catastrophically backtracking pattern fails that request
closed (``DetectorError``) instead of pinning a worker thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import regex

from core.errors import ConfigError
from detectors.base import DetectorError, Finding

DEFAULT_TIMEOUT_SECONDS = 0.05
_CLASS_NAME = regex.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True, slots=True)
class CustomRule:
    """One rule: text matching ``pattern`` is reported as ``pii_class`` with ``score``."""

    pii_class: str
    pattern: str
    score: float = 0.9
    ignore_case: bool = False


class CustomRegexDetector:
    """Runs an org's ``CustomRule``s. ``classes`` is the set of their class names."""

    def __init__(
        self,
        rules: Iterable[CustomRule],
        *,
        name: str = "custom_regex",
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.name = name
        self._timeout = timeout_seconds
        self._rules = tuple(_compile(rule) for rule in rules)
        if not self._rules:
            raise ConfigError(f"detector {name!r}: custom_regex needs at least one rule")
        self.classes = frozenset(rule.pii_class for rule, _ in self._rules)

    def detect(self, text: str) -> list[Finding]:
        findings = []
        for rule, pattern in self._rules:
            try:
                matches = list(pattern.finditer(text, timeout=self._timeout))
            except TimeoutError as exc:
                raise DetectorError(self.name, f"rule for {rule.pii_class!r} timed out") from exc
            findings.extend(
                Finding(rule.pii_class, m.start(), m.end(), rule.score, self.name)
                for m in matches
                if m.end() > m.start()
            )
        return findings


def _compile(rule: CustomRule) -> tuple[CustomRule, regex.Pattern[str]]:
    if not _CLASS_NAME.fullmatch(rule.pii_class):
        raise ConfigError(
            f"custom rule class {rule.pii_class!r}: use lowercase letters, digits and _"
        )
    if not 0.0 <= rule.score <= 1.0:
        raise ConfigError(f"custom rule for {rule.pii_class!r}: score must be in [0, 1]")
    flags = regex.IGNORECASE if rule.ignore_case else 0
    try:
        pattern = regex.compile(rule.pattern, flags)
    except regex.error as exc:
        raise ConfigError(f"custom rule for {rule.pii_class!r}: bad pattern: {exc}") from exc
    if pattern.search(""):
        raise ConfigError(f"custom rule for {rule.pii_class!r}: pattern matches empty text")
    return rule, pattern
