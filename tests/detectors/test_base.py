from __future__ import annotations

import dataclasses

import pytest

from detectors.base import Finding


def test_finding_holds_no_value() -> None:
    finding = Finding("email", 3, 10, 0.9, "email")
    assert {f.name for f in dataclasses.fields(finding)} == {
        "pii_class",
        "start",
        "end",
        "score",
        "detector",
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.start = 4  # type: ignore[misc]


@pytest.mark.parametrize(("start", "end", "score"), [(5, 5, 0.5), (-1, 3, 0.5), (0, 3, 1.5)])
def test_finding_rejects_bad_spans_and_scores(start: int, end: int, score: float) -> None:
    with pytest.raises(ValueError):
        Finding("email", start, end, score, "email")


def test_overlaps() -> None:
    a = Finding("x", 0, 5, 0.5, "d")
    assert a.overlaps(Finding("x", 4, 8, 0.5, "d"))
    assert not a.overlaps(Finding("x", 5, 8, 0.5, "d"))
