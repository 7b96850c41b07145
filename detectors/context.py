"""Context words near a candidate: "born" before a date, "phone" before a digit run.

A ``ContextWords`` is compiled once at start-up from a list of words or phrases; ``near`` looks
for one of them in a small window before (or after) a span, within the same sentence, so that
"I was born in Paris. The meeting is on 2024-05-17" does not make the meeting date a birth date.

Whole words only, where a script has words: a letter or digit of a script written with spaces
(Latin, Cyrillic, Greek, ...) "glues" to a neighbouring one, so "born" is not in "stubborn".
Chinese, Japanese, Thai and the like are written without spaces, and Korean glues particles
onto nouns, so their letters never glue: "出生日期" is found in "我的出生日期是1990年", and
``GLUE`` lets other detectors draw the same edges around their numbers.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# Letters of scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, kana,
# CJK ideographs, Hangul, CJK compatibility and full-width forms).
_UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1100-\u11ff\u1780-\u17ff\u3000-\u30ff\u3130-\u318f"
    "\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f"
)
_UNSPACED_CHAR = re.compile(f"[{_UNSPACED}]")

GLUE = f"[^\\W{_UNSPACED}]"
"""A regex class: a letter, digit or ``_`` that makes one word with its neighbour.

``(?<!{GLUE})`` and ``(?!{GLUE})`` around a pattern give it word edges that also hold in text
without spaces.
"""

# A sentence ends at "!" or "?" followed by space, or at "." followed by space and a capital
# letter (Latin, Greek or Cyrillic; so "D.O.B. 1990" or "tel. 555" do not end one), at a CJK,
# Devanagari or Arabic full stop or question mark, or at a blank line.
SENTENCE_BREAK = re.compile(
    r"[!?]\s|[。！？।؟]|\.\s+(?=[A-Z\u00c0-\u00de\u0391-\u03a9\u0400-\u042f])|\n\s*\n"
)

# With ``lines``, what may follow a phrase on its line for it to reach the next one: "?",
# ": ", "をお願いします。", " please." (the rest of a question or a request).
_LINE_TAIL = 30
# A line that opens a turn of a dialogue: "Caller: ", "客：", "klient: ".
_TURN = re.compile(r"[ \t]*[^\s:：][^\n:：]{0,24}[:：]")


def _utf8_non_word_pattern() -> bytes:
    """UTF-8 of what is neither a letter, a digit nor a mark in U+0080-U+07FF (NBSP, «», ×,
    Arabic and Hebrew punctuation, ...), general punctuation (’ “” – — …), arrows, dingbats
    and emoji: the non-ASCII characters that end a word in text written with spaces."""
    by_lead: dict[int, list[int]] = {}
    for code in range(0x80, 0x800):
        ch = chr(code)
        if not (ch.isalnum() or unicodedata.category(ch).startswith("M")):
            lead, tail = ch.encode()
            by_lead.setdefault(lead, []).append(tail)
    two_bytes = [
        re.escape(bytes([lead])) + b"[" + b"".join(re.escape(bytes([t])) for t in tails) + b"]"
        for lead, tails in by_lead.items()
    ]
    return b"|".join([*two_bytes, rb"\xe2[\x80\x81\x86-\x9e][\x80-\xbf]", rb"\xf0\x9f.."])


# Words as ``occurrences`` collects them: runs of letters, digits and "_" that glue. In UTF-8
# (text without unspaced scripts), split at the ASCII characters that do not glue and at the
# non-ASCII ones ``_utf8_non_word_pattern`` lists.
_WORD = re.compile(f"{GLUE}+")
_ASCII_NON_WORD = bytes.maketrans(
    bytes(c for c in range(128) if not (chr(c).isalnum() or c == 95)), b" " * 65
)
_UTF8_PUNCTUATION = re.compile(_utf8_non_word_pattern())
# Every byte but the UTF-8 lead bytes of U+0800-U+1FFF (Thai, Lao, Myanmar, Khmer, Jamo, and
# more), U+3000-U+DFFF (kana, CJK, Hangul) and U+F000-U+FFFF (full-width forms).
_NOT_UNSPACED_LEAD = bytes(b for b in range(256) if b not in {0xE0, 0xE1, *range(0xE3, 0xEE), 0xEF})


def glues(ch: str) -> bool:
    """Whether ``ch`` makes one word with a letter or digit next to it (see ``GLUE``)."""
    if not (ch.isalnum() or ch == "_"):
        return False
    return ch < "\u0e00" or not _UNSPACED_CHAR.match(ch)


_CELL_DELIMITERS = ("\t", "|", ",", ";")


def column_header(text: str, position: int) -> str | None:
    """The header of the table column ``position`` sits in (CSV, TSV, Markdown), or None.

    A table is a block of lines split into as many cells by one delimiter; its first line is
    the header. A line with no such line above it is no row of a table.
    """
    starts, lines, tops = _tables(text)
    row = bisect.bisect_right(starts, position) - 1
    line = lines[row]
    for delimiter, top in zip(_CELL_DELIMITERS, tops, strict=True):
        if delimiter not in line:
            continue
        if top[row] == row:
            return None
        cells = lines[top[row]].split(delimiter)
        if delimiter in ",;" and not _a_header(cells):
            return None  # lines of prose with a comma each ("Agent: Credit Union, loans team.")
        index = text.count(delimiter, starts[row], position)
        return cells[index].strip().strip("\"'*` ") if index < len(cells) else None
    return None


_SENTENCE_END = ".?!。？！"


def _a_header(cells: list[str]) -> bool:
    """Whether a line split at commas reads as a table's header, not a sentence: short cells,
    none a sentence's end ("No." may head a column) or holding a label's colon."""
    for cell in cells:
        cell = cell.strip().strip("\"'")
        words = len(cell.split())
        if words > 5 or ": " in cell or (words >= 3 and cell.endswith(tuple(_SENTENCE_END))):
            return False
    return True


@lru_cache(maxsize=4)
def _tables(text: str) -> tuple[list[int], list[str], tuple[list[int], ...]]:
    """Each line's start and text, and for each delimiter the first line of the block of
    lines holding as many of it as each line does: found once per text (a scan asks for
    many cells of one table). The cache holds the texts of the last few scans, one per
    thread scanning at once, so large bodies are not kept for long."""
    lines = text.split("\n")
    starts = []
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    tops = []
    for delimiter in _CELL_DELIMITERS:
        top: list[int] = []
        previous = -1
        for row, line in enumerate(lines):
            count = line.count(delimiter)
            top.append(top[-1] if count and count == previous else row)
            previous = count
        tops.append(top)
    return starts, lines, tuple(tops)


class ContextWords:
    """Case-insensitive whole-word phrases, looked for in a window around a span.

    ``exclude``: longer words that contain a phrase without meaning it ("発生日", date of
    occurrence, holds "生日", birthday); a phrase inside one is not an occurrence.

    ``lines``: for labels in forms, records and chats, where a line is a field or a turn. A
    phrase reaches no further than its line, except that one ending its line (a question or
    a label waiting for its value: "Date of birth?", "DOB:", nothing but a few words and no
    digit after it) reaches the next line too, where the answer is.
    """

    def __init__(
        self,
        phrases: Iterable[str],
        *,
        before: int = 40,
        after: int = 25,
        exclude: Iterable[str] = (),
        lines: bool = False,
    ) -> None:
        self._phrases = tuple(sorted({p.lower() for p in phrases}, key=len, reverse=True))
        if not self._phrases:
            raise ValueError("ContextWords needs at least one phrase")
        # Phrases by their longest word: only those whose word is in a text are searched.
        self._keyed: dict[str, tuple[str, ...]] = {}
        always: list[str] = []
        for phrase in self._phrases:
            words = _WORD.findall(phrase)
            key = max(words, key=len) if words else ""
            # The key must be a whole word both ways words are collected (UTF-8 tokens keep
            # combining marks, as in "जन्म", which the regex splits at).
            if not key or key.encode() not in _utf8_words(phrase) or _UNSPACED_CHAR.search(phrase):
                always.append(phrase)
            else:
                self._keyed[key] = (*self._keyed.get(key, ()), phrase)
        self._keyed_utf8 = {k.encode(): v for k, v in self._keyed.items()}
        self._always = tuple(p for p in always if not _UNSPACED_CHAR.search(p))
        self._unspaced = tuple(p for p in always if _UNSPACED_CHAR.search(p))
        self._exclude = tuple(sorted({p.lower() for p in exclude}))
        self._reach = max(map(len, self._exclude), default=0)
        # Only a phrase sharing a letter with an excluded word can be hidden by one.
        letters = set("".join(self._exclude))
        self._excludable = frozenset(p for p in self._phrases if letters & set(p))
        self._ascii = any(p.isascii() for p in self._phrases)
        self.before = before
        self.after = after
        self.lines = lines

    @property
    def phrases(self) -> tuple[str, ...]:
        """The phrases, lowered."""
        return self._phrases

    def before_span(self, text: str, start: int) -> bool:
        found = self.occurrences(text, max(0, start - self.before), start)
        if not found:
            return False
        last_end = max(end for _, end in found)
        if self.lines and (newline := text.find("\n", last_end, start)) >= 0:
            raw_tail = text[last_end:newline]
            tail = raw_tail.strip()
            if (
                text.find("\n", newline + 1, start) >= 0
                or len(tail) > _LINE_TAIL
                or any(ch.isdigit() for ch in tail)
            ):
                return False
            # A label ("DOB:", "Date of birth"), a table's header ("name,dob,city") or a
            # question reaches the next line; anything else ("Please state your date of
            # birth.", "…is not a real SSN.") only when the next line is the other side's turn
            # ("Caller: ...").
            if not (
                tail[-1:] in ("", ":", "：")
                or any(mark in tail for mark in "?？؟")
                or (any(sep in raw_tail for sep in ",\t|;") and not any(p in tail for p in ".!"))
                or _TURN.match(text, newline + 1, start)
            ):
                return False
            last_end = newline + 1
        return SENTENCE_BREAK.search(text, last_end, start) is None

    def after_span(self, text: str, end: int) -> bool:
        found = self.occurrences(text, end, min(len(text), end + self.after))
        if not found:
            return False
        first_start = found[0][0]
        if self.lines and text.find("\n", end, first_start) >= 0:
            return False
        return SENTENCE_BREAK.search(text, end, first_start) is None

    def near(self, text: str, start: int, end: int) -> bool:
        return self.before_span(text, start) or self.after_span(text, end)

    def regions(self, text: str, margin: int) -> list[tuple[int, int]]:
        """Where a span could start to have one of the phrases near it, merged and sorted.

        A detector whose every finding needs context can search only these regions (plus
        ``margin``, the longest span it finds) instead of the whole text.
        """
        regions: list[tuple[int, int]] = []
        for start, end in self.occurrences(text):
            lo = max(0, start - self.after - margin)
            hi = end + self.before
            if regions and lo <= regions[-1][1]:
                regions[-1] = (regions[-1][0], max(hi, regions[-1][1]))
            else:
                regions.append((lo, hi))
        return regions

    def occurrences(self, text: str, lo: int = 0, hi: int | None = None) -> list[tuple[int, int]]:
        """Every whole-word occurrence of a phrase inside ``text[lo:hi]``, sorted.

        ``str.find`` on the lowered text beats one case-insensitive alternation regex by 10x
        (the regex tries every phrase at every position), but a find still reads the whole
        text: with 200 phrases in 30 languages that is 0.2 ms for 2 KB. So the text's words are
        collected first (a set, about 15 µs for 2 KB of ASCII), and only the phrases whose
        longest word is among them are searched. Phrases without such a word ("#") or in an
        unspaced script ("出生") are always searched.
        """
        hi = len(text) if hi is None else hi
        # Several detectors ask about the same whole text: its words are collected once.
        lowered, script, words = (
            _words_of(text) if lo == 0 and hi == len(text) else _collect(text[lo:hi])
        )
        candidates = self._always
        if script == _ASCII:
            if not self._ascii:
                return []
            keyed = self._keyed_utf8
        elif script == _UNSPACED:
            keyed = self._keyed
            candidates += self._unspaced
        else:
            keyed = self._keyed_utf8
        for key in keyed.keys() & words:
            candidates += keyed[key]
        found = []
        size = len(text)
        for phrase in candidates:
            i = lowered.find(phrase)
            while i >= 0:
                start, end = lo + i, lo + i + len(phrase)
                if (
                    (start == 0 or not glues(phrase[0]) or not glues(text[start - 1]))
                    and (end == size or not glues(phrase[-1]) or not glues(text[end]))
                    and (phrase not in self._excludable or not self._hidden(text, start, end))
                ):
                    found.append((start, end))
                i = lowered.find(phrase, i + 1)
        found.sort()
        return found

    def _hidden(self, text: str, start: int, end: int) -> bool:
        """Whether an excluded word overlaps ``text[start:end]``."""
        lo = max(0, start - self._reach + 1)
        around = text[lo : end + self._reach - 1].replace("İ", "i").lower()
        for word in self._exclude:
            i = around.find(word)
            while i >= 0:
                if lo + i < end and start < lo + i + len(word):
                    return True
                i = around.find(word, i + 1)
        return False


_ASCII, _UNSPACED, _SPACED = 0, 1, 2


def _collect(text: str) -> tuple[str, int, frozenset[str] | frozenset[bytes]]:
    """The lowered text, its script family and its words (bytes, or str for unspaced text)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lowers to two characters: offsets would shift
        lowered = text.replace("İ", "i").lower()
    if lowered.isascii():
        return lowered, _ASCII, frozenset(lowered.encode().translate(_ASCII_NON_WORD).split())
    if (encoded := lowered.encode()).translate(None, _NOT_UNSPACED_LEAD):
        # Maybe Thai, CJK, Hangul, ... (or Devanagari, Vietnamese: same lead bytes).
        return lowered, _UNSPACED, frozenset(_WORD.findall(lowered))
    words = _UTF8_PUNCTUATION.sub(b" ", encoded).translate(_ASCII_NON_WORD).split()
    return lowered, _SPACED, frozenset(words)


@lru_cache(maxsize=16)
def _words_of(text: str) -> tuple[str, int, frozenset[str] | frozenset[bytes]]:
    return _collect(text)


def _utf8_words(text: str) -> list[bytes]:
    return _UTF8_PUNCTUATION.sub(b" ", text.encode()).translate(_ASCII_NON_WORD).split()
