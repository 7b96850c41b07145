from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

import pytest

from core.settings import PiiConfig
from detectors.engine import DetectionEngine
from detectors.registry import default_registry

CLASSES = frozenset({"name", "date_of_birth"})


@cache
def engine() -> DetectionEngine:
    return default_registry().build_engine({"kind": kind} for kind in PiiConfig().detectors)


def found(text: str) -> list[tuple[str, str]]:
    findings = engine().merge(engine().scan_fast(text, CLASSES), CLASSES)
    return [(f.pii_class, text[f.start : f.end]) for f in findings]


def births(text: str) -> list[str]:
    return [value for cls, value in found(text) if cls == "date_of_birth"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Rosters, manifests, lists and rows: the date right after a person's name.
        ("Boat list\nKARLSEN/INGRID    1961-03-14  cabin 2\n", ["1961-03-14"]),
        ("Clinic list: Tomasz Wiśniewski, 3 Feb 1978 - follow-up", ["3 Feb 1978"]),
        ("HALVORSEN/BJØRN   M  23/08/1955  seat 7", ["23/08/1955"]),
        ("INSERT INTO members VALUES (4, 'Maarja Kask', '1990-11-02', 'Tallinn');", ["1990-11-02"]),
        # A recent date beside a name is a visit or a booking, not a birth.
        (f"Ana Lucía Romero, {date.today().year - 1}-03-02 - dental check", []),
        # A timestamp is no date of birth either.
        ("Kwabena Mensah 1999-04-12 10:31 logged in", []),
        # A date far from the name, or after words, is not in the name's row.
        ("Tomasz Wiśniewski was our guest; the hotel opened on 3 Feb 1978.", []),
    ],
)
def test_a_past_date_right_after_a_name_is_a_date_of_birth(text: str, expected: list[str]) -> None:
    assert births(text) == expected


def test_a_date_without_a_person_is_not_reported() -> None:
    assert births("Release 1961-03-14  build 2") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An age and a sex marker between the name and the date, as triage notes write them.
        ("Triage: Ciaran Doyle, 34M, 03.11.1991, fall from ladder", ["03.11.1991"]),
        ("Bed 4 - Agnieszka Kowalczyk (71 F) 12/02/1953 - post-op", ["12/02/1953"]),
        ("Ward list: Rosario Mendoza, 58 y/o, 1966-05-30, diabetic", ["1966-05-30"]),
    ],
)
def test_a_date_after_a_name_and_its_age_is_a_date_of_birth(text: str, expected: list[str]) -> None:
    assert births(text) == expected


def test_a_date_after_a_name_only_ner_finds_is_a_date_of_birth(ner_detector: Any) -> None:
    # No name list holds "Thorvald Quennell" as a pair; NER, run as the gateway runs it (a
    # slow detector), finds it.
    text = "The walk-in patient was Thorvald Quennell, 1987-09-14, with a sprained ankle."
    assert births(text) == []
    with_ner = engine().with_detectors(slow_detectors=[ner_detector])
    found = with_ner.scan(text, CLASSES)
    assert [text[f.start : f.end] for f in found if f.pii_class == "date_of_birth"] == [
        "1987-09-14"
    ]
