"""Dates of birth written in words or Chinese numerals, found with a birth word near them."""

from __future__ import annotations

from datetime import date

import pytest

from detectors.birth_date import DateOfBirthDetector
from detectors.spoken_dates import spoken_dates

DETECTOR = DateOfBirthDetector()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("March third, nineteen eighty-one", date(1981, 3, 3)),
        ("the fifth of May, two thousand and five", date(2005, 5, 5)),
        ("october 9th nineteen seventy two", date(1972, 10, 9)),
        ("June 2 nineteen oh five", date(1905, 6, 2)),
        ("May the first, twenty twelve", date(2012, 5, 1)),
        # The month by its number, the year by its last two digits
        ("Fifteenth of the fifth, nineteen-ninety", date(1990, 5, 15)),
        ("Eleventh of the ninth, sixty-seven", date(1967, 9, 11)),
        ("fifth of December, eighty-eight", date(1988, 12, 5)),
        ("一九九二年五月八号", date(1992, 5, 8)),
        ("一九八七年十二月二十三日", date(1987, 12, 23)),
    ],
)
def test_dates_in_words(text: str, expected: date) -> None:
    assert [(s, e, d) for s, e, d in spoken_dates(text, 0, len(text))] == [(0, len(text), expected)]


@pytest.mark.parametrize(
    "text",
    ["February thirtieth, nineteen ninety", "May one more time", "from January 5th nineteen"],
)
def test_no_such_date(text: str) -> None:
    assert list(spoken_dates(text, 0, len(text))) == []


def test_a_birth_word_is_needed() -> None:
    call = "Agent: And your date of birth?\nCaller: March third, nineteen eighty-one."
    assert [call[f.start : f.end] for f in DETECTOR.detect(call)] == [
        "March third, nineteen eighty-one"
    ]
    chat = "客服：请报一下您的出生日期。\n客户：一九九二年五月八号。"
    assert [chat[f.start : f.end] for f in DETECTOR.detect(chat)] == ["一九九二年五月八号"]
    assert DETECTOR.detect("The launch is on May the first, twenty twelve.") == []
