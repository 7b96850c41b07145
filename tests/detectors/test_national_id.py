from __future__ import annotations

import pytest

from detectors.national_id import SsnDetector, ssn_ok


def spans(text: str) -> list[str]:
    return [text[f.start : f.end] for f in SsnDetector().detect(text)]


@pytest.mark.parametrize("ssn", ["536-90-4399", "078-05-1121", "899-99-9999", "001-01-0001"])
def test_dashed_ssn(ssn: str) -> None:
    assert spans(f"Employee record {ssn} updated.") == [ssn]


@pytest.mark.parametrize(
    "ssn",
    [
        "000-12-3456",  # area 000
        "666-12-3456",  # area 666
        "912-34-5678",  # 9xx: ITIN range
        "536-00-4399",  # group 00
        "536-90-0000",  # serial 0000
        "078-05-1120",  # published (Woolworth wallet)
        "123-45-6789",  # published (ads)
    ],
)
def test_rules_reject_never_issued_numbers(ssn: str) -> None:
    area, group, serial = ssn.split("-")
    assert not ssn_ok(area, group, serial)
    assert spans(f"SSN: {ssn}") == []


def test_spaced_and_bare_need_context() -> None:
    assert spans("SSN 536 90 4399") == ["536 90 4399"]
    assert spans("social security number: 536904399") == ["536904399"]
    assert spans("Is 536904399 right?") == []
    (weak,) = SsnDetector().detect("Is 536 90 4399 right?")
    (strong,) = SsnDetector().detect("SSN 536 90 4399")
    assert weak.score < strong.score


@pytest.mark.parametrize(
    "text",
    ["ZIP 94105-1234", "2024-05-17", "phone 415-555-0134", "part no. 536-90-4399-01"],
)
def test_ssn_hard_negatives(text: str) -> None:
    assert spans(text) == []
