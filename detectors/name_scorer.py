"""A learned second opinion on the name lexicon's candidates.

The lexicon's rules propose names ("Hi Giulia", a pair of known names, a lone given name in a
text that names a person) and a wider net of words a name list holds but no rule took ("Sigrid
er syk i dag", "Will" at a sentence's start). Each candidate is described by a few dozen
features (which rule, the words' name-list tiers, capitals, the words and punctuation around
it, the kind of text) and a logistic model trained on the development set
(``tools/train_name_scorer.py``, never on the held-out set) says how likely it is a person.
A rule's candidate is dropped below ``keep``; a wider-net candidate is added above ``add``.

Features are plain strings looked up in one dict: a candidate costs microseconds.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from pathlib import Path

from detectors.base import Finding
from detectors.names import CJK_HONORIFICS
from detectors.not_persons import famous_namesake, names_the_famous, thing_word

# (source: the rule or net that proposed it, the finding, whether a rule found it)
Candidate = tuple[str, Finding, bool]

# A name after a title ("Herrn Müller", "Sra. Ortega") is kept whatever the model says: the
# title is the evidence a model of the words around it can only weaken. The name lexicon
# tags such names so (a run's name at its title score).
TITLED_SOURCE = "run80"
HONORED_SOURCE = "east80"  # a katakana or hangul name before an honorific ("ハイさん", "민수 씨")
SPELLED_SOURCE = "spelled70"  # a name spelled letter by letter, and the word it spells
INVERTED_SOURCE = "inv75"  # "SURNAME, GIVEN" as a field's value: both names known
# A rule's name right before a verb only people do ("John Smith called about his invoice",
# "Maria llamó ayer") is kept whatever the model says, as a titled one is.
PERSON_VERBS = frozenset(
    "called|emailed|e-mailed|phoned|texted|messaged|rang|llamó|ligou|telefonou|telefonò|chiamò|"
    "appelle|rief|anrief|belde|ringde|ringte|dzwonił|dzwoniła|aradı|звонил|звонила|позвонил|"
    "позвонила".split("|")
)
_PERSON_VERB_FEATURES = frozenset(f"nw={verb}" for verb in PERSON_VERBS)
HONORIFIC_FEATURE = "honorific"  # a CJK honorific right after the candidate


def kept_unjudged(source: str, features: Sequence[str], by_rule: bool, length: int) -> bool:
    """A rule's name the model may not drop: after a title, spelled out, written surname
    first in a field ("DOYLE, CIARAN"), before a verb of people, or of two characters or
    more before an honorific (in Chinese, Japanese and
    Korean: "佐藤太郎さん", as after a title; one character may be a word's last,
    "各位老师"). ``length``: the candidate's, in characters."""
    if source in (TITLED_SOURCE, HONORED_SOURCE, SPELLED_SOURCE, INVERTED_SOURCE):
        return True
    if not by_rule:
        return False
    if length >= 2 and HONORIFIC_FEATURE in features:
        return True
    return not _PERSON_VERB_FEATURES.isdisjoint(features)


WEIGHTS = Path(__file__).resolve().parent / "data" / "name_scorer.json.gz"

# A word: letters of any script, with the combining marks Indic, Thai, Arabic and Hebrew
# words carry (they are no "word characters" to ``re``: "दीपक" is one word, not "द" and
# "पक"), and inner apostrophes and hyphens ("O'Neil", "Ji-woo"). The name lexicon's too.
# Runs of each kind, matched possessively: the same words as one character at a time, with
# less work per character (the scan's tokeniser, on every text).
LETTERS = (
    r"(?:[^\W\d_]++|[\u0300-\u036f\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670"
    r"\u0900-\u0963\u0966-\u0dff\u0e00-\u0e7f\u1ab0-\u1aff\u1dc0-\u1dff]++)++"
)
WORD = re.compile(rf"{LETTERS}(?:['\u2019\-]{LETTERS})*+")
_CODE_LINE = re.compile(r"[=\{\}<>/_|\\]|--|\":")
# A message typed in lower case: no more than one word in twenty capitalised.
LOWER_CASE_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class NameWords:
    """The name lexicon's word sets a candidate's features are read from (all lower case)."""

    given: frozenset[str]
    surnames: frozenset[str]
    very_common: frozenset[str]  # names that are also very common words (tier V)
    common: frozenset[str]  # common words of 42 languages (tier C)
    word_names: frozenset[str]  # names among some language's most frequent words (W)
    agreed: frozenset[str]  # given names both name sources hold (B)
    alone_ambiguous: frozenset[str]  # places, frequent English words (A)
    loose: frozenset[str]  # frequent somewhere, no evidence either way (D)
    titles: frozenset[str]
    cues: frozenset[str]


def _case(word: str) -> str:
    if word.lower() == word.upper():
        return "x"  # a script without case
    if word.isupper():
        return "A" if len(word) > 1 else "I"
    if word[0].isupper():
        return "C"
    return "a"


