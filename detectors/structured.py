"""Values whose field says what they are: JSON, CSV/TSV, YAML, XML, key=value logs and forms.

``{"dob": "1984-07-02"}``, ``Passenger: OKAFOR/CHIDI MR``, ``birth_date=19840702`` or a CSV
column headed ``card_number`` carry no context words a value-only detector could use, but the
key names the class (``detectors.field_keys``, in many languages). This detector finds
key-value pairs and table columns, maps the key to a class and keeps a value only when it is a
valid value of that class: a date must be a real date, a card must pass Luhn, a name must look
like a name. It is a fast detector: one pass over the separators (``:``, ``=``, ``：``), one
over the lines for table headers, dictionary look-ups, no model.
"""

from __future__ import annotations

import ipaddress
import json
import re
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterator
from functools import lru_cache

import regex

from detectors.base import PII_CLASSES, Finding
from detectors.birth_date import is_date
from detectors.dialogue import ANSWER_SCORE, answers, in_words_date
from detectors.field_keys import (
    MAIL_HEADER_KEYS,
    NAME_WORDS,
    THING_ATTRIBUTE_KEYS,
    dates_a_thing,
    field_class,
    lists_named_things,
    lists_people,
    names_a_thing,
    names_a_user,
    names_an_account,
    names_an_item,
    names_things,
)
from detectors.field_keys import key_words as _key_words
from detectors.financial import iban_ok, is_card_number
from detectors.name_lexicon import EAST_ASIAN_ANY, SYSTEM_ACCOUNTS, lexicon, persons_login
from detectors.names import (
    BALINESE_BIRTH_ORDER,
    BALINESE_PREFIXES,
    NAME_PARTICLES,
    ORG_WORDS,
    PLACE_WORDS,
)
from detectors.national_id import is_ssn_shape
from detectors.not_persons import known_not_a_private_person

SCORE = 0.9
_MAX_KEY = 60  # characters looked at left of a separator for an unquoted key
_MAX_VALUE = 200

CLASSES = PII_CLASSES  # every built-in class has field names

_SEPARATOR = re.compile(r"[:=：]")
# A key ends at the start of its line or after one of these (``{"a": 1, "dob": ...``).
_KEY_STOP = re.compile(r"[{},;|(\[&?\"'\t<>]|\s{2,}|\s[-*•·\u2013\u2014]\s")
_NEXT_LABEL = regex.compile(r"(?<=\s)\p{L}[\p{L}\p{M} .]{0,30}[:：](?=\s)")
_VALUE_STOP = {
    # Addresses have commas inside them; the other classes end at one. Forms in Chinese and
    # Japanese end a value at full-width punctuation too ("氏名：山田 太郎（やまだ たろう）").
    # A spaced dash parts one field from the next on a line ("Surname: PAPADOPOULOU — Given
    # name: ELENI"); an address holds them ("Centro – Belo Horizonte – MG").
    "address": re.compile(r"[|;\t\"}\]<；｜（「]|\s{3,}"),
    "default": re.compile(r"[,|;\t\"}\]<(，、；｜（「]|\s{3,}|\s[\u2014\u2013-]\s"),
}
# Tags in any script: "<фамилия>", "<氏名>".
_XML = re.compile(r"<([^\W\d][\w.:-]{0,40})(?:\s[^<>]{0,200})?>([^<>]{1,200})</\1>")

