"""Quality on the committed corpus (tests/data/pii_corpus.jsonl): the targets, as tests.

Fast detectors: recall >= 0.98 and precision >= 0.95 (date_of_birth: recall >= 0.90), on the
whole corpus. NER (name, address): recall on a fixed sample, as a regression guard; the full
figures come from bench/pii_eval.py.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from bench.pii_corpus import Generator
from bench.pii_metrics import CORPUS, load_corpus, score
from detectors.base import NER_CLASSES
from detectors.engine import DetectionEngine
from detectors.registry import FAST_KINDS, fast_engine

EXAMPLES = load_corpus()
STRICT = ("email", "phone", "ssn", "credit_card", "ip_address", "iban")


def test_fast_detectors_meet_the_targets() -> None:
    engine = fast_engine()
    classes = frozenset(FAST_KINDS)
    scores = score(EXAMPLES, lambda text: engine.scan(text, classes), classes)
    for name in STRICT:
        assert scores[name].recall >= 0.98, (name, scores[name].recall)
        assert scores[name].precision >= 0.95, (name, scores[name].precision)
    assert scores["date_of_birth"].recall >= 0.90
    assert scores["date_of_birth"].precision >= 0.95


def test_ner_recall_on_a_sample(ner_detector: Any) -> None:
    # As served: the fast detectors (labelled fields, the name lexicon) with NER.
    engine = DetectionEngine(fast_engine().fast, slow_detectors=[ner_detector])
    sample = [e for e in EXAMPLES if any(s.pii_class in NER_CLASSES for s in e.spans)][::3]
    scores = score(sample, lambda text: engine.scan(text, NER_CLASSES), NER_CLASSES)
    assert scores["name"].recall >= 0.88, scores["name"].recall
    assert scores["address"].recall >= 0.95, scores["address"].recall


@pytest.mark.parametrize("count", [300])
def test_committed_corpus_is_what_the_generator_writes(count: int) -> None:
    # Guards against an unpinned Faker (or an edited generator) changing the corpus silently.
    with CORPUS.open(encoding="utf-8") as handle:
        committed = [json.loads(line) for line in itertools.islice(handle, count)]
    generated = list(itertools.islice(Generator().examples(), count))
    assert generated == committed


def test_corpus_is_labelled_consistently() -> None:
    kinds = {e.kind for e in EXAMPLES}
    assert kinds == {"positive", "hard_negative"}
    for example in EXAMPLES:
        assert (example.kind == "positive") == bool(example.spans)
        for span in example.spans:
            assert 0 <= span.start < span.end <= len(example.text)
            value = example.text[span.start : span.end]
            assert value.strip() == value
