"""Dates of birth with no birth word: a past date right after a person's name in a row.

Rosters, manifests, patient lists, seed data and SQL rows put a person's date of birth
next to the name without saying so ("PRUITT/DALE   1949-11-02  tour A", "Harriet Lowe,
5 Aug 1994", "('Kadri Tamm', '1987-06-15', ...)"). A date that follows a name found in the
same text, with only separators (and a sex marker) between them, on the same line, and that
lies at least ``MIN_AGE_YEARS`` back, is reported as a date of birth; a recent date beside
a name is far more often a meeting, a visit or a booking.

The engine calls this after the fast detectors, with their name findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from detectors.base import Finding
from detectors.birth_date import dated_spans

MIN_AGE_YEARS = 5
SCORE = 0.6
DETECTOR = "person_dates"
# Between the name and its date: separators and quotes, maybe an age and a sex marker
# ("M", "F", "34M", "71 F", "58 y/o").
_SEPARATORS = r"""[\s,;:|'"()\-–—]"""
_SEX = r"(?:[MFmfWwKk]|male|female)"
_BETWEEN = re.compile(
    rf"{_SEPARATORS}*(?:(?:\d{{1,3}}[ ]?(?:y/?o|yrs?|years?|{_SEX})|{_SEX}){_SEPARATORS}+)?"
)
_REACH = 40  # characters after the name where its date may begin
_TIME = re.compile(r"\d:\d\d")


def dates_beside_people(text: str, findings: Iterable[Finding]) -> list[Finding]:
    latest = date.today().year - MIN_AGE_YEARS
    found = []
    for name in findings:
        if name.pii_class != "name":
            continue
        line_end = text.find("\n", name.end)
        hi = min(len(text) if line_end < 0 else line_end, name.end + _REACH)
        gap = _BETWEEN.match(text, name.end, hi)
        if gap is None or gap.end() == name.end:
            continue  # glued to the name, or nothing between: no row of fields
        for start, end, day in dated_spans(text, gap.end(), gap.end() + 1):
            # A date with its time ("1999-04-12 10:31", "...T10:31") is a timestamp.
            if day.year <= latest and _TIME.search(text, start, end + 3) is None:
                found.append(Finding("date_of_birth", start, end, SCORE, DETECTOR))
    return found
