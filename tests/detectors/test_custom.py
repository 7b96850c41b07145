from __future__ import annotations

import pytest

from core.errors import ConfigError
from detectors.base import DetectorError
from detectors.custom import CustomRegexDetector, CustomRule


def test_rules_find_their_classes() -> None:
    detector = CustomRegexDetector(
        [
            CustomRule("employee_id", r"\bEMP-\d{6}\b", 0.9),
            CustomRule("project", r"\bproject (?:falcon|osprey)\b", 0.7, ignore_case=True),
        ]
    )
    assert detector.classes == frozenset({"employee_id", "project"})
    text = "EMP-123456 works on Project Falcon."
    found = sorted((f.pii_class, text[f.start : f.end], f.score) for f in detector.detect(text))
    assert found == [("employee_id", "EMP-123456", 0.9), ("project", "Project Falcon", 0.7)]


@pytest.mark.parametrize(
    "rule",
    [
        CustomRule("employee_id", r"EMP-(\d+"),  # bad pattern
        CustomRule("employee_id", r"\d*"),  # matches empty text
        CustomRule("Employee ID", r"EMP"),  # bad class name
        CustomRule("employee_id", r"EMP", score=1.5),
    ],
)
def test_bad_rules_fail_at_start_up(rule: CustomRule) -> None:
    with pytest.raises(ConfigError):
        CustomRegexDetector([rule])


def test_no_rules_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        CustomRegexDetector([])


def test_catastrophic_pattern_times_out_and_fails_closed() -> None:
    detector = CustomRegexDetector([CustomRule("bad", r"(a+)+b\d")], timeout_seconds=0.01)
    with pytest.raises(DetectorError) as info:
        detector.detect("a" * 5000 + "c")
    assert "aaaa" not in str(info.value)
