"""Dates of birth: a real calendar date with a birth word ("born", "DOB", ...) close by.

Dates are recognised in numeric (``1990-05-17``, ``17/05/1990``, ``05/17/1990``,
``17.05.1990``) and written forms (``17 May 1990``, ``May 17th, 1990``, ``17. Mai 1990``,
``17 mai 1990``). A date alone is not personal: only one with a birth word in the same
sentence, shortly before it ("born on", "Date of birth:") or right after it ("(DOB)"), is
reported. Years must be four digits between 1890 and 2099, or two digits after a birth word.
"""

from __future__ import annotations

import re
from datetime import date

from detectors.base import Finding
from detectors.context import ContextWords

_MONTH_NAMES = (
    "january jan janvier janv januar jän",
    "february feb febr février févr februar",
    "march mar mars märz",
    "april apr avril avr",
    "may mai",
    "june jun juin juni",
    "july jul juillet juil juli",
    "august aug août",
    "september sep sept septembre",
    "october oct octobre oktober okt",
    "november nov novembre",
    "december dec décembre déc dezember dez",
)
_MONTHS: dict[str, int] = {
    name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names.split()
}

_MONTH = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_DAY_SUFFIX = r"(?:st|nd|rd|th|er)?"
_DATE = re.compile(
    rf"""(?<![\w./\-])(?:
        (?P<iy>\d{{4}})(?P<isep>[-/.])(?P<im>\d{{1,2}})(?P=isep)(?P<id>\d{{1,2}})
      | (?P<n1>\d{{1,2}})(?P<nsep>[-/.])(?P<n2>\d{{1,2}})(?P=nsep)(?P<ny>\d{{4}}|\d{{2}})
      | (?P<td>\d{{1,2}}){_DAY_SUFFIX}\.?\s(?:of\s)?(?P<tm>{_MONTH})\.?,?\s(?P<ty>\d{{4}})
      | (?P<um>{_MONTH})\.?\s(?P<ud>\d{{1,2}}){_DAY_SUFFIX},?\s(?P<uy>\d{{4}})
    )(?![\w/\-]|[.:]\d)""",
    re.IGNORECASE | re.VERBOSE,
)

_LONGEST_DATE = 30  # "September 17th, 1990" and the like
_BIRTH_CONTEXT = ContextWords(
    (
        "born|birth|birthday|birthdate|date of birth|dob|d.o.b.|d.o.b|b.|née|né|nee|geboren|"
        "geb.|geburtsdatum|geburtstag|date de naissance|naissance|birth date|bday|b-day|"
        "birthdate:"
    ).split("|"),
    before=45,
    after=25,
)


class DateOfBirthDetector:
    name = "date_of_birth"
    classes = frozenset({"date_of_birth"})

    def detect(self, text: str) -> list[Finding]:
        # Birth words are rare and dates are everywhere: look for dates only near the words.
        findings: list[Finding] = []
        seen = -1
        for lo, hi in _BIRTH_CONTEXT.regions(text, _LONGEST_DATE):
            # endpos cuts no date that starts by ``hi``: none is longer than _LONGEST_DATE.
            for match in _DATE.finditer(text, max(lo, seen), hi + _LONGEST_DATE):
                if match.start() > hi:
                    break
                seen = match.end()
                if _is_calendar_date(match) and _BIRTH_CONTEXT.near(
                    text, match.start(), match.end()
                ):
                    findings.append(
                        Finding("date_of_birth", match.start(), match.end(), 0.85, self.name)
                    )
        return findings


def _is_calendar_date(match: re.Match[str]) -> bool:
    if match["iy"]:
        return _real(int(match["iy"]), int(match["im"]), int(match["id"]))
    if match["n1"]:
        year = _year(match["ny"])
        first, second = int(match["n1"]), int(match["n2"])
        # Day-first (most of the world) or month-first (US): either reading will do.
        return _real(year, second, first) or _real(year, first, second)
    if match["td"]:
        return _real(int(match["ty"]), _MONTHS[match["tm"].lower()], int(match["td"]))
    return _real(int(match["uy"]), _MONTHS[match["um"].lower()], int(match["ud"]))


def _year(text: str) -> int:
    if len(text) == 4:
        return int(text)
    # A two-digit year of birth: "05/17/90" is 1990, "05/17/04" is 2004.
    value = int(text)
    return 2000 + value if value < 30 else 1900 + value


def _real(year: int, month: int, day: int) -> bool:
    if not 1890 <= year <= 2099:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True
