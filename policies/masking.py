"""How a value looks once masked: a hint of its format, never enough to recover it.

email          j***@example.com
ssn            ***-**-6789
credit_card    **** **** **** 4242
phone          +* (***) ***-4567      (every digit but the last four)
iban           DE** **** **** **** **30 ... (country and last four kept)
ip_address     192.*.*.*              (first part kept)
date_of_birth  **/**/1985             (the year kept)
name, address  J*** D***              (first letter of each word)
anything else  ******7890             (last four kept when long enough)
"""

from __future__ import annotations

import re
from collections.abc import Callable

_DIGIT = re.compile(r"\d")
_ALNUM = re.compile(r"[^\W_]")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _keep_last_digits(value: str, keep: int = 4) -> str:
    digits = [m.start() for m in _DIGIT.finditer(value)]
    hidden = set(digits[:-keep] if len(digits) > keep else digits)
    return "".join("*" if i in hidden else c for i, c in enumerate(value))


def _email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at:
        return _generic(value)
    return f"{local[:1]}***@{domain}"


def _ssn(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return f"***-**-{digits[-4:]}"


def _credit_card(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    return f"**** **** **** {digits[-4:]}"


def _iban(value: str) -> str:
    compact = value.replace(" ", "")
    masked = compact[:2] + "*" * max(0, len(compact) - 6) + compact[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


def _ip_address(value: str) -> str:
    separator = ":" if ":" in value else "."
    first, *rest = value.split(separator)
    return separator.join([first, *("*" for _ in rest)])


def _date(value: str) -> str:
    year = _YEAR.search(value)
    kept = range(year.start(), year.end()) if year else range(0)
    return "".join(c if i in kept or not c.isalnum() else "*" for i, c in enumerate(value))


def _words(value: str) -> str:
    return " ".join(word[:1] + "***" for word in value.split())


def _generic(value: str) -> str:
    if len(value) <= 6:
        return "*" * len(value)
    return _ALNUM.sub("*", value[:-4]) + value[-4:]


MASKS: dict[str, Callable[[str], str]] = {
    "email": _email,
    "ssn": _ssn,
    "credit_card": _credit_card,
    "phone": _keep_last_digits,
    "iban": _iban,
    "ip_address": _ip_address,
    "date_of_birth": _date,
    "name": _words,
    "address": _words,
}


def mask(pii_class: str, value: str) -> str:
    return MASKS.get(pii_class, _generic)(value)
