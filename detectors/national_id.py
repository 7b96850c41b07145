"""US Social Security numbers.

An SSN is area-group-serial, 3-2-4 digits. The SSA never issues area 000, 666 or 900-999
(those are ITINs and test ranges), group 00 or serial 0000, nor a few numbers that were
published (078-05-1120 from a wallet insert, 219-09-9999 from an ad). ``123-45-6789`` with
dashes is an SSN by shape, spaced ``123 45 6789`` a weaker one; nine bare digits need a nearby
"SSN" or "social security".
"""

from __future__ import annotations

import re

from detectors.base import Finding
from detectors.context import ContextWords

_SSN = re.compile(
    r"(?<![\w\-.+/])(?P<area>\d{3})(?P<sep>[- ]?)(?P<group>\d{2})(?P=sep)(?P<serial>\d{4})"
    r"(?![\w\-/]|[.,]\d)"
)
_PUBLISHED = frozenset({"078051120", "219099999", "123456789"})
_SSN_CONTEXT = ContextWords(
    (
        "ssn|ssns|ss#|ssn#|social security|social security number|social sec|soc sec|"
        "taxpayer id|tin"
    ).split("|"),
    before=40,
    after=35,
)


def ssn_ok(area: str, group: str, serial: str) -> bool:
    if area == "000" or area == "666" or area[0] == "9":
        return False
    if group == "00" or serial == "0000":
        return False
    return area + group + serial not in _PUBLISHED


class SsnDetector:
    name = "ssn"
    classes = frozenset({"ssn"})

    def detect(self, text: str) -> list[Finding]:
        findings = []
        for match in _SSN.finditer(text):
            if not ssn_ok(match["area"], match["group"], match["serial"]):
                continue
            context = _SSN_CONTEXT.near(text, match.start(), match.end())
            if match["sep"] == "-":
                score = 0.95 if context else 0.85
            elif context:
                score = 0.85
            elif match["sep"] == " ":
                score = 0.6  # 3-2-4 digits in groups is rarely anything else
            else:
                continue
            findings.append(Finding("ssn", match.start(), match.end(), score, self.name))
        return findings
