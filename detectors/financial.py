"""Payment card numbers (Luhn, brand prefixes) and IBANs (ISO 13616 mod-97, per-country length).

A card number is 12-19 digits, bare or in groups split by one kind of separator (spaces,
dashes or dots) as cards print them: 4-4-4-4, 4-4-4-4-3, Amex 4-6-5, Diners 4-6-4, 4-4-5 and
UnionPay's 6-13. It must carry a known brand's prefix and length (Visa, Mastercard, Amex,
Discover, JCB, Diners, UnionPay, Maestro, Mir, RuPay, Elo, Hipercard, Troy, BC Card) and pass
the Luhn check, so a 16-digit order number that fails Luhn is not a card. Twelve and thirteen
digits (Maestro, old Visa) are as often a barcode (EAN-13) or an order number: they need a
card word close by ("card", "Maestro", "カード", ...). A number stands alone: not glued to a
word of a script written with spaces, not the tail of a longer grouped number or an IBAN
("ES37 0258 6353 2649 7061 3347"), but a comma and the next CSV field may follow it.
``is_card_number`` checks a whole value, for the structure-aware scanner (where a column
named "card_number" is the card word).

An IBAN must have its country's exact length and check digits that make the mod-97
remainder 1, printed bare or in groups of four.
"""

from __future__ import annotations

import re

from detectors.base import Finding
from detectors.context import GLUE

# The first digit, then what may not come before it: a pattern that starts with a character
# class is searched for that class at C speed, one that starts with a lookbehind is tried at
# every position (14 µs for 2 KB instead of 55).
_CARD = re.compile(
    rf"[0-9](?<!{GLUE}[0-9])(?<![.\-][0-9])(?<![0-9A-Z][ .\-][0-9])"  # not inside longer groups
    rf"(?:[ .\-]?[0-9]){{11,18}}(?!{GLUE}|-|\.[0-9])"
)

# (first digits as a range, allowed lengths) for the major brands.
_MAESTRO = frozenset(range(12, 20))
_LONG = frozenset({16, 17, 18, 19})
_BRANDS: tuple[tuple[int, int, frozenset[int]], ...] = (
    (4, 4, frozenset({13, 16, 19})),  # Visa (Elo, Carte Bancaire and others inside)
    (51, 55, frozenset({16})),  # Mastercard
    (2221, 2720, frozenset({16})),  # Mastercard 2-series
    (34, 34, frozenset({15})),  # American Express
    (37, 37, frozenset({15})),  # American Express
    (6011, 6011, _LONG),  # Discover
    (644, 649, _LONG),  # Discover
    (65, 65, _LONG),  # Discover, RuPay
    (35, 35, _LONG),  # JCB (3528-3589 issued; 35xx seen in test data)
    (300, 305, frozenset({14, 16, 17, 18, 19})),  # Diners Club
    (36, 36, frozenset({14, 16, 17, 18, 19})),  # Diners Club
    (38, 39, frozenset({14, 16, 17, 18, 19})),  # Diners Club
    (62, 62, _LONG),  # UnionPay
    (60, 60, _LONG),  # RuPay, Hipercard (606282)
    (63, 63, _LONG),  # Maestro (6304), InstaPayment, Hipercard (637...)
    (6304, 6304, _MAESTRO),  # Maestro
    (50, 50, _MAESTRO),  # Maestro, Elo (504175, 5067...), Verve, Dankort (5019)
    (56, 58, _MAESTRO),  # Maestro
    (67, 67, _MAESTRO),  # Maestro, Maestro UK (6759)
    (2200, 2204, _LONG),  # Mir
    (81, 82, frozenset({16})),  # RuPay
    (9792, 9792, frozenset({16})),  # Troy
    (9704, 9704, frozenset({16, 19})),  # NAPAS (Viet Nam's domestic cards)
    (8600, 8600, frozenset({16})),  # UzCard
    (9860, 9860, frozenset({16})),  # Humo
    (9112, 9112, frozenset({16})),  # BelCard
    (9804, 9804, frozenset({16})),  # Prostir
    (9051, 9051, frozenset({16})),  # ArCa
    (6104, 6104, frozenset({16})),  # Shetab (Iran)
    (94, 94, frozenset({16})),  # BC Card (Korea's domestic cards)
)
_PRINTED_GROUPS = frozenset({(4, 6, 5), (4, 6, 4), (6, 13), (4, 4, 5)})
# Near a 12- or 13-digit number, what says "card" (no word edges: "card_no", "信用卡").
_CARD_WORDS = re.compile(
    r"card|kart|carte|tarjeta|cart[ãa]o|carta|karte|kaart|visa|master|amex|maestro|unionpay|"
    r"diners|rupay|hipercard|卡|カード|카드|بطاق|कार्ड|карт|charge|pay|paid|refund|declined|"
    r"\b(?:pan|cc|elo|troy|mir|jcb)\b",
    re.IGNORECASE,
)
_SHORT = 14  # fewer digits need a card word


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_brand_ok(digits: str) -> bool:
    for low, high, lengths in _BRANDS:
        prefix = int(digits[: len(str(low))])
        if low <= prefix <= high and len(digits) in lengths:
            return True
    return False