def _char_class(char: str) -> str:
    if not char:
        return "^"
    if char == "\n":
        return "nl"
    if char.isalpha():
        return "L"
    if char.isdigit():
        return "D"
    return char


class NameScorer:
    """Logistic scores for name candidates; ``features`` is also what training reads."""

    def __init__(
        self, words: NameWords | None, weights: dict[str, float], keep: float, add: float
    ) -> None:
        # fmt: off
        self._tiers = () if words is None else (
            ("G", words.given), ("S", words.surnames), ("V", words.very_common),
            ("C", words.common), ("W", words.word_names), ("B", words.agreed),
            ("A", words.alone_ambiguous), ("D", words.loose), ("T", words.titles),
            ("Q", words.cues),
        )
        # fmt: on
        self._weights = weights
        self.keep = keep
        self.add = add

    def judge(
        self, candidates: list[Candidate], described: list[list[str]]
    ) -> list[tuple[Finding, bool]]:
        """The candidates the model believes, each with whether a rule found it: a rule's
        above ``keep``, the wider net's above ``add``."""
        return [
            (finding, by_rule)
            for (source, finding, by_rule), features in zip(candidates, described, strict=True)
            if kept_unjudged(source, features, by_rule, finding.end - finding.start)
            or self.probability(features) >= (self.keep if by_rule else self.add)
        ]

    def described(
        self,
        text: str,
        candidates: list[Candidate],
        lower_text: bool,
        context: Sequence[str] = (),
    ) -> list[list[str]]:
        """Each candidate's features, as ``judge`` reads them (and training does).
        ``lower_text``: whether the message is typed in lower case; ``context``: what else
        the message holds (``text_context``), for every candidate."""
        others = sum(1 for _, _, by_rule in candidates if by_rule)
        described = [
            self.features(text, f.start, f.end, source, others - by_rule, lower_text)
            for source, f, by_rule in candidates
        ]
        for (source, _, _), features in zip(candidates, described, strict=True):
            features.extend(f"ctx={flag}" for flag in context)
            features.extend(f"src={source}|ctx={flag}" for flag in context)
        return described

    def probability(self, features: Iterable[str]) -> float:
        weights = self._weights
        z = weights.get("bias", 0.0) + sum(map(weights.get, features, repeat(0.0)))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def tiers(self, word: str) -> str:
        """The name-list tiers a word is in, as letters ("GS": a given name and a surname)."""
        lower = word.lower().rstrip(".")
        if lower.endswith(("'s", "\u2019s")):
            lower = lower[:-2]
        return "".join(flag for flag, words in self._tiers if lower in words) or "-"

    def features(
        self, text: str, start: int, end: int, source: str, others: int, lower_text: bool
    ) -> list[str]:
        """What a candidate ``text[start:end]`` found by ``source`` looks like.

        ``others``: how many other candidates the text holds (a text that names people);
        ``lower_text``: whether the message is typed in lower case."""
        span = text[start:end]
        words = WORD.findall(span) or [span]
        first, last = words[0], words[-1]
        cases = "".join(_case(x) for x in words[:4])
        tier_first = self.tiers(first)
        tier_last = self.tiers(last) if len(words) > 1 else "="
        # The line around the candidate, at most 80 characters either side (JSON and logs
        # put kilobytes on one line).
        line_start = text.rfind("\n", max(0, start - 80), start) + 1 or max(0, start - 80)
        line_end = text.find("\n", end, end + 80)
        line = text[line_start : line_end if line_end >= 0 else end + 80]
        before = text[line_start:start]
        before_stripped = before.rstrip()
        prev_char = _char_class(before_stripped[-1:]) if before_stripped else "^"
        after = text[end : end + 12]
        next_char = _char_class(after.lstrip(" \t")[:1]) if after.strip(" \t") else "$"
        prev_words = WORD.findall(before[-30:])
        next_words = WORD.findall(after)
        prev_word = prev_words[-1].lower() if prev_words and before.endswith(" ") else "^"
        prev_case = _case(prev_words[-1]) if prev_words else "^"
        next_word = next_words[0].lower() if next_words and after[:1] == " " else "$"
        next_case = _case(next_words[0]) if next_words else "$"
        count = min(len(words), 4)
        others_bucket = str(min(others, 3))
        src = f"src={source}"
        features = [
            src,
            f"n={count}",
            f"case={cases}",
            f"tf={tier_first}",
            f"tl={tier_last}",
            f"pc={prev_char}",
            f"nc={next_char}",
            f"pw={prev_word}",
            f"nw={next_word}",
            f"pcase={prev_case}",
            f"ncase={next_case}",
            f"others={others_bucket}",
            f"len={min(len(span) // 4, 6)}",
            f"{src}|case={cases}",
            f"{src}|tf={tier_first}",
            f"{src}|pc={prev_char}",
            f"{src}|nc={next_char}",
            f"{src}|others={others_bucket}",
            f"{src}|n={count}",
            f"case={cases}|tf={tier_first}",
            f"tf={tier_first}|tl={tier_last}",
            f"pc={prev_char}|nc={next_char}",
            f"{src}|pw={prev_word}",
            f"{src}|nw={next_word}",
            f"pcase={prev_case}|case={cases}|ncase={next_case}",
        ]
        if lower_text:
            features.append("lowertext")
            features.append(f"{src}|lowertext")
        if not before.strip() and (line_start == 0 or text[line_start - 1] == "\n"):
            features.append("linestart")
            features.append(f"{src}|linestart")
        if _CODE_LINE.search(line) is not None:
            features.append("codeline")
            features.append(f"{src}|codeline")
        if prev_words:
            features.append(f"ptier={self.tiers(prev_words[-1])}")
        if next_words:
            features.append(f"ntier={self.tiers(next_words[0])}")
        if text.count(first) > 1:
            features.append("repeated")
        if names_the_famous(text):  # "Mum: Sam is the real hero ... Sean Bean?": a fandom's
            features.append("famous")
            features.append(f"{src}|famous")
            features.append(f"n={count}|famous")
        if len(words) == 1 and first[:1].isupper() and _as_a_word_elsewhere(text, first.lower()):
            features.append("lowered")  # "Hon ville ..." and "Ska hon vara": a word here
            features.append(f"{src}|lowered")
        if len(words) > 1 and famous_namesake(span):
            features.append("namesake")
            features.append(f"namesake|pw={prev_word}")
            features.append(f"namesake|nw={next_word}")
        elif len(words) == 1 and thing_word(first.lower()):  # "Zara", "Siri", "Tintin"
            features.append("thing")
            features.append(f"{src}|thing")
            features.append(f"thing|pw={prev_word}")
            features.append(f"thing|nw={next_word}")
        if len(prev_words) >= 2 and before.endswith(" "):
            features.append(f"pw2={prev_words[-2].lower()} {prev_word}")
        for word in words[1:-1]:
            features.append(f"tm={self.tiers(word)}")
        # Each tier alone too: "SW" and "S" share what a surname says.
        features.extend(f"tf1={flag}" for flag in tier_first if flag != "-")
        features.extend(f"tl1={flag}" for flag in tier_last if flag not in "-=")
        # ... and with the rule: a very common word is weak alone ("Will"), not as the first
        # of a pair the rules found ("John Smith").
        features.extend(f"{src}|tf1={flag}" for flag in tier_first if flag != "-")
        features.extend(f"{src}|tl1={flag}" for flag in tier_last if flag not in "-=")
        # Chinese, Japanese and Korean write no space after a name, so "nw=" says nothing
        # there: an honorific right after it ("さん", "様", "씨", "先生") is the word that does.
        if text.startswith(CJK_HONORIFICS, end + (text[end : end + 1] == " ")):
            features.append(HONORIFIC_FEATURE)
            features.append(f"{src}|honorific")
        return features


