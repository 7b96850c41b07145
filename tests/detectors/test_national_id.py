from __future__ import annotations

import pytest

from detectors.national_id import SsnDetector, is_ssn_shape, ssn_ok


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
    assert spans(f"Employee record {ssn} updated.") == []


@pytest.mark.parametrize(
    "text, ssn",
    [
        # Right after an SSN word, an SSN-shaped number is an SSN whatever the rules say:
        # never-issued areas, groups and serials, and the published samples.
        ("SSN: 078-05-1120", "078-05-1120"),
        ("SSN: 000-12-3456", "000-12-3456"),
        ("social security number 666 12 3456", "666 12 3456"),
        ("SS# 912345678", "912345678"),
        ("soc sec 123-45-6789", "123-45-6789"),
        ("My SSN is 219-09-9999.", "219-09-9999"),
        ("the SSN field had 536-00-4399 in it", "536-00-4399"),
        ('{"ssn": "123-45-6789"}', "123-45-6789"),
        ("audit subject_ssn=078-05-1120 result=match", "078-05-1120"),
        ("Número de seguro social: 078-05-1120", "078-05-1120"),
        # The question on one line, the answer on the next
        ("Rep: Can I get your Social Security number?\nCaller: it's 078-05-1120.", "078-05-1120"),
    ],
)
def test_ssn_word_then_ssn_shape_is_an_ssn(text: str, ssn: str) -> None:
    (finding,) = SsnDetector().detect(text)
    assert text[finding.start : finding.end] == ssn
    digits = "".join(ch for ch in ssn if ch.isdigit())
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if not ssn_ok(area, group, serial):
        assert finding.score < 0.85  # the rules lower the score, they never drop it


@pytest.mark.parametrize(
    "text",
    [
        "Placeholder 666-12-3456 is not a real SSN.",  # the word after, not before
        "ITIN 912-71-2345 belongs to a non-resident.",
        "SSN on file. Routing 054001725",  # another sentence
        "SSN and routing 054001725",  # bare digits need the word right before them
        "SSN 2024-09-9999 ticket",  # not the shape
        "SSN: 078-05-11200",
        # Examples of SSNs, not someone's
        "what does an SSN like 000-12-3456 mean?",
        'test_data:\n  invalid_ssn_area_666: "666-12-4567"',
        "SSN format e.g. 123-45-6789",
        # Another number's label in between, or a statement on the line before
        "SSN and ITIN 988-70-0207 on the form",
        "Placeholder 666-12-3456 is not a real SSN.\nITIN 988-70-0207 belongs to a non-resident.",
    ],
)
def test_ssn_word_does_not_make_everything_an_ssn(text: str) -> None:
    assert spans(text) == []


def test_spoken_digits_after_an_ssn_word() -> None:
    text = "Rep: And your social security number?\nCaller: Sure, it's 3 8 1, 4 4, 7 7 2 0."
    assert spans(text) == ["3 8 1, 4 4, 7 7 2 0"]
    assert spans("Caller: Sure, 3 8 1, 4 4, 7 7 2 0.") == []


def test_ssns_in_csv_rows() -> None:
    text = "name,ssn,dob\nParker,412-60-3387,1995-07-14\nNgo,604 19 2275,1988-02-29"
    assert spans(text) == ["412-60-3387", "604 19 2275"]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("078-05-1120", True),
        (" 000 12 3456 ", True),
        ("912345678", True),
        ("078-05 1120", False),
        ("078-051-120", False),
        ("07805112", False),
        ("SSN 078-05-1120", False),
        ("", False),
    ],
)
def test_is_ssn_shape(value: str, expected: bool) -> None:
    assert is_ssn_shape(value) is expected


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


def test_an_ssn_glued_to_no_dot() -> None:
    text = "Social Security No.026-86-9641 — start date Monday"
    assert [text[f.start : f.end] for f in SsnDetector().detect(text)] == ["026-86-9641"]
    # A version or a decimal before the digits is still no SSN.
    assert SsnDetector().detect("release v2.026-86-9641 is out") == []


def test_a_catalogues_part_numbers_shaped_like_ssns() -> None:
    parts = (
        "part_no,description,supplier\n123-45-6780,Hex bolt M8x40,Würth\n219-33-0047,Gloves,Ansell"
    )
    assert SsnDetector().detect(parts) == []
    people = "name,ssn,dob\nAna Lima,219-33-0047,1990-01-02"
    assert [people[f.start : f.end] for f in SsnDetector().detect(people)] == ["219-33-0047"]