_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
# "+" for a space between two letters, as HTML forms encode a query string.
_FORM_SPACE = re.compile(r"(?<=[^\W\d_])\+(?=[^\W\d_])")
_EMAIL = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?[\d()\-. /\u00a0]{6,24}(?:\s*(?:x|ext\.?|#)\s*\d{1,6})?")

# Names: letters of any script, inner apostrophes, hyphens, dots (initials), commas
# ("Surname, Given") and the slash of airline forms; two to seven parts, or one for a key
# that names a name's part ("first_name").
_NAME_PART = regex.compile(r"[\p{L}\p{M}][\p{L}\p{M}'\u2019.\-\u30fb]*")
_TITLES = frozenset(
    "mr mrs ms miss mstr mx dr prof sir dame herr frau sr sra srta sig sigra dott m mme mlle "
    "pan pani bay bayan bapak pak ibu tuan puan shri smt sri ông bà anh chị chd inf "
    "様 さま 殿 さん 氏 씨 님".split()  # honorifics after a name: "代表者：伊藤 誠 様"
)
_NOT_A_NAME = frozenset(
    """
    n/a na none null unknown test user admin anonymous yes no true false redacted hidden
    inc ltd llc gmbh corp company group bank services solutions team support department
    automation bot bots devops sre helpdesk noreply
    hurricane typhoon cyclone storm sturmtief orkan huracán tormenta ouragan uragano furacão
    medicane mozilla firefox chrome chromium safari opera edge curl postman rotation schedule
    shift queue
    """.split()
)


class StructuredFieldDetector:
    name = "structured"

    def __init__(self, classes: frozenset[str] | list[str] | tuple[str, ...] = CLASSES) -> None:
        self.classes = frozenset(classes) & CLASSES
        self._common = lexicon()[3]

    def detect(self, text: str) -> list[Finding]:
        findings: list[Finding] = []
        blank: bool | None = None  # whether the text is a blank form, once asked
        # One word no list knows under a key that names a person only sometimes ("Imię:
        # Aliaksandr", "Имя: Сардана"): a name where the same form has a surname or a date
        # of birth under a key that says so.
        lone: list[tuple[int, int, int]] = []  # the word's span, its value's start
        a_persons_form = False
        # A table column's cells, by where each starts: a lone word in a column whose other
        # cells are people's names is one too ("| Owner |" over "Kiko", "Sasha", "Bubba").
        column_of: dict[int, tuple[int, int]] = {}
        named_columns: set[tuple[int, int]] = set()
        sql: bool | None = None  # whether it may hold an INSERT or UPDATE, once asked
        # A full name a key that names a person only sometimes holds, doubted for a common
        # word or a famous bearer in it ("name: Will Danby", "name: Luis Hernández"): a
        # person's where the same key or column names people elsewhere in the text, or the
        # record holds a date of birth or an SSN.
        doubted: list[tuple[int, int, object]] = []
        people_keys: set[object] = set()
        for pii_class, ambiguous, start, end in self._candidates(text, column_of):
            reported = "name" if pii_class in (LOGIN, ACCOUNT) else pii_class
            if reported not in self.classes:
                continue
            span = _valid(pii_class, ambiguous, text, start, end)
            if span is None:
                if ambiguous and pii_class == "name":
                    if self._lone_word(text[start:end]):
                        lone.append((*_trimmed(text[start:end], start, end), start))
                    elif (full := _a_full_name(text, start, end)) is not None:
                        doubted.append((*full, _key_of(text, start, column_of)))
                continue
            if reported == "name" and _no_ones_name(text, span, pii_class, ambiguous, column_of):
                continue
            if reported == "name" and start in column_of:
                named_columns.add(column_of[start])
            if reported == "name" and ambiguous:
                people_keys.add(_key_of(text, start, column_of))
            # "INSERT INTO hurricanes (name, ...)", "languages:\n  - name: Julia": the
            # collection says whose name a "name" is.
            if ambiguous and reported == "name":
                if sql is None:
                    sql = _may_hold_sql(text)
                if _in_a_collection_of_things(text, start, sql):
                    continue
            # In a blank form an address field's value is its parts' names ("Anschrift:
            # Straße, Hausnummer, PLZ, Ort"); an address has a number.
            if pii_class == "address" and not _numbered(text[start:end]):
                if blank is None:
                    blank = _BLANK.search(text) is not None
                if blank:
                    continue
            a_persons_form = (
                a_persons_form
                or reported == "date_of_birth"
                or (pii_class == "name" and not ambiguous)
            )
            findings.append(Finding(reported, span[0], span[1], SCORE, self.name))
        if doubted:
            records_people = a_persons_form or any(f.pii_class == "ssn" for f in findings)
            sql = _may_hold_sql(text) if sql is None else sql
            findings.extend(
                Finding("name", start, end, SCORE, self.name)
                for start, end, key in doubted
                if (records_people or (key is not None and key in people_keys))
                and not _in_a_collection_of_things(text, start, sql)
            )
        if not a_persons_form:
            lone = [word for word in lone if column_of.get(word[2]) in named_columns]
        if lone:
            sql = _may_hold_sql(text) if sql is None else sql
            findings.extend(
                Finding("name", start, end, SCORE, self.name)
                for start, end, _ in lone
                if not _in_a_collection_of_things(text, start, sql)
            )
        # A transcript's question names the class of the next speaker's answer (once: the
        # answer may be a key's value too, "customer: thabo nkosi").
        keyed = {(f.start, f.end) for f in findings}
        findings.extend(
            Finding(a.pii_class, a.start, a.end, ANSWER_SCORE, self.name)
            for a in answers(text, self._common)
            if a.pii_class in self.classes and (a.start, a.end) not in keyed
        )
        return findings

    def _lone_word(self, value: str) -> bool:
        """Whether ``value`` is one word shaped like a name and no common word: capitalised
        letters (no public figure's), or two to twelve of a script without capitals."""
        word = value.strip()
        if _NAME_PART.fullmatch(word) is None or "." in word or len(word) > 24:
            return False
        lower = word.lower()
        if lower in self._common or lower in _NOT_A_NAME or lower in _TITLES:
            return False
        if lower == word.upper():
            return 2 <= len(word) <= 12
        return (
            word[0].isupper() and len(word) > 2 and not known_not_a_private_person(word, alone=True)
        )

    def _candidates(
        self, text: str, column_of: dict[int, tuple[int, int]]
    ) -> Iterator[tuple[str, bool, int, int]]:
        """Every key's or column's value, with the class its key names; ``column_of``
        is filled with the table column of each cell."""
        yield from _key_values(text)
        if "user" in text or "for " in text:
            for match in _LOG_USER.finditer(text):
                yield LOGIN, True, match.start(1), match.end(1)
        for hint, pattern in _ACCOUNT_PLACES:
            if hint in text:
                for match in pattern.finditer(text):
                    yield LOGIN, True, match.start(1), match.end(1)
        if "<" in text:
            for match in _XML.finditer(text):
                pii_class, ambiguous = _class_of(match.group(1))
                if pii_class is not None:
                    yield pii_class, ambiguous, match.start(2), match.end(2)
        yield from _table_cells(text, column_of)
        if "VALUES" in text or "values" in text:
            yield from _sql_values(text)


# A system log naming the account a session is for: "Accepted publickey for mkowalski",
# "session opened for user jdoe", "Invalid user admin from".
_LOG_USER = re.compile(
    r"\b(?:for(?: invalid)? user|[Ii]nvalid user|Accepted [\w/-]+ for|Failed [\w/-]+ for"
    r"(?: invalid user)?|logged in as|by user) ([a-z][a-z0-9._-]{2,31})\b"
)
# Where logs and code name an account without a key: a home directory ("/home/tadeyemi/",
# "C:\\Users\\mkowalski\\"), cron's "(tadeyemi) CMD", the branch of a merged pull request
# ("Merge pull request #812 from blerimhoxha/fix-timezone"). Judged as a user key's value is:
# a login made of a person's names, or a person's name.
_ACCOUNT_PLACES = (
    ("/home/", re.compile(r"/home/([a-z][a-z0-9._-]{2,31})(?=/|\s|$)")),
    ("Users\\", re.compile(r"[A-Za-z]:\\+Users\\+([A-Za-z][A-Za-z0-9._-]{2,31})(?=\\|\s|$)")),
    (") CMD", re.compile(r"\(([a-z][a-z0-9._-]{2,31})\) CMD\b")),
    ("pull request", re.compile(r"Merge pull request #\d+ from ([A-Za-z0-9][A-Za-z0-9-]{2,38})/")),
)
# A user key's value ("Utente: mrossetti"): a person's name, or a login made of one.
LOGIN = "login"
# An audit log's account keys ("actor=aalmazrouei target=mhassan"): a person's only when the
# login is made of a person's names; a name there is a film's cast or a deployment's target.
ACCOUNT = "account"


def _class_of(key: str) -> tuple[str | None, bool]:
    if names_a_user(key):
        return LOGIN, True
    if names_an_account(key):
        return ACCOUNT, True
    pii_class, ambiguous = field_class(key)
    if pii_class == "name" and names_a_thing(key):
        return None, False  # "ship_name", "pet_name": a thing's name
    if pii_class == "date_of_birth" and dates_a_thing(key):
        return None, False  # "PROJECT_BORN", "pet_dob": a thing's birthday
    return pii_class, ambiguous


# -- the collection a value belongs to -------------------------------------------------------

_LOOK_BACK = 1500  # characters before a value searched for its table, array or list
_SQL_TABLE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE|insert\s+into|update)\s+[`\"\[]?([\w.]+)")
# The key an array opens under, read backwards from its "[": '"languages": ['.
_ARRAY_KEY = re.compile(r"[\"']?([^\W\d][\w\- ]{0,40})[\"']?\s*[:=]\s*\Z")
_YAML_PARENT = re.compile(r"([ \t]*)(?:- )?([^\W\d][\w\- ]{0,40}):[ \t]*$")


@lru_cache(maxsize=64)  # asked again for each name found in the same text
def _may_hold_sql(text: str) -> bool:
    return any(word in text for word in ("nsert", "NSERT", "pdate", "PDATE"))


def _in_a_collection_of_things(
    text: str, start: int, sql: bool, things: Callable[[str], bool] = names_things
) -> bool:
    """Whether the value at ``start`` is an item of an SQL table, a JSON array or a YAML
    list whose name says it holds things ("hurricanes", "languages", "products"). ``sql``:
    the text may hold an INSERT or UPDATE statement; ``things``: what says a collection's
    name is of things."""
    lo = max(0, start - _LOOK_BACK)
    if sql:
        tables = list(_SQL_TABLE.finditer(text, lo, start))
        table = tables[-1] if tables else None
        if table is not None and ";" not in text[table.end() : start]:
            return things(table.group(1).rsplit(".", 1)[-1])
    opening = _enclosing_bracket(text, lo, start)
    if opening >= 0:
        key = _ARRAY_KEY.search(text, max(0, opening - 50), opening)
        if key is None:
            return False
        if things(key.group(1)):
            return True
        # A neutral key in a list of things: "storm_names:\n  atlantic: [Andrea, Barry]".
        pii_class, _ = _class_of(key.group(1))
        return pii_class is None and _yaml_parent_names_things(text, opening, things)
    # A JSON object under a key naming a thing: '"release": {"name": "Aurora", ...}'.
    opening = _enclosing_bracket(text, lo, start, "{", "}")
    if opening >= 0:
        key = _ARRAY_KEY.search(text, max(0, opening - 50), opening)
        if key is not None and things(key.group(1)):
            return True
    if "<" in text[lo:start]:
        # An attribute of a thing's element: '<storm name="Haiyan">'.
        tag_open = text.rfind("<", lo, start)
        if tag_open > text.rfind(">", lo, start):
            tag = _XML_TAG_NAME.match(text, tag_open + 1)
            return tag is not None and things(tag.group())
        parent = _xml_parent(text, lo, start)
        if parent is not None and things(parent):
            return True  # "<product><name>カップヌードル</name>"
    return _yaml_parent_names_things(text, start, things)


def listed_as_thing(text: str, start: int) -> bool:
    """Whether a name found at ``start`` by other means than a key (a name list, NER) stands
    where a collection of things named like people lists its items: a bare list item or a
    bare "name" key's value under "characters", "storms", "holidays" ("personagens:\n  -
    Mônica", "storms: [Andrea, Barry]"). Any other key keeps it ("admin_contact: ...")."""
    line_start = text.rfind("\n", 0, start) + 1
    head = text[line_start:start].rstrip(" \t\"'")
    if head.endswith((":", "=")):
        key = _key_before(text, line_start + len(head) - 1)
        if key is None or not names_an_item(key):
            return False
    elif head.strip(" \t-*[,") and _enclosing_bracket(text, line_start, start) < 0:
        return False  # running text
    return _in_a_collection_of_things(text, start, _may_hold_sql(text), lists_named_things)


def a_things_own_value(text: str, start: int) -> bool:
    """Whether a name found at ``start`` by other means than a key (a name list, NER) is the
    value of a thing's record's own name or of one of its attributes: "Name: Château Margaux
    / Vintage: 2015", 'flavor="Cherry Garcia" sku=BJ-CG-473'. A person's key in the same
    record ("Winemaker: ...") keeps the name it holds."""
    line_start = text.rfind("\n", 0, start) + 1
    head = text[line_start:start].rstrip(" \t\"'")
    if not head.endswith((":", "=")):
        return False
    key = _key_before(text, line_start + len(head) - 1)
    if key is None:
        return False
    words = _key_words(key)
    if not words:
        return False
    if words[-1] in NAME_WORDS:
        # An order's or a warranty's keys ("qty", "price", "model") stand beside a
        # customer's name too: only a thing's own ("vintage", "runbook") say whose it is.
        return _a_things_record(text, start, _OWN_THING_KEYS)
    return words[-1] in _OWN_THING_KEYS and _a_things_record(text, start)


# Thing attributes an order, a delivery or a warranty card shares with a person's record.
_GOODS_KEYS = frozenset(
    """
    sku price prices currency stock qty quantity weight dimensions capacity model brand barcode
    ean upc gtin merk marca marque marke modelo modell prijs preço preco precio prix preis
    prezzo pris discovered discoverer publisher manufacturer
    """.split()
)
_OWN_THING_KEYS = THING_ATTRIBUTE_KEYS - _GOODS_KEYS


_XML_TAG = re.compile(r"<(/?)([^\W\d][\w.\-]*)[^<>]*?(/?)>")  # a tag in any script
_XML_TAG_NAME = re.compile(r"[^\W\d][\w.\-]*")


def _xml_parent(text: str, lo: int, start: int) -> str | None:
    """The element around the element ``start`` is in ("product" for "<product><code>…
    </code><name>|"), or None."""
    open_tags: list[str] = []
    for tag in _XML_TAG.finditer(text, lo, start):
        closing, name, empty = tag.groups()
        if empty:
            continue
        if not closing:
            open_tags.append(name)
        elif name in open_tags:
            del open_tags[len(open_tags) - 1 - open_tags[::-1].index(name) :]
    return open_tags[-2] if len(open_tags) >= 2 else None


def _enclosing_bracket(text: str, lo: int, start: int, open_: str = "[", close: str = "]") -> int:
    """The position of the "[" of the array ``start`` is in (or of another bracket), or -1:
    one pass backwards."""
    depth = 0
    position = start
    while True:
        opening = text.rfind(open_, lo, position)
        closing = text.rfind(close, lo, position)
        if opening < 0:
            return -1
        if closing > opening:
            depth += 1
            position = closing
        elif depth:
            depth -= 1
            position = opening
        else:
            return opening


def _yaml_parent_names_things(
    text: str, start: int, things: Callable[[str], bool] = names_things
) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line = text[line_start:start]
    indent = len(line) - len(line.lstrip(" \t-"))
    position = line_start - 1
    for _ in range(30):  # lines up
        if position <= 0:
            return False
        above = text.rfind("\n", 0, position) + 1
        parent = _YAML_PARENT.fullmatch(text, above, position)
        if parent is not None and len(parent.group(1)) < indent:
            return things(parent.group(2))
        position = above - 1
    return False


# -- key: value, key=value, "key": "value" ------------------------------------------------


def _key_values(text: str) -> Iterator[tuple[str, bool, int, int]]:
    travel: bool | None = None  # whether the text is about a journey, once asked
    for match in _SEPARATOR.finditer(text):
        sep = match.start()
        if text.startswith("://", sep) or (sep > 0 and text[sep - 1] in "=!<>:"):
            continue
        key = _key_before(text, sep)
        if key is None:
            continue
        # A plain line listing people; JSON strings and arrays are read as values below.
        opens = text[sep + 1 : sep + 3].strip()[:1]
        if lists_people(key) and (not opens or opens not in _OPENS_A_VALUE):
            yield from _people_listed(text, sep + 1)
            continue
        pii_class, ambiguous = _class_of(key)
        if pii_class is None:
            continue
        if key.strip().lower() in MAIL_HEADER_KEYS:
            if travel is None:
                travel = _TRAVEL.search(text) is not None
            if travel:
                continue
        after = sep + 1
        if text.startswith(">", after):  # PHP and Perl: 'name' => 'Ana Lima'
            after += 1
        yield from _values_after(text, after, pii_class, ambiguous, text[sep:after] == "=")


# A journey's words: its "From:" and "To:" are places ("From: London Heathrow (LHR)").
_TRAVEL = re.compile(
    r"\b(?:flights?|airline|itinerary|departures?|departs|arrivals?|arrives|leg|route|train|"
    r"boarding|terminal|vuelo|flug|vol|volo|voo|viaje|reise|trajet|rejs|uçuş|penerbangan)\b",
    re.IGNORECASE,
)
_OPENS_A_VALUE = frozenset("=\"'[{")  # "==", a quoted string, an array, an object
# Items of a list of people: commas of any script, semicolons, "and" in many languages.
_LIST_ITEM = regex.compile(
    r"(?:[^,、，،;；\n ]|[ \t](?!(?i:and|und|et|y|e|i|en|och|og|ve|dan|и|і|và|및|و)[ \t]))+"
)
_LAST_AND = regex.compile(r"^(?:and|und|et|y|e|i|en|och|og|ve|dan|и|і|và|및|و)\s+", regex.I)


def _people_listed(text: str, position: int) -> Iterator[tuple[str, bool, int, int]]:
    """Each item after a key that lists people ("Present: Ana Lima, K. Osei and Tomás Ruiz"),
    to the end of its line; each must look like a person's name."""
    line_end = text.find("\n", position)
    line_end = len(text) if line_end < 0 else min(line_end, position + 20 * _MAX_VALUE)
    if not text[position:line_end].strip():
        yield from _yaml_items(text, line_end)
        return
    items = []
    for item in _LIST_ITEM.finditer(text, _past_markup(text, position), line_end):
        start, end = item.span()
        while start < end and text[start] in " \t\u3000":
            start += 1
        lead = _LAST_AND.match(text[start:end])
        if lead is not None:
            start += lead.end()
        # A remark on how one attends is no part of the name: "Uwe (zugeschaltet)", "金
        # 成民（オンライン）".
        remark = _REMARK.search(text, start, end)
        if remark is not None and remark.start() > start:
            end = remark.start()
        while end > start and text[end - 1] in " \t.\u3000":
            end -= 1
        if end > start:
            items.append((start, end))
    # Where one item reads as a person's name by the ambiguous key's rule, the key is taken
    # at its word for the others: "Uwe", "Jiwoo Park" hold words that are also common ones.
    people = any(_name_span(text[start:end], True) is not None for start, end in items)
    for start, end in items:
        yield "name", not people, start, end


_REMARK = regex.compile(r"[ \t\u3000]*[(（][^()（）\n]{1,30}[)）][ \t.\u3000]*$")


def _past_markup(text: str, position: int) -> int:
    """Where a value begins after its key's separator: past white space and the bold or
    italic marks Markdown closes a key with ("**Attendees:** Ana, Ben")."""
    size = len(text)
    while position < size and text[position] in " \t":
        position += 1
    while position < size and text[position] in "*_":
        position += 1
    while position < size and text[position] in " \t":
        position += 1
    return position


_YAML_ITEM = re.compile(r"[ \t]*- [ \t]*([^\n#:]+?)[ \t]*(?:#[^\n]*)?$", re.M)


def _yaml_items(text: str, line_end: int) -> Iterator[tuple[str, bool, int, int]]:
    """The items of a YAML list under a key that lists people ("members:\n  - ana.lima"),
    each a person's name or login."""
    position = line_end + 1
    while position < len(text):
        item = _YAML_ITEM.match(text, position)
        if item is None:
            return
        yield LOGIN, True, item.start(1), item.end(1)
        position = item.end() + 1


def _key_before(text: str, sep: int) -> str | None:
    end = sep
    while end > 0 and text[end - 1] in " \t":
        end -= 1
    if end == 0:
        return None
    if text[end - 1] in "\"'":
        quote = text[end - 1]
        start = text.rfind(quote, max(0, end - 1 - _MAX_KEY), end - 1)
        if start < 0:
            return None
        return text[start + 1 : end - 1]
    line_start = text.rfind("\n", 0, end) + 1
    lo = max(line_start, end - _MAX_KEY)
    # A qualifier in brackets after the key ("성명(한글):", "Name (as in passport):") is no
    # stop: the key is the words before it.
    if text[end - 1] in ")）":
        opening = max(text.rfind("(", lo, end), text.rfind("（", lo, end))
        if opening > lo:
            end = opening
    segment = text[lo:end]
    stops = list(_KEY_STOP.finditer(segment))
    if stops:
        segment = segment[stops[-1].end() :]
    segment = segment.strip().lstrip("-*•·#>").strip()
    # A label is a few words; a sentence ending in a colon is not a key.
    if not segment or len(segment.split()) > 6:
        return None
    return segment


# A line that opens with its key, the only one on it: "dob=", "  DB_OWNER = ".
_A_LINES_ONLY_KEY = re.compile(r"[ \t]*[^\s=]+[ \t]*=[ \t]*\Z")


def _values_after(
    text: str, position: int, pii_class: str, ambiguous: bool, equals: bool
) -> Iterator[tuple[str, bool, int, int]]:
    size = len(text)
    i = _past_markup(text, position)
    if i >= size:
        return
    first = text[i]
    if first in "\"'":
        end = _closing_quote(text, i)
        if end is not None:
            yield pii_class, ambiguous, i + 1, end
        return
    if first == "[":
        # An array (nested ones too) of strings or numbers: each is a value of the key's class.
        close = _closing_bracket(text, i)
        if close < 0:
            return
        for item in re.finditer(r"\"((?:[^\"\\\n]|\\.)*)\"|(-?\d[\d .\-]*\d)", text[i + 1 : close]):
            group = 1 if item.group(1) is not None else 2
            yield pii_class, ambiguous, i + 1 + item.start(group), i + 1 + item.end(group)
        return
    if first in "{\n\r":
        return
    if pii_class == "date_of_birth" and (call := _DATE_CALL.match(text, i)) is not None:
        # Code builds a date with a call: "new Date('1992-10-30')", "date(1959, 7, 4)",
        # "DateOnly.ParseExact(\"21.04.1983\", ...)"; the date is its first argument.
        group = "quoted" if call["quoted"] is not None else "numbers"
        yield pii_class, ambiguous, call.start(group), call.end(group)
        return
    line_end = text.find("\n", i)
    line_end = size if line_end < 0 else line_end
    hi = min(line_end, i + _MAX_VALUE)
    if equals and (
        "=" in text[i:hi] or not _A_LINES_ONLY_KEY.match(text, text.rfind("\n", 0, i) + 1, i)
    ):
        # key=value in a log line: the value ends at white space. One key a line (.env, INI:
        # "dob=17 janvier 1992", "الاسم=أسماء بن سالم") runs to the line's end, as after ":".
        stop = re.compile(r"[\s&,;|)\]}\"]").search(text, i, hi)
    else:
        stop = _VALUE_STOP.get(pii_class, _VALUE_STOP["default"]).search(text, i, hi)
    end = stop.start() if stop else hi
    label = _NEXT_LABEL.search(text, i, end)
    if label is not None:
        end = label.start()
    if pii_class == "name":
        end = _sentence_end(text, i, end)
    while end > i and text[end - 1] in " \t.,;:":
        end -= 1
    if end > i:
        yield pii_class, ambiguous, i, end


# A call that makes a date from its first argument, a string or year, month and day.
_DATE_CALL = re.compile(
    r"(?:new[ \t]+)?[A-Za-z_][\w.]{0,40}\([ \t]*"
    r"(?:[\"'](?P<quoted>[^\"'\n]{6,30})[\"']|(?P<numbers>\d{4},[ \t]*\d{1,2},[ \t]*\d{1,2})\b)"
)
_YEAR_MONTH_DAY = re.compile(r"(\d{4}),[ \t]*(\d{1,2}),[ \t]*(\d{1,2})")


def _numbers_date(value: str) -> bool:
    """A date as a call's numbers: "1959, 7, 4" (year, month, day)."""
    match = _YEAR_MONTH_DAY.fullmatch(value)
    return match is not None and is_date("-".join(match.groups()))


# A full stop after a word ("Lead: Tama Te Whiu. Mobile 021 ...").
_FULL_STOP = regex.compile(r"(?<=(\p{L}{3,}))\.(?=\s)")


def _sentence_end(text: str, start: int, end: int) -> int:
    """Where a name's value ends at a sentence's end inside the line, else ``end``: a full
    stop after a name of two words or more ("Tama Te Whiu. Mobile"), not after an initial, a
    title or another abbreviation ("J. Smith", "Dr. Ana Lima", "Tn. Moh. Holis"). One word
    before a full stop is too often a reply ("Employee: Thanks. And the card ...")."""
    given, surnames, _, _ = lexicon()
    for stop in _FULL_STOP.finditer(text, start, end):
        written = stop.group(1)
        word = written.lower()
        if word in _TITLES or len(text[start : stop.start()].split()) < 2:
            continue
        if len(word) > 4 or word in given or word in surnames or written.isupper():
            return stop.start()
    return end


def _closing_bracket(text: str, start: int) -> int:
    depth = 0
    limit = min(len(text), start + 20 * _MAX_VALUE)
    i = start
    while i < limit:
        ch = text[i]
        if ch == '"':
            end = _closing_quote(text, i)
            i = (end if end is not None else i) + 1
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i
        elif ch == "{":
            return -1  # objects inside: their own keys say what their values are
        i += 1
    return -1


def _closing_quote(text: str, start: int) -> int | None:
    quote = text[start]
    i = start + 1
    limit = min(len(text), start + 1 + 4 * _MAX_VALUE)
    while i < limit:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == quote:
            return i if i > start + 1 else None
        if ch == "\n":
            return None
        i += 1
    return None


# -- tables: CSV, TSV, semicolon and pipe tables, markdown -------------------------------


_DELIMITERS = (",", "\t", ";", "|")


def _table_cells(
    text: str, column_of: dict[int, tuple[int, int]]
) -> Iterator[tuple[str, bool, int, int]]:
    """The cells under a header that names a class; ``column_of`` maps each cell's start
    to its column (the header line's start, the column's index)."""
    if "\n" not in text:
        return
    lines = _lines(text)
    i = 0
    while i < len(lines) - 1:
        start, end = lines[i]
        header = _header(text, start, end)
        if header is None:
            i += 1
            continue
        delimiter, columns = header
        width = len(_split(text, start, end, delimiter))
        i += 1
        while i < len(lines):
            row_start, row_end = lines[i]
            cells = _split(text, row_start, row_end, delimiter)
            if len(cells) < 2 or abs(len(cells) - width) > 1:
                break
            for index, (pii_class, ambiguous) in columns.items():
                if index < len(cells):
                    lo, hi = cells[index]
                    if hi > lo:
                        column_of[lo] = (start, index)
                        yield pii_class, ambiguous, lo, hi
            i += 1


def _lines(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in re.finditer(r"\r?\n", text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _header(text: str, start: int, end: int) -> tuple[str, dict[int, tuple[str, bool]]] | None:
    line = text[start:end]
    if len(line) > 2000:
        return None
    for delimiter in _DELIMITERS:
        if delimiter not in line:
            continue
        # A header's cells are short labels: prose with commas is ruled out without a split.
        plain_cells = line.split(delimiter)
        if any(len(cell) > 60 for cell in plain_cells):
            continue
        cells = _split(text, start, end, delimiter)
        # Two labels or more: a statement's closing ";" makes no header ("String lastName;").
        if sum(hi > lo for lo, hi in cells) < 2:
            continue
        columns: dict[int, tuple[str, bool]] = {}
        plain = True
        for index, (lo, hi) in enumerate(cells):
            cell = text[lo:hi]
            if len(cell) > 50 or sum(ch.isdigit() for ch in cell) > 2:
                plain = False
                break
            pii_class, ambiguous = _class_of(cell)
            if pii_class is not None:
                columns[index] = (pii_class, ambiguous)
        if plain and columns:
            return delimiter, columns
    return None


def _split(text: str, start: int, end: int, delimiter: str) -> list[tuple[int, int]]:
    """Cells of one line as (start, end) offsets, quotes honoured and stripped, blanks trimmed.
    A markdown row's outer pipes make no empty first and last cells."""
    cells: list[tuple[int, int]] = []
    i = start
    if delimiter == "|":
        while i < end and text[i] in " \t":
            i += 1
        if i < end and text[i] == "|":
            i += 1
        stripped_end = end
        while stripped_end > i and text[stripped_end - 1] in " \t":
            stripped_end -= 1
        if stripped_end > i and text[stripped_end - 1] == "|":
            end = stripped_end - 1
    cell_start = i
    in_quotes = False
    while i <= end:
        ch = text[i] if i < end else delimiter
        if ch == '"' and (i == cell_start or in_quotes):
            in_quotes = not in_quotes
        elif ch == delimiter and not in_quotes:
            lo, hi = cell_start, i
            while lo < hi and text[lo] in " \t":
                lo += 1
            while hi > lo and text[hi - 1] in " \t\r":
                hi -= 1
            if hi - lo >= 2 and text[lo] == '"' and text[hi - 1] == '"':
                lo, hi = lo + 1, hi - 1
            cells.append((lo, hi))
            cell_start = i + 1
        i += 1
    return cells


# -- SQL: INSERT INTO t (name, dob) VALUES ('Ana Lima', '1990-04-12'), (...) -----------------


# Found from the VALUES keyword back to its column list: a scan from every "(" in a large
# body would cost its length times the list's.
_SQL_VALUES = re.compile(r"\)\s*(?:VALUES|values)\s*")
_MAX_COLUMNS = 800  # characters of a column list
# A cell: a string (SQL Server's Unicode strings too: N'...'), a number or a keyword.
_SQL_CELL = re.compile(r"\s*(?:N?'((?:[^']|'')*)'|(-?[\d.]+)|([A-Za-z_]+))\s*([,)])")


def _sql_values(text: str) -> Iterator[tuple[str, bool, int, int]]:
    for match in _SQL_VALUES.finditer(text):
        close = match.start()
        open_ = text.rfind("(", max(0, close - _MAX_COLUMNS), close)
        if open_ < 0 or ")" in text[open_ + 1 : close]:
            continue
        names = text[open_ + 1 : close].split(",")
        columns = [_class_of(c.strip().strip('`"[]')) for c in names]
        if not any(pii_class for pii_class, _ in columns):
            continue
        position = match.end()
        while position < len(text) and text[position] == "(":
            position += 1
            index = 0
            while True:
                cell = _SQL_CELL.match(text, position)
                if cell is None:
                    return
                group = next(g for g in (1, 2, 3) if cell.group(g) is not None)
                if index < len(columns) and columns[index][0] is not None:
                    pii_class, ambiguous = columns[index]
                    yield pii_class, ambiguous, cell.start(group), cell.end(group)
                index += 1
                position = cell.end()
                if cell.group(4) == ")":
                    break
            while position < len(text) and text[position] in " ,\n\t\r":
                position += 1


# -- values ------------------------------------------------------------------------------


def _valid(
    pii_class: str, ambiguous: bool, text: str, start: int, end: int
) -> tuple[int, int] | None:
    raw = text[start:end]
    value = _unescaped(raw)
    if value is None or not value.strip():
        return None
    if pii_class == ACCOUNT:
        return _trimmed(raw, start, end) if persons_login(value.strip()) else None
    if pii_class == LOGIN:
        if persons_login(value.strip()):
            return _trimmed(raw, start, end)
        pii_class = "name"
    valid = _VALIDATORS[pii_class]
    if pii_class == "name":
        # A person's key holding their login ("assignee: cnolan", "reviewer: pemba.sherpa").
        if _a_persons_login(value.strip()):
            return _trimmed(raw, start, end)
        if "+" in value:  # a form-encoded query string: "last_name=Buendia+Iguaran"
            value = _FORM_SPACE.sub(" ", value)
        # A remark after the name in a quoted value is no part of it: "Jiwoo Park
        # (jiwoo.park@naver.com)" (an unquoted value already ends at the bracket).
        remark = _REMARK.search(value)
        if remark is not None and remark.start() > 0 and value == raw:
            value = value[: remark.start()]
        span = _name_span(value, ambiguous)
        if span is None:
            if ambiguous and _a_roles_given_name(text, start, end, value.strip()):
                return _trimmed(raw, start, end)
            return None
        if value == raw[: len(value)]:
            return start + span[0], start + span[1]
        return start, end
    if not valid(value.strip()):
        return None
    lead = len(raw) - len(raw.lstrip())
    trail = len(raw) - len(raw.rstrip())
    return start + lead, end - trail


# A value no person's name is written as: an identifier ("atlas-ingest", "phoenix.rules",
# "givenName") or a type in code ("first_name: str").
_IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+|[a-z]+(?:[A-Z][a-z0-9]+)+")
_TYPE_NAMES = frozenset(
    "str string int integer bool boolean float double decimal none null nil text varchar "
    "char uuid date datetime object any list dict".split()
)
# Parts of a login that make it a test's, a bot's or a service's, not a person's.
_NOT_A_PERSONS_LOGIN_PARTS = frozenset(
    "test tests testing bot svc service admin api demo example sample dummy fixture ci root "
    "system noreply".split()
)
# ... and under a bare "name" key, parts of a service's or a package's name ("atlas-ingest",
# "phoenix.rules"); a person's login may end so ("soojin-dev").
_SERVICE_PARTS = _NOT_A_PERSONS_LOGIN_PARTS | frozenset(
    "ui core dev prod staging qa ops rules alerts metrics logs worker ingest exporter gateway "
    "web app server client frontend backend db cache queue job cron config lib sdk cli docs "
    "data platform infra monitor".split()
)
# A record's keys, at a line's start or after a bracket or a comma: '"sku": ', "vintage: ",
# "price=".
_RECORD_KEY = re.compile(
    r"(?:^|[{,(])[ \t\-]*[\"']?([^\W\d][\w\-]*(?: [\w\-]+){0,3})[\"']?[ \t]*[:=](?![:/=])",
    re.MULTILINE,
)


def _no_ones_name(
    text: str,
    span: tuple[int, int],
    pii_class: str,
    ambiguous: bool,
    column_of: dict[int, tuple[int, int]],
) -> bool:
    """Whether a value under a name's key names no one: an identifier or a type, or, under
    a bare "name" key, a thing whose record the other keys describe ("Name: Château Margaux
    / Vintage: 2015")."""
    value = text[span[0] : span[1]]
    if value.lower() in _TYPE_NAMES:
        return True
    if _IDENTIFIER.fullmatch(value) is not None:
        # A login made of a person's names is theirs ("pemba.sherpa"), unless a part says
        # a test's or a service's ("alice-test").
        parts = re.split(r"[-_.]", value.lower())
        services = _NOT_A_PERSONS_LOGIN_PARTS if pii_class == LOGIN else _SERVICE_PARTS
        if not services.isdisjoint(parts):
            return True
        return not (persons_login(value) if pii_class == LOGIN else _a_persons_login(value))
    if not ambiguous or span[0] in column_of:
        return False
    key = _key_of(text, span[0], column_of)
    if not isinstance(key, str):
        return False
    words = _key_words(key)
    return bool(words) and words[-1] in NAME_WORDS and _a_things_record(text, span[0])


def _sibling_lines(text: str, start: int, reach: int = 15) -> str:
    """The lines around the one ``start`` is on at its indentation ("- " counts as one), up
    to a blank line or a line indented less: a record's keys, not its parent's."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    lines = [text[line_start : line_end if line_end >= 0 else len(text)]]
    indent = _indent(lines[0])
    position = line_start - 1
    for _ in range(reach):  # up
        if position <= 0:
            break
        above = text.rfind("\n", 0, position) + 1
        line = text[above:position]
        if not line.strip() or _indent(line) < indent:
            break
        if _indent(line) == indent:
            lines.append(line)
        position = above - 1
    position = line_end
    for _ in range(reach):  # down
        if position < 0 or position + 1 >= len(text):
            break
        below = text.find("\n", position + 1)
        line = text[position + 1 : below if below >= 0 else len(text)]
        if not line.strip() or _indent(line) < indent:
            break
        if _indent(line) == indent:
            lines.append(line)
        position = below
    return "\n".join(lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t-"))


def _a_things_record(
    text: str, start: int, attributes: frozenset[str] = THING_ATTRIBUTE_KEYS
) -> bool:
    """Whether the record around ``start`` (its object or call's brackets, else its block
    of lines) has a key only a thing's record has (one of ``attributes``) and none of a
    person's."""
    lo = max(0, start - 600)
    opening = max(
        _enclosing_bracket(text, lo, start, "{", "}"), _enclosing_bracket(text, lo, start, "(", ")")
    )
    if opening >= 0:
        close = text.find("}" if text[opening] == "{" else ")", start)
        block = text[opening : close if close >= 0 else start + 600]
    else:
        block = _sibling_lines(text, start)
    thing = False
    for key in _RECORD_KEY.findall(block):
        words = _key_words(key)
        if not words:
            continue
        pii_class, ambiguous = field_class(key)
        if pii_class is not None and (pii_class != "name" or not ambiguous):
            return False  # "email", "dob", "surname": a person's record
        thing = thing or words[-1] in attributes
    return thing


def _a_full_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of a value shaped like a full name, two to four capitalised words, the first
    a known given name, none a place's or a firm's word, whoever else bears it or whatever
    else its words mean ("Will Danby", "Luis Hernández"; not "San Juan", "Jollibee Foods")."""
    value = text[start:end]
    bare = value.strip().strip("\"'")
    span = _name_span(bare, False)
    if span is None:
        return None
    name = bare[span[0] : span[1]]
    words = name.split()
    if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return None
    lower = [w.lower() for w in words]
    if lower[0] not in lexicon()[0] or any(w in ORG_WORDS or w in PLACE_WORDS for w in lower):
        return None
    offset = start + value.find(name)
    return offset, offset + len(name)


# The key right before a value on its line: '"name": "', "- name: ", "name=".
_LAST_KEY = re.compile(r"([^\W\d][\w .\-]{0,38}?)[\"']?[ \t]*[:=：][ \t]*[\"']?[ \t]*\Z")


def _key_of(text: str, start: int, column_of: dict[int, tuple[int, int]]) -> object:
    """What a value stands under, to tell its siblings: its table column, or its key."""
    if start in column_of:
        return column_of[start]
    line_start = text.rfind("\n", 0, start) + 1
    key = _LAST_KEY.search(text, max(line_start, start - 60), start)
    return None if key is None else key.group(1).strip().lower()


def _a_roles_given_name(text: str, start: int, end: int, value: str) -> bool:
    """Whether one word, the whole value of a person's role key, is a given name typed in
    lower case or also a frequent word ("Assignee: will", "Requester: Bill", "approver:
    hope"): a role names a person; a bare "name" key may name a product, a pet or a plan.
    A word that opens a sentence is a chat's turn ("Agent: Lovely, thanks")."""
    word = value.lower()
    if " " in value or word not in lexicon()[0] or not (value.islower() or value.istitle()):
        return False
    if word in _NOT_A_NAME or word in _TITLES or word in ORG_WORDS or word in SYSTEM_ACCOUNTS:
        return False  # "user=pi", "user=dev": a system's accounts
    sep = start
    while sep > 0 and text[sep - 1] in " \t\"'":
        sep -= 1
    if sep == 0 or text[sep - 1] not in ":=：":
        return False
    # After a colon the word ends the line, or a remark or the next key follows ("Witness:
    # Donna (HRBP)"); a log's "user=hyunwoo failed login" goes on as it likes.
    line_end = text.find("\n", end)
    rest = text[end : line_end if line_end >= 0 else len(text)].strip(" \t\r\"',;}]")
    if text[sep - 1] != "=" and rest and _AFTER_A_VALUE.match(rest) is None:
        return False
    key = _key_before(text, sep - 1)
    return (
        key is not None
        and not names_an_item(key)
        and not known_not_a_private_person(value, alone=True)
    )


_AFTER_A_VALUE = re.compile(r"[,;|]?\s*(?:[\"']?[^\W\d][\w\-]{0,30}[\"']?\s*[:=]|[(<\[])")


def _trimmed(raw: str, start: int, end: int) -> tuple[int, int]:
    """``start`` and ``end`` of ``raw`` without its white space either side."""
    return start + len(raw) - len(raw.lstrip()), end - len(raw) + len(raw.rstrip())


def _a_persons_login(value: str) -> bool:
    """A login under a person's key: made of names, and where it has two parts, the first a
    given name or an initial ("jade.kim", "j.kim"; not "reservar_mesa", a tool's name)."""
    if not value.islower() or not persons_login(value):
        return False
    parts = re.split(r"[._\-]", value.rstrip("0123456789"))
    return len(parts) == 1 or len(parts[0]) == 1 or parts[0] in lexicon()[0]


def _unescaped(raw: str) -> str | None:
    if "%" in raw and _PERCENT_ESCAPE.search(raw) is not None:
        # A URL's query string: "?name=Dagny%20Solberg&email=ines%40example.org".
        return _FORM_SPACE.sub(" ", urllib.parse.unquote(raw))
    if "\\" not in raw:
        return raw
    try:
        value = json.loads(f'"{raw}"')
    except ValueError:
        return raw
    return value if isinstance(value, str) else None


_POSTCODE_SHAPE = re.compile(r"\d{5}-\d{3}")  # Brazil's CEP: "01310-100" (Turkish "cep": mobile)


def _is_phone(value: str) -> bool:
    if not _PHONE.fullmatch(value) or _POSTCODE_SHAPE.fullmatch(value):
        return False
    digits = sum(ch.isdigit() for ch in value)
    return 6 <= digits <= 15


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.split("%")[0])
    except ValueError:
        return False
    return True


def _is_address(value: str) -> bool:
    # "<ADDRESS_1>": the gateway's own placeholder (a tokenized value) is no address.
    if "@" in value or "://" in value or "<" in value or len(value) < 5 or _is_ip(value):
        return False
    letters = sum(ch.isalpha() for ch in value)
    return letters >= 3 and (_numbered(value) or len(value.split()) >= 3)


def _numbered(value: str) -> bool:
    """A house number or a postcode: digits of any script, or kanji numerals ("六丁目")."""
    return any(ch.isdigit() or ch in _KANJI_NUMERALS for ch in value)


_KANJI_NUMERALS = frozenset("一二三四五六七八九十百千")
# A blank form's fields: "Vorname: ______", "Nom : ........", "出生日期：____年".
_BLANK = re.compile(r"_{3,}|\.{5,}|…{2,}")


_IBAN_SHAPE = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}")


def _is_iban(value: str) -> bool:
    compact = value.replace(" ", "").replace("-", "").upper()
    return _IBAN_SHAPE.fullmatch(compact) is not None and iban_ok(compact)


# Under a birth key, a year alone or with its month ("出生年月：1951年9月", "Năm sinh: 1961")
# is the part of the birth date a form asks for; and a date in the Hijri calendar
# ("1412/03/19هـ": years 1300-1499, months of up to 30 days) is one too.
_YEAR = r"(?:19\d\d|20[0-2]\d)"
_MONTH = r"(?:0?[1-9]|1[0-2])"
_BIRTH_YEAR_MONTH = re.compile(
    rf"{_YEAR}(?:\s*(?:[./\-]|年|년)\s*{_MONTH}\s*(?:月|월)?)?|{_MONTH}[./\-]{_YEAR}"
)
_HIJRI_DAY = r"(?:0?[1-9]|[12]\d|30)"
_HIJRI_DATE = re.compile(
    rf"(?:1[34]\d\d[/\-.]{_MONTH}[/\-.]{_HIJRI_DAY}|{_HIJRI_DAY}[/\-.]{_MONTH}[/\-.]1[34]\d\d)"
    r"\s*(?:هـ|ه)?"
)


def _birth_year_month_or_hijri(value: str) -> bool:
    # Any script's digits as ASCII ones ("١٤١٢/٠٣/١٩", "१९६१"), the marks between kept.
    ascii_value = value if value.isascii() else _ascii_digits_kept(value)
    return (
        _BIRTH_YEAR_MONTH.fullmatch(ascii_value) is not None
        or _HIJRI_DATE.fullmatch(ascii_value) is not None
    )


def _ascii_digits_kept(value: str) -> str:
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in value)


