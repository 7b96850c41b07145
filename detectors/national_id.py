"""US Social Security numbers.

An SSN is area-group-serial, 3-2-4 digits. The SSA never issues area 000, 666 or 900-999
(those are ITINs and test ranges), group 00 or serial 0000, nor a few numbers that were
published (078-05-1120 from a wallet insert, 219-09-9999 from an ad). ``123-45-6789`` with
dashes is an SSN by shape, spaced ``123 45 6789`` a weaker one; nine bare digits need a nearby
"SSN" or "social security".

Right after an SSN word ("SSN: ", "my social security number is", ``"ssn": "``,
``subject_ssn=``, or the question on the line before: "Your SSN?" / "it's ..."), a number in
SSN shape is an SSN even when those rules fail: someone typed it where an SSN goes, and a
policy that denies SSNs must deny it. The rules then only lower its score. So are the
published samples, and nine digits read out one by one ("3 8 1, 4 4, 7 7 2 0").
"""

from __future__ import annotations

import re

from detectors.base import Finding
from detectors.contact import context_words
from detectors.context import GLUE, ContextWords, column_header

# The first digit, then what may not come before it (a pattern that starts with a character
# class is searched for at C speed; "No." may touch it); a comma and the next CSV field may
# follow.
_SSN = re.compile(
    rf"(?P<area>[0-9](?<!{GLUE}[0-9])(?:(?<![\-.+/][0-9])|(?<=[Nn][Oo]\.[0-9]))[0-9]{{2}})"
    r"(?P<sep>[- ]?)"
    rf"(?P<group>[0-9]{{2}})(?P=sep)(?P<serial>[0-9]{{4}})(?!{GLUE}|[\-/]|\.[0-9])"
)
_SHAPE = re.compile(r"[0-9]{3}(?P<sep>[- ]?)[0-9]{2}(?P=sep)[0-9]{4}")
# Nine digits read out: "3 8 1, 4 4, 7 7 2 0".
_SPOKEN = re.compile(
    rf"[0-9](?=[ ,.\-])(?<!{GLUE}[0-9])(?<![0-9][ ,.\-][0-9])(?<![0-9][ ,.\-]{{2}}[0-9])"
    rf"(?:[ ,.\-]{{1,3}}[0-9]){{8}}(?!{GLUE}|[ ,.\-]+[0-9])"
)
_PUBLISHED = frozenset({"078051120", "219099999", "123456789"})

_SSN_WORDS = (
    "ssn|ssns|ss#|ssn#|social security|social security number|social security no.|social sec|"
    "soc sec|soc. sec.|ss no.|número de seguro social|numero de seguro social|seguro social|"
    "사회보장번호|社会保障番号|社会安全号码|社會安全號碼"
).split("|")
_SSN_CONTEXT = ContextWords([*_SSN_WORDS, "taxpayer id", "tin"], before=40, after=35)
# Only an SSN word, right before the number, on its line or as the question on the line above.
_SSN_LABEL = ContextWords(_SSN_WORDS, before=60, after=0, lines=True)
# An identifier with "ssn" as one of its parts, then its value: 'subject_ssn=', '"ssn_2": "'.
_SSN_KEY = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Za-z0-9]+_)*ssn(?:_[A-Za-z0-9]+)*[\"']?\s*[:=]\s*[\"']?\Z",
    re.IGNORECASE,
)
# Words that make a number an example of an SSN, not someone's: "an SSN like 000-12-3456",
# "invalid_ssn_area_666: ...".
_EXAMPLE = re.compile(
    r"like|such as|e\.g\.|example|format|pattern|sample|fake|dummy|placeholder|invalid|"
    r"\bnot\b|\btest",
    re.IGNORECASE,
)
# Another number's label between the SSN word and the number: "SSN and ITIN 988-70-0207".
_OTHER_ID = re.compile(
    r"\b(?:itin|ein|tin|account|acct|routing|phone|tel|order|invoice|ticket|case|ref|passport|"
    r"licen[cs]e|card|member|policy|claim|id)\b",
    re.IGNORECASE,
)
# What may stand between an SSN word and nine bare digits: "SSN: ", "SSN is ", "SS# ".
_TIGHT_GAP = re.compile(r"(?:[\s:=#\"'(\-]|is\b|was\b|number\b|no\.|nr\.?|num\b)*", re.I)


def ssn_ok(area: str, group: str, serial: str) -> bool:
    if area == "000" or area == "666" or area[0] == "9":
        return False
    if group == "00" or serial == "0000":
        return False
    return area + group + serial not in _PUBLISHED


def is_ssn_shape(value: str) -> bool:
    """Whether ``value``, stripped, is AAA-GG-SSSS, AAA GG SSSS or nine bare digits (the
    issuing rules not applied: under an "ssn" key, any such value is one)."""
    return _SHAPE.fullmatch(value.strip()) is not None


class SsnDetector:
    name = "ssn"
    classes = frozenset({"ssn"})

    def detect(self, text: str) -> list[Finding]:
        findings = []
        for match in _SSN.finditer(text):
            start, end = match.span()
            if not ssn_ok(match["area"], match["group"], match["serial"]):
                if _after_ssn_word(text, start, bare=not match["sep"]):
                    findings.append(Finding("ssn", start, end, 0.7, self.name))
                continue
            context = _SSN_CONTEXT.near(text, start, end) or _after_ssn_word(
                text, start, bare=not match["sep"]
            )
            if not context and _a_column_of_parts(text, start):
                continue  # "part_no,description\n123-45-6780,Hex bolt M8x40"
            if match["sep"] == "-":
                score = 0.95 if context else 0.85
            elif context:
                score = 0.85
            elif match["sep"] == " ":
                score = 0.6  # 3-2-4 digits in groups is rarely anything else
            else:
                continue
            findings.append(Finding("ssn", start, end, score, self.name))
        for match in _SPOKEN.finditer(text):
            start, end = match.span()
            if not any(f.start < end and start < f.end for f in findings) and _after_ssn_word(
                text, start, bare=False
            ):
                findings.append(Finding("ssn", start, end, 0.8, self.name))
        return findings


def _a_column_of_parts(text: str, start: int) -> bool:
    """Whether the number stands in a table column its header names as a part's, an item's
    or an order's number ("part_no", "sku", "lot"): a catalogue's, shaped like an SSN."""
    header = column_header(text, start)
    if header is None:
        return False
    return context_words().kind_before(header, len(header)) == "id"


def _after_ssn_word(text: str, start: int, *, bare: bool) -> bool:
    """Whether an SSN word is right before ``start``: nothing but a few words and no digit
    between (for nine bare digits, nothing but "is", "number", "#", ":"), or an identifier
    naming an SSN and its "=" or ":"; and nothing that makes the number an example."""
    if key := _SSN_KEY.search(text, max(0, start - 40), start):
        return _EXAMPLE.search(key[0]) is None
    if not _SSN_LABEL.before_span(text, start):
        return False
    found = _SSN_LABEL.occurrences(text, max(0, start - _SSN_LABEL.before), start)
    gap = text[max(end for _, end in found) : start]
    if any(ch.isdigit() for ch in gap) or _EXAMPLE.search(gap) or _OTHER_ID.search(gap):
        return False
    return not bare or _TIGHT_GAP.fullmatch(gap) is not None
