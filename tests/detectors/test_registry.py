from __future__ import annotations

import pytest

from core.errors import ConfigError
from detectors.base import PII_CLASSES
from detectors.custom import CustomRegexDetector
from detectors.registry import FAST_KINDS, default_registry, fast_engine


def test_unknown_kind_fails_at_start_up() -> None:
    with pytest.raises(ConfigError, match="unknown detector kind 'emial'"):
        default_registry().build_engine([{"kind": "email"}, {"kind": "emial"}])


def test_bad_options_fail_at_start_up() -> None:
    with pytest.raises(ConfigError, match="'email'"):
        default_registry().build("email", {"colour": "blue"})
    with pytest.raises(ConfigError):
        default_registry().build_engine([{"kind": "custom_regex", "rules": [{"nope": 1}]}])
    with pytest.raises(ConfigError):
        default_registry().build_engine([{"rules": []}])


def test_duplicate_detector_names_fail_at_start_up() -> None:
    with pytest.raises(ConfigError):
        default_registry().build_engine([{"kind": "email"}, {"kind": "email"}])


def test_custom_regex_from_config() -> None:
    engine = default_registry().build_engine(
        [
            {"kind": "email"},
            {
                "kind": "custom_regex",
                "name": "acme_rules",
                "rules": [{"pii_class": "employee_id", "pattern": r"EMP-\d{6}", "score": 0.8}],
            },
        ]
    )
    (custom,) = [d for d in engine.fast if isinstance(d, CustomRegexDetector)]
    assert custom.name == "acme_rules"
    found = engine.scan("EMP-123456", frozenset({"employee_id"}))
    assert [(x.pii_class, x.detector) for x in found] == [("employee_id", "acme_rules")]


def test_fast_engine_covers_the_fast_classes() -> None:
    engine = fast_engine()
    # The field and lexicon detectors find names and addresses without a model.
    assert engine.classes == frozenset(FAST_KINDS) | {"name", "address"}
    assert fast_engine(FAST_KINDS).classes == frozenset(FAST_KINDS)
    assert engine.classes | {"name", "address"} == PII_CLASSES
    assert engine.slow == ()


def test_ner_kinds_are_slow() -> None:
    registry = default_registry()
    assert registry.kind("ner").slow and registry.kind("presidio").slow
    assert not registry.kind("email").slow
