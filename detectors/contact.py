"""Email addresses and phone numbers.

Phone numbers are found by shape first (digit groups and separators, compiled once), then
judged on their groups: international numbers (``+44 20 7946 0958``, ``0049 30 123456``) are
checked with ``phonenumbers``; national ones must look like a NANP number (``(415) 555-0134``,
``415.555.0134``) or start with a trunk ``0`` and have separators (``0161 496 0623``,
``05 45 23 28 60``). A bare digit run (``4155550134``) needs a phone word nearby ("call",
"tel", "mobile", ...) or a national number's shape and no identifier word before it ("order",
"account", "#"), so order numbers, timestamps and ids are left alone, as are dates, versions
and IP addresses, whose groups never have a phone's shape.
"""

from __future__ import annotations

import re

import phonenumbers

from detectors.base import Finding
from detectors.context import ContextWords

# The local part may hold any letters (RFC 6531 addresses like "jérôme@exemple.fr"). Matching
# starts from each "@" rather than from every word of the text: the local part is found by a
# search anchored at the "@", the domain by a match right after it.
_LOCAL_MAX = 64
_LOCAL = re.compile(r"(?<![\w.%+-])[^\W_](?:[\w.%+-]{0,62}[\w%+-])?$")
_DOMAIN = re.compile(
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])"
)


class EmailDetector:
    name = "email"
    classes = frozenset({"email"})

    def detect(self, text: str) -> list[Finding]:
        findings = []
        at = text.find("@")
        while at > 0:
            domain = _DOMAIN.match(text, at)
            if domain:
                local = _LOCAL.search(text, max(0, at - _LOCAL_MAX), at)
                if local:
                    findings.append(Finding("email", local.start(), domain.end(), 0.95, self.name))
            at = text.find("@", at + 1)
        return findings


# A group is digits, or a parenthesised area code like "(0)" or "(415)". Separators are
# mandatory between two bare digit groups, so the regex cannot split one digit run in many
# ways (no catastrophic backtracking on long numbers).
_SEP = r"(?:[ \t]?[.\-/][ \t]?|[ \t])"
_GROUP = r"(?:\(\d{1,5}\)|\d+)"
_PHONE = re.compile(
    r"(?<![\w+(/.\-])"
    r"(?P<intl>\+|00(?=\d))?"
    rf"(?P<body>{_GROUP}(?:{_SEP}{_GROUP}|\(\d{{1,5}}\)|(?<=\))\d+){{0,7}})"
    r"(?P<ext>[ \t]*(?:x|ext\.?|extension|#)[ \t]*\d{1,6})?"
    r"(?![\w+\-/]|[.:]\d)"
)
_DIGIT_GROUP = re.compile(r"\d+")
_NON_DIGITS = re.compile(r"\D+")

_PHONE_CONTEXT = ContextWords(
    (
        "phone|telephone|tel|tel.|mobile|mob|cell|cellphone|call|ring|whatsapp|sms|text me|"
        "fax|landline|contact|reach me|reach him|reach her|dial|hotline|ph|ph.|telefon|handy|"
        "téléphone|tél|tél.|portable|text|my number|her number|his number|your number|"
        "new number|contact number|phone number|callback"
    ).split("|"),
    before=30,
    after=0,
)
# Before a bare digit run, these say "identifier", not "phone number".
_ID_CONTEXT = ContextWords(
    (
        "id|account|acct|order|invoice|ref|reference|no.|#|customer|ticket|case|serial|"
        "tracking|sku|po|iban|bic|isbn|epoch|timestamp|unix|build|version|policy|contract|"
        "member|card"
    ).split("|"),
    before=20,
    after=0,
)


class PhoneDetector:
    name = "phone"
    classes = frozenset({"phone"})

    def detect(self, text: str) -> list[Finding]:
        findings = []
        for match in _PHONE.finditer(text):
            if match.end() - match.start() < 9:  # "5pm", "2024": too short to be a number
                continue
            score = self._score(text, match)
            if score is not None:
                findings.append(Finding("phone", match.start(), match.end(), score, self.name))
        return findings

    def _score(self, text: str, match: re.Match[str]) -> float | None:
        body = match["body"]
        if match["intl"]:
            # "+44 (0)20 ..." writes the national trunk prefix for readers; dialling skips it.
            return _international_score("".join(_DIGIT_GROUP.findall(body.replace("(0)", ""))))
        groups = _DIGIT_GROUP.findall(body)
        digits = "".join(groups)
        if not 9 <= len(digits) <= 12:
            return None
        if len(groups) == 1:
            return _bare_run_score(text, match.start(), digits)
        shape = [len(g) for g in groups]
        if not _national_layout_ok(body, shape):
            return None
        if _is_nanp(shape):
            base = 0.8
        elif digits[0] == "0" and max(shape) <= 8:
            base = 0.75
        else:
            return None
        return base + 0.1 if _PHONE_CONTEXT.before_span(text, match.start()) else base


def _bare_run_score(text: str, start: int, digits: str) -> float | None:
    """A bare digit run is a phone number when the text says so ("call 4155550134").

    Without a phone word, a run that no identifier word ("order", "account", "#", ...)
    precedes counts, with a low score, when it has a national number's shape: a trunk 0 then
    an area code ("01632960715"), or ten digits shaped like a NANP number (area code and
    exchange not starting with 0 or 1, which also rules out Unix timestamps) or an Indian
    mobile number.
    """
    if _PHONE_CONTEXT.before_span(text, start):
        return 0.7
    if len(digits) < 10 or _ID_CONTEXT.before_span(text, start) or _in_code(text, start):
        return None
    if digits[0] == "0" and digits[1] != "0":
        return 0.6
    if len(digits) == 10 and (digits[0] in "6789" or (digits[0] > "1" and digits[3] > "1")):
        return 0.5
    return None


_CODE_CHARACTERS = frozenset("=[]{}*<>;`")


def _in_code(text: str, start: int) -> bool:
    """A bare number quoted, or on a line with code punctuation, is a constant."""
    if start > 0 and text[start - 1] in "'\"":
        return True
    line_start = text.rfind("\n", max(0, start - 80), start) + 1 or max(0, start - 80)
    line_end = text.find("\n", start, start + 80)
    line = text[line_start : line_end if line_end >= 0 else start + 80]
    return not _CODE_CHARACTERS.isdisjoint(line)


def _national_layout_ok(body: str, shape: list[int]) -> bool:
    """Shapes that are numbers but not phone numbers: "0.29188210" (a decimal: a trunk 0 is
    followed by an area code), "036111 (2008)" (parentheses hold an area code, so they come
    first), "573-583. 2020" (mixed separators), "02110-1301" (a US ZIP+4)."""
    if shape[0] < 2 and not _is_nanp(shape):
        return False
    if "(" in body and not body.startswith("("):
        return False
    if not body.startswith("(") and len(set(_NON_DIGITS.findall(body))) > 1:
        return False  # "pp. 573-583. 2020": printed numbers keep one separator
    return not (shape == [5, 4] and "-" in body)


def _is_nanp(shape: list[int]) -> bool:
    """415-555-0134 or 1-415-555-0134 (groups 3-3-4, optionally led by the 1)."""
    return shape == [3, 3, 4] or shape == [1, 3, 3, 4]


def _international_score(digits: str) -> float | None:
    if not 8 <= len(digits) <= 15:
        return None
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number):
        return 0.95
    if phonenumbers.is_possible_number(number):
        return 0.8
    return None