def is_card_number(value: str) -> bool:
    """Whether ``value``, stripped, is one whole card number (any length 12-19: the caller
    knows it is in a card field)."""
    value = value.strip()
    return _CARD.fullmatch(value) is not None and _card_length(value) == len(value)


class CreditCardDetector:
    name = "credit_card"
    classes = frozenset({"credit_card"})

    def detect(self, text: str) -> list[Finding]:
        findings = []
        for match in _CARD.finditer(text):
            length = _card_length(match.group(), text[match.end() : match.end() + 1])
            if length is None:
                continue
            start = match.start()
            end = start + length
            digits = sum(ch.isdigit() for ch in text[start:end])
            if digits < _SHORT and not _CARD_WORDS.search(text, max(0, start - 40), end + 25):
                continue
            findings.append(Finding("credit_card", start, end, 0.95, self.name))
        return findings


def _card_length(raw: str, following: str = "") -> int | None:
    """Length of the card number at the start of ``raw``, or None.

    The regex is greedy, so "4111 1111 1111 1111 12/27" arrives with the expiry month glued on:
    when the whole candidate fails, shorter ones ending on a group boundary are tried, but
    only an expiry may be left over ("12" before "/"): "8120 4477 1209 3385 1" is a longer
    reference, whatever its first 16 digits are. ``following`` is the text after ``raw``.
    """
    separators = {ch for ch in raw if not ch.isdigit()}
    if not separators:
        return len(raw) if _card_ok(raw) else None
    if len(separators) > 1:
        return None
    groups = raw.split(separators.pop())
    for count in range(len(groups), 0, -1):
        shape = tuple(len(g) for g in groups[:count])
        if (count == 1 or _printed_grouping(shape)) and _card_ok("".join(groups[:count])):
            left = groups[count:]
            if left and not (len(left) == 1 and len(left[0]) <= 2 and following[:1] == "/"):
                return None
            return sum(shape) + count - 1
    return None


def _printed_grouping(shape: tuple[int, ...]) -> bool:
    if shape in _PRINTED_GROUPS:
        return True
    return len(shape) > 2 and all(n == 4 for n in shape[:-1]) and 1 <= shape[-1] <= 4


def _card_ok(digits: str) -> bool:
    return 12 <= len(digits) <= 19 and card_brand_ok(digits) and luhn_ok(digits)


# Lengths from the SWIFT IBAN registry.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip

# Country code, check digits, then the BBAN bare or in groups of four (a last shorter group).
_IBAN = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?")


def iban_ok(compact: str) -> bool:
    """``compact`` is an uppercase IBAN without spaces."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    return iban_checksum_ok(compact)


def iban_checksum_ok(compact: str) -> bool:
    """The mod-97 check of an uppercase IBAN without spaces, whatever its length."""
    rearranged = compact[4:] + compact[:4]
    as_number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(as_number) % 97 == 1


class IbanDetector:
    name = "iban"
    classes = frozenset({"iban"})

    def detect(self, text: str) -> list[Finding]:
        findings = []
        for match in _IBAN.finditer(text):
            span = _iban_span(text, match)
            if span is not None:
                findings.append(Finding("iban", span[0], span[1], 0.95, self.name))
        return findings


def _iban_span(text: str, match: re.Match[str]) -> tuple[int, int] | None:
    """The country's exact length taken from the start of the match, ending on a word edge."""
    expected = IBAN_LENGTHS.get(match.group()[:2])
    if expected is None:
        return None
    taken = 0
    end = match.start()
    while taken < expected and end < match.end():
        if text[end] != " ":
            taken += 1
        end += 1
    if taken == expected and not (end < len(text) and text[end].isalnum()):
        compact = text[match.start() : end].replace(" ", "")
        if iban_ok(compact):
            return match.start(), end
    # A digit too many or too few for its country (a typo, or a number copied wrong) still
    # identifies the account when its check digits hold: one string in 97 passes by chance.
    compact = match.group().replace(" ", "")
    edge = match.end() == len(text) or not text[match.end()].isalnum()
    if edge and abs(len(compact) - expected) <= 2 and iban_checksum_ok(compact):
        return match.start(), match.end()
    return None
