"""Dates of birth: a real calendar date with a birth word ("born", "DOB", "生年月日", ...) close by.

One date grammar reads the ways the world writes a date:

- numbers: ``1990-05-17``, ``1990.05.17``, ``17/05/1990``, ``05/17/1990``, ``17.05.90``,
  ``14. 6. 1983``, ``19900517`` (year, month, day), ``1990-05-17T00:00:00Z``;
- month names and abbreviations of some 30 languages, nominative and genitive ("3 mai 1985",
  "12 de março de 1987", "5 stycznia 1980", "12 апреля 1990", "1er mai", "3rd of May", "3:e
  maj"), day first, month first ("May 17, 1990") or year first ("1990. április 12."), glued
  ("14MAR1987") or dashed ("14-Mar-87");
- Roman-numeral months (``12.III.1985``, ``12 III 1985``), Vietnamese ("12 tháng 4 năm
  1990"), Chinese, Japanese and Korean (``1990年4月12日``, ``平成2年4月12日``,
  ``1990년 4월 12일``), Thai years of the Buddhist era ("12 เมษายน 2533").

A date must exist (no 30 February) and fall in a year someone alive could be born: 1890 to
this year. A date alone is not personal: only one with a birth word of some 30 languages in
the same sentence, shortly before it ("born on", "Geburtsdatum:", "出生日期") or right after it
("(DOB)", "1948年11月2日生"), is reported. A birth word that ends its line reaches the next
one, where a chat's or a call's answer is ("Date of birth?" / "Caller: June 2, 1984"); one
followed by its own value ("DOB: 1985-03-12") does not reach the next field. Right after a
birth label, six bare digits count (``870614``) and so does a mistyped date ("dob=1899-02-30",
with a lower score). A birth said of a thing, an animal or a public figure ("the project was
born on", "my dog's birthday is", "Rosa Parks was born on") is no one's private data.
``date_spans`` and ``is_date`` give the grammar without the birth words
to the structure-aware scanner, where a key or column header ("dob") is the context.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import date

import regex

from detectors.base import Finding
from detectors.context import GLUE, ContextWords
from detectors.date_words import (
    AGE_WORDS,
    BIRTH_WORDS,
    BORN_ABBREVIATIONS,
    BORN_AFTER_WORDS,
    ERA_INITIALS,
    ERAS,
    MONTH_NAMES,
    NOT_BIRTH_WORDS,
    NOT_BORN_ABBREVIATIONS,
    NOT_PERSON_STEMS,
    NOT_PERSON_SUBJECTS,
    NOT_PERSON_UNSPACED,
    ORDINAL_DAYS,
    ROMAN_MONTHS,
    ROMAN_PATTERN,
    THAI_ERA,
)
from detectors.field_keys import field_class, key_words
from detectors.name_lexicon import agreed_given_names
from detectors.not_persons import FAMOUS_SURNAMES, is_public_figure, normal_name
from detectors.spoken_dates import spoken_dates

_FIRST_YEAR = date.today().year - 120  # nobody living was born earlier
# Solar Hijri years of living people, and how far they are behind the Gregorian year (the
# month and day are checked as if Gregorian: close enough to tell a date from a number).
SOLAR_HIJRI_YEARS = (1269, 1405)
SOLAR_HIJRI_OFFSET = 621
# Lunar Hijri years of living people ("١٤١٠هـ", 1989-90), and their Gregorian year: a lunar
# year is 0.970229 of a solar one.
LUNAR_HIJRI_YEARS = (1300, 1460)
HIJRI_MONTHS = frozenset(
    name.replace("_", " ").casefold() for name in MONTH_NAMES["ar_hijri"].replace("|", " ").split()
)


def _strip_marks(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def _month_table() -> dict[str, frozenset[int]]:
    """Casefolded name to month numbers (a name may mean two: "listopad" is October in
    Croatian and November in Polish)."""
    table: dict[str, set[int]] = {}
    for months in MONTH_NAMES.values():
        for number, names in enumerate(months.split("|"), start=1):
            for name in names.split():
                name = name.replace("_", " ").casefold()
                variants = {name}
                if name[0] < "\u0400":  # Latin and Greek are also typed without accents
                    variants.add(_strip_marks(name))
                for variant in variants:
                    table.setdefault(variant, set()).add(number)
    return {name: frozenset(numbers) for name, numbers in table.items()}


_MONTHS = _month_table()
MONTH_WORDS = frozenset(_MONTHS)  # casefolded, every language's names and abbreviations


def _alternation(words: list[str]) -> str:
    """A regex matching any of ``words`` in any case, as a trie with explicit case classes.

    A trie tries one branch per first letter, not one per word, and without IGNORECASE a
    branch that starts with the wrong letter is skipped at once: 5 times faster than a flat
    case-insensitive alternation of 500 names.
    """
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [_either_case(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return "(?-i:" + build(tree) + ")"


def _either_case(ch: str) -> str:
    forms = {ch, ch.upper(), ch.lower(), ch.title()}
    for pair in ("iİI", "ıI", "σςΣ"):  # Turkish dotted and dotless i, Greek final sigma
        if ch in pair:
            forms.update(pair)
    forms = {f for f in forms if len(f) == 1}
    if len(forms) == 1:
        return re.escape(ch)
    return "[" + "".join(re.escape(f) for f in sorted(forms)) + "]"


_MONTH = "(?=[^\\W\\d])" + _alternation(list(_MONTHS))  # a letter first: skip digits at once
_ORDINAL_WORD = _alternation(list(ORDINAL_DAYS))
_ORDINAL = r"(?:st|nd|rd|th|er|ᵉʳ|e|º|°|ª|:a|:e)?"
_TIME = r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?(?!\w))?"
_DATE = re.compile(
    rf"""(?<!{GLUE})(?<![./])(?<!\d-)(?:
        (?P<cjk>(?:(?P<era>明治|大正|昭和|平成|令和|民國|民国)\s?(?P<ey>\d{{1,2}}|元)|(?P<cy>\d{{4}}|\d{{2}}))
            # The other calendar's year beside it: "1971(昭和46)年", "平成9年（1997年）".
            (?:\s?[(（][^()（）\n]{{1,8}}[)）])?\s?[年년](?:\s?[(（][^()（）\n]{{1,8}}[)）])?
            \s?(?P<cm>\d{{1,2}})\s?[月월]\s?(?P<cd>\d{{1,2}})\s?[日일号號])
        # Japanese eras by their initial, as forms abbreviate them: "S58.7.21", "H3/2/14".
      | (?P<jera>(?-i:(?P<jl>[MTSHR]))(?P<jy>\d{{1,2}})(?P<jsep>[./])(?P<jm>\d{{1,2}})(?P=jsep)
              (?P<jd>\d{{1,2}}))
      | (?=\d)(?:  # most forms start with a digit: only they are tried there
          (?P<viet>(?P<vd>\d{{1,2}})\s+tháng\s+(?P<vm>\d{{1,2}})(?:\s*,\s*|\s+)(?:năm\s+)?
              (?P<vy>\d{{4}}))
        | (?P<iso>(?P<iy>\d{{4}})(?P<isep>[-/.]|\.\s)(?P<im>\d{{1,2}})(?P=isep)(?P<id>\d{{1,2}})
              {_TIME}(?:-(?:j?[áé]n|[ai])(?!{GLUE}))?)  # Hungarian: "1998.11.24-án"
        | (?P<num>(?P<n1>\d{{1,2}})(?P<nsep>[-/.]|\.\s|[ \t]+/[ \t]+)(?P<n2>\d{{1,2}})(?P=nsep)
              (?P<ny>\d{{4}}(?:\s?(?P<nh>هـ))?|\d{{2}}))  # "١٤/٠٣/١٤١٠هـ": a lunar Hijri year
        | (?P<nordic>(?P<sd>\d{{1,2}})/(?P<sm>\d{{1,2}})(?:[ ]|[ ]?-)  # "4/2 1985", "21/6-60"
              (?P<sy>\d{{4}}|\d{{2}}))
        | (?P<roman>(?P<rd>\d{{1,2}})(?:\.\s?|[-/\s])(?-i:(?P<rm>{ROMAN_PATTERN}))
              (?:\.\s?|[-/\s])(?P<ry>\d{{4}}))
        | (?P<yroman>(?P<yry>\d{{4}})(?:\.\s?|[-/\s])(?-i:(?P<yrm>{ROMAN_PATTERN}))
              (?:\.\s?|[-/\s])(?P<yrd>\d{{1,2}}))
        | (?P<dmy>(?P<td>\d{{1,2}}){_ORDINAL}\.?
              (?:\s*[-/.]\s*|\s+(?:(?:de|of|ng)\s+|d['’])?|(?=\w))
              (?P<tm>{_MONTH})\.?
              (?:(?:,?\s+(?:(?:de|del|of)\s+)?|\s*[-/.,]\s*|(?<=[^\W\d]))(?P<ty>\d{{4}})(?:\s?هـ)?
                | (?:[ ]?[-'’]|[-/.']|(?<=[^\W\d]))(?P<ty2>\d{{2}})))  # "11 maj -69"
        | (?P<ymd>(?P<yy>\d{{4}})(?:\.\s*|\s+|[-/])(?P<ym>{_MONTH})\.?(?:\s+|[-/])
              (?P<yd>\d{{1,2}})(?:-(?:j?[áé]n|[ai]))?)
        | (?P<compact>(?P<c8>\d{{8}}|\d{{6}}))
      )
      | (?P<mdy>(?=[^\W\d]{{2,12}}+[.\s/-]{{1,3}}+\d)  # a word, then a digit: try the months
          (?P<um>{_MONTH})(?:\.\s*|\s+|[-/])(?P<ud>\d{{1,2}})(?:st|nd|rd|th)?(?:,\s*|\s+|[-/])
          (?P<uy>\d{{4}}|['’]\d{{2}}))  # "January 27th, '75"
      | (?P<mdw>(?=[^\W\d]{{3,9}}+\.?\s+[efnst])  # "April ninth, 1990"
          (?P<wm>{_MONTH})\.?\s+(?P<wd>{_ORDINAL_WORD})(?:,\s*|\s+)(?P<wy>\d{{4}}))
      | (?P<dmw>(?P<dwd>{_ORDINAL_WORD})\s+(?:of\s+)?(?P<dwm>{_MONTH})\.?,?\s+
          (?P<dwy>\d{{4}}))
    )(?!{GLUE}|[/\-]|[.:]\d)""",
    re.IGNORECASE | re.VERBOSE,
)
# A day and month without a year ("Oct 9", "2. december", "14 juni", "7/4"), and what may
# stand between a birth word and it ("is", "on Friday,", "70 den", "ju").
_YEARLESS = re.compile(
    rf"(?<!{GLUE})(?<![./\d])(?:"
    rf"(?P<d>\d{{1,2}})(?:\.|:[ae]|st|nd|rd|th)?\s+(?:(?:of|de)\s+)?(?P<m>{_MONTH})\.?"
    rf"|(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?"
    r"|(?P<a>\d{1,2})/(?P<b>\d{1,2})"
    # Chinese, Japanese, Korean: "11月3号", "4月9日", "7월 21일".
    r"|(?P<cm>\d{1,2})\s?[月월]\s?(?P<cd>\d{1,2})\s?[日号號일]"
    # Not a date whose year follows ("21 de junho de 1839": too long ago, no birthday).
    rf")(?!{GLUE}|[/\-]|[.,]?\s*\d|[.:]\d|\s+(?:de|del|of)\s+\d)",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"\d:\d\d")
_YEARLESS_GAP = regex.compile(
    r"[\s:=,.\-–]*(?:(?:is|was|on|den|ju|am|le|el|il|em|the|är|er|\d{1,3}|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    # "el cumple de Lucía es el", "urodziny Kasi są", "Elif'in doğum günü", "ultah Rina tgl"
    r"(?-i:\p{Lu}[\p{Ll}\p{M}]+)|of|de|di|da|do|del|della|von|van|es|è|é|est|c['’]est|ist|"
    r"op|są|jest|dia|tgl|tanggal|ngày|là|günü|gunu)[\s,.:\-–]+){0,4}"
    # Particles between a birthday word and a date in Chinese, Japanese, Korean: "生日是".
    r"(?:[是はがも]|って|[은는이가도][ \t]?)?",
    regex.IGNORECASE,
)
# How far before a yearless date its birth word may stand: "el cumple de Lucía es el".
_YEARLESS_REACH = 40
# After a whole value's last digit: "1990. április 12.", "12 ноября 1990 г.", "5 maja 1980 r."
_YEAR_MARK = re.compile(r"(?<=[0-9])\s*(?:г|р|r)?\.\Z")
# Words that belong to the date before its first digit: "ngày 12 tháng 4", "ika-5 ng Hunyo".
_DAY_WORDS = {"viet": re.compile(r"ngày\s+", re.I), "dmy": re.compile("ika-", re.I)}
_LONGEST_DATE = 40  # "ngày 12 tháng 12 năm 1990", "twenty-seventh of September, 1990"
# Words that may start a date before its first digit, and how far before it they may be.
_DIGIT_RUN = re.compile(r"\d+")
_FIRST_RUN = frozenset({1, 2, 4, 6, 8})  # a day, a month, a year, yymmdd, yyyymmdd
_LEADING_WORDS = frozenset(
    word.rstrip(".")
    for name in (*_MONTHS, *ORDINAL_DAYS, "twenty", "thirty")
    for word in name.split()
)
_WORD_EDGES = ".,;:()[]{}\"'-/"
_BEFORE_WORD_FIRST = frozenset(" \t\n\r\xa0,-/.")
_LEAD = max(map(len, _MONTHS)) + max(map(len, ORDINAL_DAYS)) + 10  # "ninth of September, "

_BIRTH_CONTEXT = ContextWords(BIRTH_WORDS, before=45, after=25, exclude=NOT_BIRTH_WORDS, lines=True)
# Right after a date, "born": "1948年11月2日生）", "95년 8월 15일생이에요", "1990 г.р.".
_BORN_AFTER = ContextWords(BORN_AFTER_WORDS, before=0, after=8)
_BORN_ABBREVIATIONS = ContextWords(
    BORN_ABBREVIATIONS, before=5, after=0, exclude=NOT_BORN_ABBREVIATIONS
)
# An age beside a date whose year it fits is weak birth context: "(age 34), 1992-03-12".
_AGE_CONTEXT = ContextWords(AGE_WORDS, before=48, after=48)
_AGE = re.compile(r"(?<![0-9])[0-9]{1,3}(?![0-9])")
# Every word above, to find where dates may be in one pass over the text (each pass collects
# the text's words: 20 µs for 2 KB).
_ANY_BIRTH_WORD = ContextWords(
    [*BIRTH_WORDS, *_BORN_AFTER.phrases, *_BORN_ABBREVIATIONS.phrases, *_AGE_CONTEXT.phrases],
    before=_BIRTH_CONTEXT.before,
    after=_BIRTH_CONTEXT.after,
    exclude=NOT_BIRTH_WORDS,
)
# A passenger's passport data in a booking (IATA SSR DOCS): ".../ARG/19JUN88/F/12JAN30/...",
# the birth date before the sex; or a manifest's DOCS column: "DOCS 1981-11-03".
_DOCS = re.compile(
    r"\bDOCS\b(?:[^\n]*?/(?P<ssr>\d{2}[A-Z]{3}\d{2})/(?:[MF]I?|U|X)/|[ \t]+(?=\d))"
    # A child's or an infant's special service request carries the birth date:
    # "SSR CHLD VS HK1 02DEC15-1.2", "SSR INFT AI HK1 NAIR/ADVIK 19SEP24/P1".
    r"|\bSSR[ \t]+(?:CHLD|INFT)\b[^\n]*?(?<![\dA-Z])(?P<child>\d{2}[A-Z]{3}\d{2})(?![\dA-Z])"
    # ... and so does a child's or an infant's name element: "TAKAHASHI/SORA MSTR (CHD 12MAR17)".
    r"|\((?:CHD|INF)[ \t/]*(?P<pax>\d{2}[A-Z]{3}\d{2})\)"
)
# Between a birth label and its value: "DOB: ", "dob=", "生年月日：", "Date of birth - ".
# A key right before a value: '"visit_date": "', "Fecha de alta: ", "created_at="
_KEY_BEFORE = re.compile(r"([^\W\d][\w .\-]{1,38}?)[\"']?[ \t]*[:=：][ \t]*[\"']?[ \t]*\Z")
_DATE_KEY_WORDS = frozenset(
    "date dt at on time day datum fecha data date_ tarih tarihi tanggal tgl ngày дата датa "
    "päivämäärä datum_ dato fecha_ 日期 日付 날짜 तारीख تاريخ".split()
)
_DATE_KEY_ENDS = ("date", "datum", "dato", "日", "일")
_LABEL_GAP = re.compile(r"\s*[:=：\-]?\s*[\"']?\s*")


class DateOfBirthDetector:
    name = "date_of_birth"
    classes = frozenset({"date_of_birth"})

    def detect(self, text: str) -> list[Finding]:
        # Birth words are rare and dates are everywhere: look for dates only near the words.
        findings: list[Finding] = []
        seen = 0
        regions = _regions(text)
        dated: list[tuple[int, int, date]] = []  # read again by _written_again
        for lo, hi in regions:
            for start, end, match in _dates(text, max(lo, seen), hi):
                seen = end
                born = _date_of(match)
                if born is not None:
                    dated.append((start, end, born))
                if born is None:
                    if _shaped(match) and _labelled(text, start):
                        # "dob=1899-02-30": no such day, but a birth date all the same, mistyped.
                        findings.append(Finding("date_of_birth", start, end, 0.6, self.name))
                elif match.lastgroup == "compact" and len(match["c8"]) == 6:
                    if _labelled(text, start):  # "생년월일: 870614"; elsewhere too often not
                        findings.append(Finding("date_of_birth", start, end, 0.85, self.name))
                elif _other_field(text, start) or _CLOCK.search(match.group()):
                    continue  # another field's date, or a timestamp ("2024-05-03 11:22:09")
                elif (
                    # From the first digit: "sinh ngày 27 tháng 9" has its birth word
                    # around the day word the span starts with.
                    _BIRTH_CONTEXT.near(text, match.start(), end)
                    or _BORN_AFTER.after_span(text, end)
                    or _BORN_ABBREVIATIONS.before_span(text, start)
                ):
                    if not _born_no_private_person(text, match.start()):
                        findings.append(Finding("date_of_birth", start, end, 0.85, self.name))
                elif _age_fits(text, start, end, born):
                    findings.append(Finding("date_of_birth", start, end, 0.6, self.name))
        for lo, hi in regions:
            for start, end, _ in [*spoken_dates(text, lo, hi), *_kanji_dates(text, lo, hi)]:
                if (
                    not any(f.start < end and start < f.end for f in findings)
                    and (_BIRTH_CONTEXT.near(text, start, end) or _BORN_AFTER.after_span(text, end))
                    and not _born_no_private_person(text, start)
                ):
                    findings.append(Finding("date_of_birth", start, end, 0.85, self.name))
        for lo, hi in regions:
            findings.extend(
                Finding("date_of_birth", start, end, 0.6, self.name)
                for start, end in _yearless(text, lo, hi)
                if not any(f.start < end and start < f.end for f in findings)
            )
        if "*" in text:
            findings.extend(
                Finding("date_of_birth", start, end, 0.85, self.name)
                for start, end in _starred_dates(text)
                if not any(f.start < end and start < f.end for f in findings)
            )
        if "DOCS" in text or "SSR" in text or "(CHD" in text or "(INF" in text:
            findings.extend(
                Finding("date_of_birth", start, end, 0.85, self.name)
                for start, end in _docs_dates(text)
                if not any(f.start < end and start < f.end for f in findings)
            )
        if findings:
            findings.extend(
                Finding("date_of_birth", start, end, 0.6, self.name)
                for start, end in _written_again(text, findings, regions, dated)
            )
        return findings


_WHOLE_DATE_DIGITS = 6  # "1961-02-08", "8.2.61": a day, a month and a year
_TIME_AFTER = re.compile(r"[ T,]{1,2}\d{1,2}:\d{2}")
# How far apart a birth date and a mistyped copy of it stand ("it says 1993-07-21 but should
# be 1992-07-21"): a correction says both in one breath.
_CORRECTION_REACH = 60


def _written_again(
    text: str,
    findings: list[Finding],
    regions: list[tuple[int, int]],
    dated: list[tuple[int, int, date]],
) -> Iterator[tuple[int, int]]:
    """The other writings of a birth date found: the same text again anywhere, and close by
    the same day in another order ("04/11/1979" and "11/04/1979") or a year apart (a
    correction, "nicht 1992-05-14, sondern 1991-05-14"). ``regions`` were read for dates
    already (``dated``, what they hold): only the rest of the text around each birth date is
    read now."""
    taken = [(f.start, f.end) for f in findings]
    for f in findings:
        value = text[f.start : f.end]
        if sum(ch.isdigit() for ch in value) < _WHOLE_DATE_DIGITS or value.isdigit():
            continue  # "14 March" again may be another year's; "890404" a number's part
        at = text.find(value)
        while at >= 0:
            stop = at + len(value)
            if (
                not any(lo < stop and at < hi for lo, hi in taken)
                and _stands_alone(text, at, stop)
                and _TIME_AFTER.match(text, stop) is None
            ):
                taken.append((at, stop))
                yield at, stop
            at = text.find(value, at + 1)
    # The birth dates in digits or month names the regions held, and the years (two digits)
    # any other writing of them holds: a stretch of text without one holds none.
    births = [d for d in dated if any(f.start < d[1] and d[0] < f.end for f in findings)]
    if not births:
        return
    years = {f"{(born.year + k) % 100:02d}" for _, _, born in births for k in (-1, 0, 1)}
    size = len(text)
    windows: list[list[int]] = []
    for start, end, _ in births:
        lo, hi = max(0, start - _CORRECTION_REACH), min(size, end + _CORRECTION_REACH)
        if windows and lo <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], hi)
        else:
            windows.append([lo, hi])
    near = [d for lo, hi in windows for d in dated if lo <= d[0] < hi]
    for lo, hi in windows:
        for gap in _outside(lo, hi, regions):
            if any(year in text[gap[0] : gap[1]] for year in years):
                near.extend(dated_spans(text, *gap))
    for start, end, other in near:
        if any(lo < end and start < hi for lo, hi in taken):
            continue
        # Not six bare digits (a national number's part), nor a timestamp's date ("[05/01/2024
        # 10:11]"): a message's time, however close to a birthday.
        if (end - start == 6 and text[start:end].isdigit()) or _TIME_AFTER.match(text, end):
            continue
        for born_start, born_end, born in births:
            if {other.day, other.month} != {born.day, born.month}:
                continue
            if abs(other.year - born.year) <= 1 and (
                max(start - born_end, born_start - end) <= _CORRECTION_REACH
            ):
                taken.append((start, end))
                yield start, end
                break


def _outside(lo: int, hi: int, regions: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The stretches of ``[lo, hi)`` no region (sorted, not overlapping) covers."""
    for start, end in regions:
        if end <= lo:
            continue
        if start >= hi:
            break
        if start > lo:
            yield lo, start
        lo = max(lo, end)
    if lo < hi:
        yield lo, hi


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Not part of a longer word or number."""
    return not (start and text[start - 1].isalnum()) and not (
        end < len(text) and text[end].isalnum()
    )


def _starred_dates(text: str) -> Iterator[tuple[int, int]]:
    """Dates after the genealogists' star for "born", itself after a name: "Helmut Schäfer
    (* 02.06.1934)", "Ida Berg *1990-03-04", or opening a line that a cross for "died"
    follows, as death notices set them ("* 12 maj 1931" / "† 3 november 2024"); not a
    list's bullet ("* 02.06.1934 Meeting") nor a product ("3 * 12"). Stars found with
    ``str.find``: code and Markdown hold many."""
    star = text.find("*")
    while star >= 0:
        after = star + 1 + (text[star + 1 : star + 2] in (" ", "\t"))
        if text[after : after + 1].isdigit() and (
            _after_a_word(text, star) or _opens_a_life(text, star)
        ):
            match = _DATE.match(text, after)
            if match is not None and _date_of(match):
                yield match.span()
        star = text.find("*", star + 1)


def _opens_a_life(text: str, star: int) -> bool:
    """A star opening its line, with the cross for "died" opening the next."""
    if star and text[star - 1] != "\n":
        return False
    line_end = text.find("\n", star)
    return line_end >= 0 and text[line_end + 1 : line_end + 3].lstrip(" ").startswith("†")


def _after_a_word(text: str, position: int) -> bool:
    """A letter before ``position``, past one space and one opening bracket at most."""
    before = position
    if text[before - 1 : before] == "(":
        before -= 1
    if text[before - 1 : before] in (" ", "\t"):
        before -= 1
    return before < position and before > 0 and text[before - 1].isalpha()


def _yearless(text: str, lo: int, hi: int) -> Iterator[tuple[int, int]]:
    """A birthday without its year right after a birth word ("birthday is Oct 9", "f. 2.
    december", "turned 40 on March 3rd", "fyller 70 den 14 juni", "my bday is 7/4")."""
    for match in _YEARLESS.finditer(text, lo, min(len(text), hi + _LONGEST_DATE)):
        start = match.start()
        found = _BIRTH_CONTEXT.occurrences(text, max(0, start - _YEARLESS_REACH), start)
        if not found or _YEARLESS_GAP.fullmatch(text, max(e for _, e in found), start) is None:
            if not _BORN_ABBREVIATIONS.before_span(text, start):  # "f. 2. december"
                continue
        elif _born_no_private_person(text, start):
            continue
        if match["m"] or match["m2"]:
            day = int(match["d"] or match["d2"])
            months = _month_numbers(match["m"] or match["m2"])
            if any(_real(2000, month, day) for month in months):  # 2000: a leap year
                yield start, match.end()
        elif match["cm"]:
            if _real(2000, int(match["cm"]), int(match["cd"])):
                yield start, match.end()
        elif _real(2000, int(match["b"]), int(match["a"])) or _real(
            2000, int(match["a"]), int(match["b"])
        ):
            yield start, match.end()


_SUBJECT_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*|[IVX]+\b")
_CLAUSE_BREAK = re.compile(r"[\n:;,!?()\[\]{}\"|=<>/\\·•\-–—]|(?<!\bJr)(?<!\bSr)\.")
# Between a subject and its birth word: "the project WAS born", "il progetto È nato".
_AUXILIARIES = frozenset(
    "was|is|were|has|had|been|got|will|just|officially|actually|really|est|a|été|è|é|ist|"
    "wurde|war|fue|es|foi|era|был|была|было|были|är|var|blev|jest|był|była|było|telah|"
    "sudah|usually|first|turns|turned|st|nd|rd|th".split("|")
)


_OF_THE = frozenset("of|the|our|this|van|de|het|la|le|les|del|des|der|du|di|della|do|da".split("|"))


def _born_no_private_person(text: str, date_start: int) -> bool:
    """Whether the birth word before a date is said of no private person: of a thing or an
    animal ("the project was born on", "my dog's birthday is"), or of a public figure
    ("Rosa Parks was born on", "Astrid Lindgren föddes den")."""
    found = _BIRTH_CONTEXT.occurrences(text, max(0, date_start - 45), date_start)
    if not found:
        # The birth word after the date: "died on 8 September 2022, aged 96. Born in ...".
        after = _BIRTH_CONTEXT.occurrences(text, date_start, date_start + 60)
        return (
            bool(after)
            and _BORN_PREDICATE.match(text, after[0][0]) is not None
            and _a_public_figures_birth(text, after[0][0])
        )
    word_start = found[-1][0]
    # The clause before the birth word: "for the team: Birthdate ..." has no subject.
    before = text[max(0, word_start - 60) : word_start]
    clause = _CLAUSE_BREAK.split(before)[-1]
    words = _SUBJECT_WORD.findall(clause)
    while words and words[-1].lower() in _AUXILIARIES:
        words.pop()
    head = words[-1].lower().removesuffix("'s").removesuffix("\u2019s") if words else ""
    if head in NOT_PERSON_SUBJECTS or head == "its":  # "its 5th birthday": a thing's
        return True
    if head.startswith(NOT_PERSON_STEMS) or any(w in before[-6:] for w in NOT_PERSON_UNSPACED):
        return True
    # Or a thing's birth date by the birth word's genitive: "Дата рождения проекта",
    # "Geboortedatum van de stichting", "date of birth of the company".
    after = _SUBJECT_WORD.findall(_CLAUSE_BREAK.split(text[found[-1][1] : date_start])[0])
    while after and after[0].lower() in _OF_THE:
        after.pop(0)
    if after and after[0].lower() in NOT_PERSON_SUBJECTS:
        return True
    # A public figure's name: the capitalised words (and regnal numbers) right before.
    run: list[str] = []
    for word in reversed(words[-4:]):
        if not word[0].isupper():
            break
        run.insert(0, word)
    if any(is_public_figure(" ".join(run[i:])) for i in range(len(run) - 1)):
        return True
    return (
        head not in _PRIVATE_SUBJECTS
        and _BORN_PREDICATE.match(text, word_start) is not None
        and _a_public_figures_birth(text, word_start)
    )


# Words that make the one born a private person: the writer, their kin, a client.
_PRIVATE_SUBJECTS = frozenset(
    """
    i me my mine we us our ours son sons daughter daughters wife husband mother father mum
    mom dad brother sister grandson granddaughter grandmother grandfather grandma grandpa
    nephew niece cousin baby child patient client customer employee applicant candidate hire
    pt pat patientin paciente
    """.split()
)
# "Born", said of someone in a sentence, not a form's label ("date of birth", "fecha de
# nacimiento"): only then is whose birth it is the sentence's subject.
_BORN_PREDICATE = regex.compile(
    r"(?i)born|née?\b|naci[óo]|nacid[oa]|nasce[ru]|nascid[oa]|nacque|nat[oa]\b|född|föddes|"
    r"født|geboren|urodzi|urodzon|родил|doğ|lahir"
)
_CAPITALISED_RUN = regex.compile(
    r"\p{Lu}[\p{L}\p{M}'\u2019\-]*(?:[ ]+(?:\p{Lu}[\p{L}\p{M}'\u2019\-]*|[IVX]+\b))*"
)
_SENTENCE_END = regex.compile(r"[.!?。！？][ \t\n]")


def _a_public_figures_birth(text: str, word_start: int) -> bool:
    """Whether the birth word at ``word_start`` is said of a public figure named before it,
    in its sentence or the one before ("Steve Jobs, born in ...", "Kahlo was born", "Queen
    Elizabeth II died ... Born in Mayfair, London, ..., she"). The nearest person decides:
    a private one named or spoken of first ("my brother Tom, born ...", "Ana Lima, born
    ...") makes it a private birth."""
    lo = max(0, word_start - 250)
    lo = max(lo, text.rfind("\n\n", lo, word_start) + 1)
    ends = [m.end() for m in _SENTENCE_END.finditer(text, lo, word_start)]
    if len(ends) >= 2:
        lo = ends[-2]
    given = agreed_given_names()  # cached by name_lexicon
    # The writer or their kin in the birth word's own sentence: a private birth.
    sentence = ends[-1] if ends else lo
    for word in _SUBJECT_WORD.findall(text, sentence, word_start):
        if word.lower() in _PRIVATE_SUBJECTS:
            return False
    for run in reversed(list(_CAPITALISED_RUN.finditer(text, lo, word_start))):
        words = run.group().split()
        # The whole run: "José Luis Hernández" is nobody famous, though "Luis Hernández" is.
        if len(words) > 1 and is_public_figure(run.group()):
            return True
        if len(words) == 1 and normal_name(words[0]) in FAMOUS_SURNAMES:
            return True
        if words[0].lower() in given:
            return False  # a private person's name: theirs
    return False


def date_spans(text: str) -> list[tuple[int, int]]:
    """Every date in ``text`` that exists and lies in a plausible year of birth, any context.

    Six bare digits (``870614``) are too often something else to count here; ``is_date``
    takes them as a whole value.
    """
    return [
        (start, end)
        for start, end, m in _dates(text, 0, len(text))
        if _date_of(m) and not (m.lastgroup == "compact" and len(m["c8"]) == 6)
    ]


def yearless_spans(text: str) -> list[tuple[int, int]]:
    """Every day and month without a year that names its month ("9 мая", "7 listopada",
    "30 de junio", "9월 9일"), any context: a birthday where something else says so. Numbers
    alone ("7/4") are too often something else."""
    spans = []
    for match in _YEARLESS.finditer(text):
        if match["m"] or match["m2"]:
            day = int(match["d"] or match["d2"])
            if any(_real(2000, month, day) for month in _month_numbers(match["m"] or match["m2"])):
                spans.append(match.span())
        elif match["cm"] and _real(2000, int(match["cm"]), int(match["cd"])):
            spans.append(match.span())
    return spans


def dated_spans(text: str, lo: int, hi: int) -> Iterator[tuple[int, int, date]]:
    """The grammar's dates that start in ``text[lo:hi]``, with the day each names."""
    for start, end, match in _dates(text, lo, hi):
        born = _date_of(match)
        if born is not None:
            yield start, end, born


# Japanese and Chinese dates in kanji numerals ("平成元年十月十日", "一九八八年三月五日"), or
# with a particle the grammar above does not read ("平成2年の3月30日").
_KANJI_DIGITS = {c: n for n, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_KANJI_NUMBER = "[〇零一二三四五六七八九十]{1,3}"
# Chinese lunar dates too ("农历一九九三年八月初六", "腊月初八"): the month's first ten days
# are "初一" to "初十", its last two months may be "冬月" and "腊月". A year may be two
# digits ("六二年十月一号").
_LUNAR_MONTHS = {"正": 1, "冬": 11, "腊": 12, "臘": 12}
_KANJI_DATE = re.compile(
    rf"(?:(?P<era>{'|'.join(ERAS)})\s?(?P<ey>元|\d{{1,2}}|{_KANJI_NUMBER})"
    rf"|(?P<y>\d{{4}}|[〇零一二三四五六七八九]{{4}}|(?<![〇零一二三四五六七八九十])"
    rf"[〇零一二三四五六七八九]{{2}}))\s?年\s?(?:の\s?)?"
    rf"(?P<m>\d{{1,2}}|{_KANJI_NUMBER}|[正冬腊臘])\s?月\s?"
    rf"(?:(?P<d>\d{{1,2}}|{_KANJI_NUMBER})\s?[日号號]|(?P<ld>初[一二三四五六七八九十]|廿[一二三四五六七八九]?))"
)


def _kanji_number(value: str) -> int:
    if value.isdigit():
        return int(value)
    if value in _LUNAR_MONTHS:
        return _LUNAR_MONTHS[value]
    if value[0] in "初廿":  # "初六" 6, "廿" 20, "廿三" 23
        return (20 if value[0] == "廿" else 0) + (_kanji_number(value[1:]) if value[1:] else 0)
    if "十" in value:  # "十" 10, "二十" 20, "三十一" 31
        tens, _, ones = value.partition("十")
        return _KANJI_DIGITS.get(tens, 1) * 10 + _KANJI_DIGITS.get(ones, 0)
    return int("".join(str(_KANJI_DIGITS[c]) for c in value))


def _kanji_dates(text: str, lo: int, hi: int) -> Iterator[tuple[int, int, date]]:
    if "年" not in text:
        return
    for match in _KANJI_DATE.finditer(text, lo, min(len(text), hi + _LONGEST_DATE)):
        if match["era"]:
            offset = 0 if match["ey"] == "元" else _kanji_number(match["ey"]) - 1
            year = ERAS[match["era"]] + offset
        elif len(match["y"]) == 2:
            year = _year(str(_kanji_number(match["y"])).zfill(2))
        else:
            year = _kanji_number(match["y"])
        born = _real(year, _kanji_number(match["m"]), _kanji_number(match["d"] or match["ld"]))
        if born is not None:
            yield match.start(), match.end(), born


def _regions(text: str) -> list[tuple[int, int]]:
    return _ANY_BIRTH_WORD.regions(text, _LONGEST_DATE)


def _docs_dates(text: str) -> Iterator[tuple[int, int]]:
    for docs in _DOCS.finditer(text):
        if docs["ssr"] or docs["child"] or docs["pax"]:
            group = "ssr" if docs["ssr"] else "child" if docs["child"] else "pax"
            if is_date(docs[group]):
                yield docs.span(group)
        elif (match := _DATE.match(text, docs.end())) and _date_of(match):
            yield match.span()


def _age_fits(text: str, start: int, end: int, born: date) -> bool:
    """Whether an age stated near ``text[start:end]`` is that of someone born on ``born``."""
    lo, hi = max(0, start - _AGE_CONTEXT.before), min(len(text), end + _AGE_CONTEXT.after)
    years = date.today().year - born.year
    for word_start, word_end in _AGE_CONTEXT.occurrences(text, lo, hi):
        for age in _AGE.finditer(text, max(lo, word_start - 8), min(hi, word_end + 8)):
            if (age.end() <= start or age.start() >= end) and years - int(age[0]) in (0, 1):
                return True
    return False


def _other_field(text: str, start: int) -> bool:
    """Whether the date is the value of a field named for another date ("visit_date": ...,
    "Factuurdatum: "): a birth word nearby belongs to another field."""
    key = _KEY_BEFORE.search(text, max(0, start - 48), start)
    if key is None:
        return False
    name = key.group(1)
    if not any(w in _DATE_KEY_WORDS or w.endswith(_DATE_KEY_ENDS) for w in key_words(name)):
        return False  # "customer: 7/19/1990" answers a question; "Notes:" holds anything
    return field_class(name)[0] != "date_of_birth" and _BIRTH_CONTEXT.occurrences(name) == []


def _labelled(text: str, start: int) -> bool:
    """Whether a birth label ends right before ``start``: "DOB: ", "dob="."""
    found = _BIRTH_CONTEXT.occurrences(text, max(0, start - 24), start)
    if not found:
        return False
    return _LABEL_GAP.fullmatch(text, max(end for _, end in found), start) is not None


def _dates(text: str, lo: int, hi: int) -> Iterator[tuple[int, int, re.Match[str]]]:
    """Matches of the grammar that start in ``text[lo:hi]``, left to right, not overlapping,
    with their spans (a match's own, or from a day word before it: "ngày 12 tháng 4").

    The grammar is costly to try at every letter, and every date has digits: it is tried
    only at the start of a run of digits, at an era name right before one ("平成2年"), and at
    a month name or spoken day among the few words before one ("April ninth, 1990").
    """
    size = len(text)
    seen = lo
    for digits in _DIGIT_RUN.finditer(text, lo, min(size, hi + _LEAD)):
        run = digits.start()
        if run < seen or digits.end() - run not in _FIRST_RUN or text[run - 1 : run] in (".", "/"):
            continue  # not the first digits of a date (a run of 3, 5, 7 digits; "v1.2", "/7")
        for start in _starts(text, max(seen, run - _LEAD), run):
            if start >= hi:
                return
            match = _DATE.match(text, start)
            if match is None:
                continue
            seen = match.end()
            if match.lastgroup in _DAY_WORDS:
                day_word = _DAY_WORDS[match.lastgroup].search(text, max(0, start - 8), start)
                if day_word and day_word.end() == start:
                    start = day_word.start()
            yield start, match.end(), match
            break


def _starts(text: str, lo: int, run: int) -> list[int]:
    """Where a date holding the digits at ``run`` may start, in ``text[lo:run + 1]``."""
    if text[run - 2 : run] in ERAS:
        return [run - 2, run]
    if text[run - 1 : run] in ERA_INITIALS and not text[run - 2 : run - 1].isalnum():
        return [run - 1, run]  # "S58.7.21"
    if run == lo or text[run - 1] not in _BEFORE_WORD_FIRST:
        return [run]
    words = text[lo:run].rsplit(None, 4)
    if not words or words[-1].strip(_WORD_EDGES).casefold() not in _LEADING_WORDS:
        return [run]  # "May 17", "April ninth, 1990", "fourth of July 1976": a leading word last
    starts = [run]
    end = run - lo
    window = text[lo:run]
    for word in reversed(words[-4:]):
        end = window.rfind(word, 0, end)
        if word.strip(_WORD_EDGES).casefold() in _LEADING_WORDS:
            starts.append(lo + end)
    starts.reverse()
    return starts


def is_date(value: str) -> bool:
    """Whether ``value``, stripped, is one whole date of the grammar, in a plausible year of
    birth (six bare digits, ``870614``, included: the caller knows the field holds a date)."""
    value = _YEAR_MARK.sub("", value.strip())
    for form, day_word in _DAY_WORDS.items():
        found = day_word.match(value)
        if found:
            match = _DATE.fullmatch(value, found.end())
            return match is not None and match.lastgroup == form and _date_of(match) is not None
    match = _DATE.fullmatch(value)
    return match is not None and _date_of(match) is not None


def _date_of(match: re.Match[str]) -> date | None:
    """The date a match of the grammar names, if it exists in a plausible year of birth."""
    form = match.lastgroup
    if form == "iso":
        year = int(match["iy"])
        if SOLAR_HIJRI_YEARS[0] <= year <= SOLAR_HIJRI_YEARS[1]:  # Iran, Afghanistan: 1365/07/23
            year += SOLAR_HIJRI_OFFSET
        return _real(year, int(match["im"]), int(match["id"]))
    if form == "num":
        if match["nh"]:
            year = _lunar_hijri(int(match["ny"].removesuffix("هـ").strip()))
        else:
            year = _year(match["ny"])
        first, second = int(match["n1"]), int(match["n2"])
        # Day-first (most of the world) or month-first (US): either reading will do.
        return _real(year, second, first) or _real(year, first, second)
    if form == "dmy":
        year = int(match["ty"]) if match["ty"] else _year(match["ty2"])
        return _named(year, match["tm"], int(match["td"]))
    if form == "mdy":
        return _named(_year(match["uy"].lstrip("'’")), match["um"], int(match["ud"]))
    if form == "nordic":  # day first (Sweden, Denmark, Norway)
        return _real(_year(match["sy"]), int(match["sm"]), int(match["sd"]))
    if form == "ymd":
        return _named(int(match["yy"]), match["ym"], int(match["yd"]))
    if form == "roman":
        return _real(int(match["ry"]), ROMAN_MONTHS[match["rm"]], int(match["rd"]))
    if form == "yroman":
        return _real(int(match["yry"]), ROMAN_MONTHS[match["yrm"]], int(match["yrd"]))
    if form == "mdw":
        return _named(int(match["wy"]), match["wm"], ORDINAL_DAYS[match["wd"].casefold()])
    if form == "dmw":
        return _named(int(match["dwy"]), match["dwm"], ORDINAL_DAYS[match["dwd"].casefold()])
    if form == "cjk":
        if match["era"]:
            year = ERAS[match["era"]] + (0 if match["ey"] == "元" else int(match["ey"]) - 1)
        else:
            year = _year(match["cy"])
        return _real(year, int(match["cm"]), int(match["cd"]))
    if form == "jera":
        year = ERAS[ERA_INITIALS[match["jl"]]] + int(match["jy"]) - 1
        return _real(year, int(match["jm"]), int(match["jd"]))
    if form == "viet":
        return _real(int(match["vy"]), int(match["vm"]), int(match["vd"]))
    digits = match["c8"]
    if len(digits) == 6:  # yymmdd (Korea, Sweden) or ddmmyy (Denmark, Finland)
        return _real(_year(digits[:2]), int(digits[2:4]), int(digits[4:])) or _real(
            _year(digits[4:]), int(digits[2:4]), int(digits[:2])
        )
    # yyyymmdd, else ddmmyyyy or mmddyyyy
    year, middle, first = int(digits[4:]), int(digits[2:4]), int(digits[:2])
    return (
        _real(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        or _real(year, middle, first)
        or _real(year, first, middle)
    )


def _lunar_hijri(year: int) -> int:
    """The Gregorian year a lunar Hijri year mostly falls in (0 outside living people's)."""
    if not LUNAR_HIJRI_YEARS[0] <= year <= LUNAR_HIJRI_YEARS[1]:
        return 0
    return round(year * 0.970229 + 621.5643)


def _shaped(match: re.Match[str]) -> bool:
    """A numeric date that could be one but for its day or century ("1899-02-30")."""
    form = match.lastgroup
    if form == "iso":
        year, first, second = int(match["iy"]), int(match["im"]), int(match["id"])
    elif form == "num" and len(match["ny"]) == 4:
        year, first, second = int(match["ny"]), int(match["n1"]), int(match["n2"])
    else:
        return False
    if not 1800 <= year <= date.today().year:
        return False
    return any(1 <= m <= 12 and 1 <= d <= 31 for m, d in ((first, second), (second, first)))


def _named(year: int, month_name: str, day: int) -> date | None:
    if "\u0e00" <= month_name[0] <= "\u0e7f" and year > 2400:
        year -= THAI_ERA
    elif LUNAR_HIJRI_YEARS[0] <= year <= LUNAR_HIJRI_YEARS[1] and (
        re.sub(r"\s+", " ", month_name.casefold()) in HIJRI_MONTHS
    ):
        year = _lunar_hijri(year)
    for month in sorted(_month_numbers(month_name)):
        if found := _real(year, month, day):
            return found
    return None


def _month_numbers(name: str) -> frozenset[int]:
    key = re.sub(r"\s+", " ", name.casefold())
    found = _MONTHS.get(key) or _MONTHS.get(_strip_marks(key))
    if found is None:  # a case pair casefold does not join ("İ"): ask the regex
        found = frozenset().union(
            *(v for k, v in _MONTHS.items() if re.fullmatch(re.escape(k), name, re.I))
        )
    return found


def _year(text: str) -> int:
    # A two-digit year of birth: "05/17/90" is 1990, "05/17/04" is 2004.
    value = int(text)
    if len(text) == 4:
        return value
    return 2000 + value if value <= date.today().year % 100 else 1900 + value


def _real(year: int, month: int, day: int) -> date | None:
    if not _FIRST_YEAR <= year <= date.today().year:
        return None
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    return born if born <= date.today() else None  # nobody is born tomorrow