def _as_a_word_elsewhere(text: str, lower: str) -> bool:
    """Whether ``lower`` stands in ``text`` as a whole word in lower case."""
    at = text.find(lower)
    while at >= 0:
        end = at + len(lower)
        if not (at and text[at - 1].isalnum()) and not (end < len(text) and text[end].isalnum()):
            return True
        at = text.find(lower, at + 1)
    return False


# Six characters or more of digits and the marks numbers are written with ("2024-05-03",
# "+44 20 7946 0018", "4111 1111"): an order, a phone, a date, a card.
_LONG_NUMBER = re.compile(r"\d[\d \-./]{4,}\d")


def text_context(text: str, earlier: Iterable[Finding]) -> tuple[str, ...]:
    """What else a message holds, as the name scorer reads it: values of other classes
    the fast detectors found ("vals"), a name in a field ("field"), a long number.
    A prompt that names a person tends to carry more about them; one about a topic seldom
    does."""
    classes = {f.pii_class for f in earlier}
    flags = []
    if classes - {"name"}:
        flags.append("vals")
    if "name" in classes:
        flags.append("field")
    if _LONG_NUMBER.search(text) is not None:
        flags.append("digits")
    return tuple(flags) or ("none",)


def typed_in_lower_case(text: str) -> bool:
    words = WORD.findall(text)
    capitalised = sum(1 for word in words if word[0].isupper())
    return capitalised <= len(words) * LOWER_CASE_SHARE


@cache
def default_scorer(words: NameWords) -> NameScorer | None:
    """The shipped model, or None when none has been trained (the rules then stand alone)."""
    if not WEIGHTS.exists():
        return None
    with gzip.open(WEIGHTS, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    return NameScorer(words, data["weights"], data["keep"], data["add"])
