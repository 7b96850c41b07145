from __future__ import annotations

import pytest

from detectors.birth_date import DateOfBirthDetector


def spans(text: str) -> list[str]:
    return [text[f.start : f.end] for f in DateOfBirthDetector().detect(text)]


@pytest.mark.parametrize(
    "text, date",
    [
        ("I was born on 1990-05-17.", "1990-05-17"),
        ("DOB: 17/05/1990", "17/05/1990"),
        ("D.O.B. 05/17/1990", "05/17/1990"),
        ("Date of birth: 17.05.1990", "17.05.1990"),
        ("born May 17, 1990 in Ohio", "May 17, 1990"),
        ("born on May 17th, 1990", "May 17th, 1990"),
        ("Birthday: 17 May 1990", "17 May 1990"),
        ("Geburtsdatum: 17. Mai 1990", "17. Mai 1990"),
        ("née le 17 mai 1990", "17 mai 1990"),
        ("Patient (1990-05-17, DOB) arrived", "1990-05-17"),
        ("DOB 05/17/90", "05/17/90"),
    ],
)
def test_dates_with_birth_context(text: str, date: str) -> None:
    assert spans(text) == [date]


@pytest.mark.parametrize(
    "text",
    [
        "The invoice is dated 2023-04-01.",
        "Meeting moved to May 17, 2024 at 10:00.",
        "Deadline: 17.05.2025",
        "I was born in Paris. The meeting is on 2024-05-17.",
        "DOB: 1990-02-30",  # no such day
        "DOB: 1850-01-01",  # out of range
        "born in 1990",  # a year is not a date
        "Invoice 2023-04-01, paid on 15/04/2023.",
    ],
)
def test_birth_date_hard_negatives(text: str) -> None:
    assert spans(text) == []


def test_known_limit_any_birth_word_in_the_sentence_counts() -> None:
    # Context is a word window, not a parse: a birth word near an unrelated date still counts.
    assert spans("Born to run: the tour ended on 1992-08-17.") == ["1992-08-17"]