_VALIDATORS = {
    "date_of_birth": lambda value: (
        is_date(value)
        or in_words_date(value)
        or _numbers_date(value)
        or _birth_year_month_or_hijri(value)
    ),
    "credit_card": is_card_number,
    "ssn": is_ssn_shape,
    "phone": _is_phone,
    "email": lambda value: _EMAIL.fullmatch(value) is not None,
    "ip_address": _is_ip,
    "iban": _is_iban,
    "address": _is_address,
    "name": lambda value: _name_span(value, False) is not None,
}


def _person_words(words: list[str]) -> bool:
    """Whether the value of an ambiguous key ("name": ...) is a person's: no common word and
    no company word ("Hex Wrench Set", "Bluewater Marine"), no bare capital ("Product X"),
    each word capitalised (particles aside) or the whole in capitals or a caseless script;
    one word alone must be a known given name or surname ("Nom : DIOP")."""
    given, surnames, very_common, common = lexicon()
    lowered = [w.lower().strip(".") for w in words]
    if any(w in ORG_WORDS for w in lowered):
        return False

    def known(word: str) -> bool:  # "seo-jun": each part a name
        return (
            word in given
            or word in surnames
            or ("-" in word and all(p in given or p in surnames for p in word.split("-")))
        )

    # A common word is allowed beside more known names ("Lê Thị Mai"), not otherwise; an
    # initial ("K. Osei") is no word.
    balinese = _balinese(words)
    commons = sum(
        w in common
        and w not in NAME_PARTICLES
        and not _initial(word)
        and not (len(word) == 1 and _a_name_letter(i, words))
        and i >= balinese
        for i, (w, word) in enumerate(zip(lowered, words, strict=True))
    )
    if commons and sum(map(known, lowered)) <= commons:
        return False
    # A bare capital ("Product X") is no name's; the Irish "O" before a surname is, and so
    # is the Balinese "I" before a birth-order name ("I Made Suarjana").
    if any(
        len(w) == 1 and w.isupper() and not _a_name_letter(i, words) for i, w in enumerate(words)
    ):
        return False
    if any(len(w) > 2 and w.endswith(".") and w[:-1].isupper() for w in words):
        return False  # "RR. HH." (Recursos Humanos): an abbreviation in capitals
    cased = [w for w in words if w[0].lower() != w[0].upper() and w.lower() not in NAME_PARTICLES]
    # Typed in lower case ("name: zhou xin"), two names or more that a list knows and no
    # common word.
    if not all(w[0].isupper() for w in cased) and not (
        len(words) > 1
        and all(w.islower() for w in words)
        and all(known(w) and w not in common for w in lowered)
    ):
        return False
    if len(words) == 1:
        word = lowered[0]
        if cased:
            return (word in given or word in surnames) and word not in very_common
        # 佐藤, 김민준; one Han character alone only as a known family name ("姓": "孙").
        return 2 <= len(word) <= 12 or (len(word) == 1 and word in surnames)
    return True


