"""NER: loads without the network, finds names and addresses, fails closed, logs nothing."""

from __future__ import annotations

import logging
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from bench.pii_metrics import CORPUS, load_corpus
from core.errors import ConfigError
from detectors.base import NER_CLASSES, DetectorError
from detectors.engine import DetectionEngine
from detectors.ner import NerDetector, PresidioDetector, build_analyzer, candidate_windows

TEXT = (
    "Summarize the thread for the team. Dear Aarav Mehta,\nyour parcel for 12 Baker Street, "
    "London NW1 6XE was returned. Please ask Marlies Warmer-Ehlert whether it can go to "
    "Mudeweg 104, 60865 Rosenheim instead."
)


def found(detector: Any, text: str) -> set[tuple[str, str]]:
    return {(f.pii_class, text[f.start : f.end]) for f in detector.detect(text)}


def test_loaded_with_the_network_blocked(analyzer: Any) -> None:
    # The session fixture loaded the model while every socket connect raised.
    names = sorted(type(r).__name__ for r in analyzer.registry.recognizers)
    # No email or URL recognizer: tldextract (public suffix list) is never used.
    assert names == ["PatternRecognizer", "SpacyRecognizer"]


def test_detection_does_not_touch_the_network(ner_detector: NerDetector) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", lambda *a: pytest.fail("network used"))
        ner_detector.detect("Mail https://example.co.uk or jane@example.com, Anna Berg.")


def test_missing_model_is_a_config_error_not_a_download(no_network: None) -> None:
    with pytest.raises(ConfigError, match="not installed"):
        build_analyzer("en_core_web_no_such_model")


def test_names_and_addresses(ner_detector: NerDetector) -> None:
    result = found(ner_detector, TEXT)
    assert ("name", "Aarav Mehta") in result
    assert ("name", "Marlies Warmer-Ehlert") in result
    assert ("address", "12 Baker Street, London NW1 6XE") in result
    assert ("address", "Mudeweg 104, 60865 Rosenheim") in result


def test_classes_limit_the_output(analyzer: Any) -> None:
    names_only = NerDetector(analyzer, classes=["name"])
    assert {c for c, _ in found(names_only, TEXT)} == {"name"}
    with pytest.raises(ConfigError):
        NerDetector(analyzer, classes=["email"])


def test_windows_skip_sentence_starts_and_common_words() -> None:
    text = "Summarize this. Translate that. Ask Anna Berg why."
    windows = candidate_windows(text, reach=1)
    # "Ask" starts a sentence but is followed by a candidate: it counts (one word of reach).
    assert [text[a:b] for a, b in windows] == ["that. Ask Anna Berg why."]
    assert candidate_windows("please keep it short. thanks!") == []


def test_presidio_reference_agrees_on_an_easy_text(analyzer: Any) -> None:
    result = found(PresidioDetector(analyzer), TEXT)
    assert ("name", "Aarav Mehta") in result
    assert ("address", "12 Baker Street, London NW1 6XE") in result


def test_model_failure_fails_closed(analyzer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    detector = NerDetector(analyzer)

    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Aarav Mehta")

    monkeypatch.setattr(detector, "_ner", type("Broken", (), {"pipe": explode})())
    engine = DetectionEngine(slow_detectors=[detector])
    with pytest.raises(DetectorError) as info:
        engine.scan(TEXT, NER_CLASSES)
    assert "Aarav" not in str(info.value)


def test_thread_safe_and_silent(
    ner_detector: NerDetector, caplog: pytest.LogCaptureFixture
) -> None:
    expected = ner_detector.detect(TEXT)
    with caplog.at_level(logging.DEBUG), ThreadPoolExecutor(4) as pool:
        results = list(pool.map(ner_detector.detect, [TEXT] * 16))
    assert all(r == expected for r in results)
    assert "Aarav" not in caplog.text and "Baker" not in caplog.text


def test_numpy_products_on_one_thread_find_what_blis_finds(ner_detector: NerDetector) -> None:
    """The default runs the model's products on numpy's OpenBLAS, which it limits to one thread
    for the process; BLIS (on a model of its own) must find the very same spans."""
    from threadpoolctl import threadpool_info

    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert blas and all(lib["num_threads"] == 1 for lib in blas), blas
    blis = NerDetector(build_analyzer(), numpy_matmul=False)
    texts = [example.text for example in load_corpus(CORPUS)[:300]]
    assert [found(ner_detector, t) for t in texts] == [found(blis, t) for t in texts]


def test_a_person_a_street_is_named_after_is_the_address(ner_detector: Any) -> None:
    text = (
        "Send the invoice to:\nAndré Aubry\n77, boulevard Maurice Petitjean\n"
        "50289 Perret-sur-Texier"
    )
    findings = ner_detector.detect(text)
    street = text.index("77,")
    inside = [f for f in findings if f.pii_class == "name" and f.start >= street]
    assert inside == [], [text[f.start : f.end] for f in inside]


def test_a_quoted_name_is_found_without_its_quotes(ner_detector: Any) -> None:
    # The model reads "'Akira Kurosawa'" in SQL as "Akira Kurosawa'": with the quote the
    # public-figure lists missed it and it reached the scorer as a private name.
    text = "SELECT title FROM films WHERE director = 'Akira Kurosawa' AND year > 1950;"
    assert ner_detector._found(text) == []
    text = "SELECT * FROM tickets WHERE owner = 'Megan Hartley' AND status = 'open';"
    assert [text[f.start : f.end] for f in ner_detector._found(text)] == ["Megan Hartley"]


def test_a_famous_name_private_people_bear_too_is_left_to_the_scorer(ner_detector: Any) -> None:
    # "Cillian Murphy" is an actor's name and many people's: the model's PERSON alone does
    # not decide; the name lexicon's scorer reads the words around it.
    text = "Speaker 1: Did anyone watch the Oscars?\nSpeaker 2: Cillian Murphy deserved it."
    assert [text[f.start : f.end] for f in ner_detector._found(text)] == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # A plain full name in a short request, with nothing else about the person: the
        # scorer's keep threshold must not trade these away for harder prompts' precision.
        ("Please forward this to David Jarvis.", "David Jarvis"),
        ("Can you summarize the feedback from Sarah Olson?", "Sarah Olson"),
        ("The contract was signed by Morgan Tran last week.", "Morgan Tran"),
        ("Meeting notes: Elaine Rees and Helen Johnson discussed the budget.", "Helen Johnson"),
    ],
)
def test_a_plain_full_name_in_a_short_request(
    ner_detector: NerDetector, text: str, name: str
) -> None:
    assert ("name", name) in found(ner_detector, text)
