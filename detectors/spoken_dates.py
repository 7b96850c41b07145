"""Dates written in words: "March third, nineteen eighty-one", "一九九二年五月八号".

People read dates out in calls and type them so in chats: the year in words (English) or in
Chinese numerals. ``spoken_dates(text, lo, hi)`` yields the real calendar dates of that kind
starting in ``text[lo:hi]``, as (start, end, date); the birth-date detector keeps those with a
birth word near them, as it does for dates in digits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from detectors.date_words import ORDINAL_DAYS

_UNITS = {
    w: n
    for n, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen".split()
    )
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}  # fmt: skip
_ENGLISH_MONTHS = {
    name: number
    for number, name in enumerate(
        "january february march april may june july august september october november "
        "december".split(),
        start=1,
    )
}
_NUMBER_WORD = "|".join(
    sorted([*_UNITS, *_TENS, "oh", "thousand", "and", "hundred"], key=len, reverse=True)
)
_YEAR_WORDS = rf"(?:(?:{_NUMBER_WORD})\b[\s\-]*){{2,6}}"
_DAY = "|".join(sorted((re.escape(w) for w in ORDINAL_DAYS), key=len, reverse=True))
_MONTH = "|".join(_ENGLISH_MONTHS)
# A month said by its number: "the fifteenth of the fifth".
_MONTH_ORDINALS = {
    word: number
    for number, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split(),
        start=1,
    )
}
_ENGLISH = re.compile(
    rf"\b(?:(?P<m1>{_MONTH})\s+(?:the\s+)?(?P<d1>{_DAY}|\d{{1,2}}(?:st|nd|rd|th)?)"
    rf"|(?:the\s+)?(?P<d2>{_DAY})\s+"
    rf"(?:of\s+the\s+(?P<m3>{'|'.join(_MONTH_ORDINALS)})\b|(?:of\s+)?(?P<m2>{_MONTH})))"
    rf",?\s+(?:in\s+)?(?P<y>{_YEAR_WORDS})",
    re.IGNORECASE,
)
_HAN_DIGITS = {ch: n for n, ch in enumerate("〇一二三四五六七八九")} | {"零": 0}
_HAN_NUMBER = "[〇零一二三四五六七八九十]"
_HAN = re.compile(
    rf"(?P<y>[〇零一二三四五六七八九]{{4}})年(?P<m>{_HAN_NUMBER}{{1,2}})月(?P<d>{_HAN_NUMBER}{{1,3}})[日号號]?"
)


def spoken_dates(text: str, lo: int, hi: int) -> Iterator[tuple[int, int, date]]:
    for match in _ENGLISH.finditer(text, lo, min(len(text), hi + 60)):
        if match.start() >= hi:
            break
        if match["m3"]:
            month = _MONTH_ORDINALS[match["m3"].lower()]
        else:
            month = _ENGLISH_MONTHS[(match["m1"] or match["m2"]).lower()]
        day_text = (match["d1"] or match["d2"]).lower()
        digits = day_text.rstrip("stndrh")
        day = int(digits) if digits.isdigit() else ORDINAL_DAYS[day_text]
        year = _english_year(match["y"])
        found = _real(year, month, day)
        if found is not None:
            yield match.start(), match.start("y") + len(match["y"].rstrip(" -\t\n")), found
    if "年" in text:
        for match in _HAN.finditer(text, lo, min(len(text), hi + 20)):
            if match.start() >= hi:
                break
            year = int("".join(str(_HAN_DIGITS[ch]) for ch in match["y"]))
            found = _real(year, _han_number(match["m"]), _han_number(match["d"]))
            if found is not None:
                yield match.start(), match.end(), found


def _english_year(words: str) -> int | None:
    """1981 from "nineteen eighty-one", 2005 from "two thousand and five", 1905 from
    "nineteen oh five"; None when the words are no year."""
    parts = [w for w in re.split(r"[\s\-]+", words.lower()) if w and w != "and"]
    if len(parts) >= 2 and parts[0] == "two" and parts[1] == "thousand":
        rest = parts[2:]
        if not rest:
            return 2000
        if len(rest) == 1 and rest[0] in _UNITS:  # "two thousand and five"
            return 2000 + _UNITS[rest[0]]
        tail = _two_digits(rest)
        return None if tail is None else 2000 + tail
    if len(parts) >= 2 and parts[0] in ("eighteen", "nineteen", "twenty"):
        century = {"eighteen": 1800, "nineteen": 1900, "twenty": 2000}[parts[0]]
        rest = _two_digits(parts[1:])
        if rest is not None:
            return century + rest
    # A year said by its last two digits ("sixty-seven", "eighty-eight"): this century's
    # when that is past, else the last.
    if len(parts) == 2 and parts[0] in _TENS and (short := _two_digits(parts)) is not None:
        return 2000 + short if 2000 + short <= date.today().year else 1900 + short
    return None


ENGLISH_TENS = frozenset(_TENS)  # "twenty" ... "ninety": a two-digit group in words


def english_below_100(words: str) -> int | None:
    """A number from 0 to 99 said in English words, as a date's month or day is: "five",
    "twenty-two", "oh-seven", "zero five", or digit by digit, "one five" (15)."""
    parts = [w for w in re.split(r"[\s\-]+", words.lower()) if w]
    if len(parts) == 1 and parts[0] in _UNITS:
        return _UNITS[parts[0]]
    if len(parts) == 2 and all((p in _UNITS and _UNITS[p] < 10) or p == "oh" for p in parts):
        return 10 * _UNITS.get(parts[0], 0) + _UNITS.get(parts[1], 0)  # "oh" is 0
    return _two_digits(parts)


def english_year(words: str) -> int | None:
    """``_english_year``, and a year said by its tens alone ("ninety"): this century's when
    that is past, else the last."""
    year = _english_year(words)
    if year is None and (short := _two_digits(words.lower().split())) is not None:
        year = 2000 + short if 2000 + short <= date.today().year else 1900 + short
    return year


def _two_digits(parts: list[str]) -> int | None:
    if parts[:1] == ["oh"] and len(parts) == 2 and parts[1] in _UNITS and _UNITS[parts[1]] < 10:
        return _UNITS[parts[1]]
    if len(parts) == 1 and parts[0] in _UNITS and _UNITS[parts[0]] >= 10:
        return _UNITS[parts[0]]
    if len(parts) == 1 and parts[0] in _TENS:
        return _TENS[parts[0]]
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _UNITS and 0 < _UNITS[parts[1]] < 10:
        return _TENS[parts[0]] + _UNITS[parts[1]]
    return None


def _han_number(text: str) -> int:
    """十二 -> 12, 二十三 -> 23, 五 -> 5, 三十 -> 30."""
    if "十" not in text:
        return int("".join(str(_HAN_DIGITS[ch]) for ch in text))
    tens, _, units = text.partition("十")
    return (_HAN_DIGITS[tens] if tens else 1) * 10 + (_HAN_DIGITS[units] if units else 0)


def _real(year: int | None, month: int, day: int) -> date | None:
    if year is None or not 1890 <= year <= date.today().year:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
