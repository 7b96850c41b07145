"""The policy engine: findings + policy + request facts in, a frozen decision out. Pure.

A decision is ``deny`` when any finding's action is ``deny``, ``transform`` when any is
tokenize / mask / remove, else ``allow``. Reason codes read ``pii.<class>.<action>`` (and
``detector.failed`` when detection failed and the policy fails open). Values never appear in a
decision: only classes and counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from detectors.custom import CustomRule
from policies.matrix import DEFAULT_ROW, Action

ALLOW = "allow"
TRANSFORM = "transform"
DENY = "deny"
DEFAULT_OUTPUT_TOOL = "ai.generate"


@dataclass(frozen=True)
class CompiledPolicy:
    """An org's active policy, ready to evaluate (built when policies are loaded)."""

    id: str
    org_id: str
    name: str
    matrix: Mapping[str, Mapping[str, Action]]
    fail_open: bool = False
    output_tool: str = DEFAULT_OUTPUT_TOOL
    custom_rules: tuple[CustomRule, ...] = ()
    _classes: dict[str, frozenset[str] | None] = field(default_factory=dict, compare=False)

    def action(self, tool: str, pii_class: str) -> Action:
        row = self.matrix.get(tool)
        if row is None:
            row = self.matrix.get(DEFAULT_ROW, {})
        action = row.get(pii_class) or row.get(DEFAULT_ROW)
        return action or Action.PASS_THROUGH

    def classes_to_detect(self, tool: str, known: frozenset[str]) -> frozenset[str]:
        """Classes whose action for ``tool`` is not pass_through: only those need detecting."""
        cached = self._classes.get(tool)
        if cached is None:
            cached = frozenset(c for c in known if self.action(tool, c) != Action.PASS_THROUGH)
            self._classes[tool] = cached
        return cached


@dataclass(frozen=True, slots=True)
class Verdict:
    decision: str
    reasons: tuple[str, ...]
    counts: Mapping[str, int]
    denied: tuple[str, ...]  # classes whose action was deny
    confidence: float

    def summary(self) -> dict[str, Any]:
        """The Decision row's ``detector_summary``: classes and counts, never values."""
        return {
            "reasons": list(self.reasons),
            "confidence": self.confidence,
            "piiDetected": [{"class": c, "count": n} for c, n in sorted(self.counts.items())],
        }


def evaluate(
    findings: Iterable[tuple[str, float, str]],
    policy: CompiledPolicy | None,
    *,
    detector_failed: bool = False,
) -> Verdict:
    """``findings`` are (pii_class, score, tool governing the text it was found in)."""
    counts: Counter[str] = Counter()
    reasons: set[str] = set()
    denied: set[str] = set()
    transformed = False
    confidence = 1.0
    for pii_class, score, tool in findings:
        counts[pii_class] += 1
        confidence = min(confidence, score)
        action = policy.action(tool, pii_class) if policy else Action.PASS_THROUGH
        if action == Action.PASS_THROUGH:
            continue
        reasons.add(f"pii.{pii_class}.{action.value}")
        if action == Action.DENY:
            denied.add(pii_class)
        else:
            transformed = True
    if detector_failed:
        reasons.add("detector.failed")
    decision = DENY if denied else TRANSFORM if transformed else ALLOW
    return Verdict(
        decision=decision,
        reasons=tuple(sorted(reasons)),
        counts=dict(counts),
        denied=tuple(sorted(denied)),
        confidence=round(confidence, 3),
    )