def _a_name_letter(index: int, words: list[str]) -> bool:
    """A one-letter part that names carry: the Irish "O", the Balinese "I" before a
    birth-order name."""
    return _irish_o(index, words) or (index == 0 and _balinese(words) > 0)


def _balinese(words: list[str]) -> int:
    """How many words of a Balinese name's opening ("I Made", "Ni Luh Putu") ``words``
    begins with, a name after them; 0 when it is none."""
    if len(words) < 3 or words[0] not in BALINESE_PREFIXES:
        return 0
    count = 1
    while count < len(words) - 1 and words[count].lower() in BALINESE_BIRTH_ORDER:
        count += 1
    return count if count > 1 else 0


def _irish_o(index: int, words: list[str]) -> bool:
    """The Irish "O" before a surname, written apart ("PADRAIG O SUILLEABHAIN")."""
    return words[index] == "O" and index < len(words) - 1


def _initial(word: str) -> bool:
    return len(word) == 2 and word[1] == "." and word[0].isupper()


def _name_span(value: str, ambiguous: bool) -> tuple[int, int] | None:
    """The part of ``value`` that is a person's name, leading and trailing titles left out;
    None when it does not look like one. An ambiguous key's value needs two or more parts,
    each capitalised (or the whole in capitals), or a name in a script without capitals."""
    if len(value) > 80 or any(ch.isdigit() or ch in "@_#:/\\" for ch in value.replace("/", "", 1)):
        return None
    parts = [m for m in _NAME_PART.finditer(value)]
    if not parts or len(parts) > 7:
        return None
    # Everything that is not a part must be spaces, commas or the one airline slash.
    gaps = _NAME_PART.sub("", value)
    if gaps.strip(" ,/\t\u00a0·・") != "":
        return None
    while parts and parts[-1].group().lower().strip(".") in _TITLES:
        parts.pop()
    while parts and parts[0].group().lower().strip(".") in _TITLES:
        parts.pop(0)
    if not parts:
        return None
    words = [p.group() for p in parts]
    if any(w.lower() in _NOT_A_NAME for w in words):
        return None
    # Korean, Chinese and Japanese names are one or two words: more is a sentence after a
    # role's label ("팀장: 마케팅 쪽은 광복절 이벤트랑 묶는다고 했어요.").
    if len(words) > 3 and all(EAST_ASIAN_ANY.match(w) for w in words):
        return None
    if ambiguous and not _person_words(words):
        return None
    # "author: Jane Austen", "name: Tommy Hilfiger Polo", "name: Jordan": a key that only
    # sometimes names a person, holding a public figure, a brand or a place.
    name = value[parts[0].start() : parts[-1].end()]
    if ambiguous and known_not_a_private_person(name, alone=True):
        return None
    return parts[0].start(), parts[-1].end()
