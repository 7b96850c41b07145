"""The learned second opinion on name candidates: its features, its training, and the kinds
of input it decides (each kind written fresh here, not taken from an evaluation set)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from detectors.engine import resolve_overlaps
from detectors.name_lexicon import NameLexiconDetector, name_words
from detectors.name_scorer import TITLED_SOURCE, WEIGHTS, NameScorer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from train_name_scorer import train, valley  # noqa: E402

DETECTOR = NameLexiconDetector()


def names(text: str) -> list[str]:
    return [text[f.start : f.end] for f in resolve_overlaps(DETECTOR.detect(text))]


def test_the_model_ships_with_the_package() -> None:
    assert WEIGHTS.exists()
    assert DETECTOR._scorer is not None


def test_without_a_model_the_rules_stand_alone() -> None:
    rules_only = NameLexiconDetector()
    rules_only._scorer = None
    text = "Hi Giulia, the invoice is attached."
    assert [text[f.start : f.end] for f in rules_only.detect(text)] == ["Giulia"]


def test_features_say_which_rule_and_what_surrounds_the_candidate() -> None:
    scorer = NameScorer(name_words(), {}, 0.5, 0.5)
    text = "Hi Giulia, the invoice is attached."
    features = scorer.features(text, 3, 9, "greet70", 0, False)
    assert "src=greet70" in features
    assert "pw=hi" in features
    assert "nc=," in features
    assert "case=C" in features
    assert any(f.startswith("tf=") and "G" in f for f in features)


def test_features_say_a_word_stands_in_lower_case_and_the_text_names_the_famous() -> None:
    scorer = NameScorer(name_words(), {}, 0.5, 0.5)
    text = "Pappa: ska hon vara tärna?\nMamma: Hon ville vara Pippi"
    start = text.index("Hon")
    assert "lowered" in scorer.features(text, start, start + 3, "run70", 0, False)
    plain = "Mamma: Hon ville vara Pippi"
    assert "lowered" not in scorer.features(plain, 7, 10, "run70", 0, False)
    fandom = "Mum: Sam is the real hero\nDad: is Boromir played by Sean Bean?"
    assert "famous" in scorer.features(fandom, 5, 8, "ner85", 0, False)
    assert "famous" not in scorer.features("Mum: ask Sam about it", 9, 12, "ner85", 0, False)


def test_a_famous_street_does_not_make_a_text_about_the_famous() -> None:
    from detectors.not_persons import names_the_famous

    assert names_the_famous("Dad: is Boromir played by Sean Bean?")
    assert not names_the_famous("Your parcel for 12 Baker Street, London was returned.")


def test_a_rules_name_before_an_east_asian_honorific_is_kept_whatever_the_model_says() -> None:
    from detectors.name_scorer import kept_unjudged

    text = "患者の佐藤太郎さんは"
    start = text.index("佐藤")
    features = NameScorer(name_words(), {}, 0.5, 0.5).features(
        text, start, start + 4, "east75", 0, False
    )
    assert "honorific" in features
    assert kept_unjudged("east75", features, True, 4)
    # One character may end a word ("各位老师": everyone), and the wider net is judged.
    assert not kept_unjudged("east75", features, True, 1)
    assert not kept_unjudged("wcl", features, False, 4)


def test_candidates_hold_the_rules_findings_and_the_wider_net() -> None:
    text = "Sigrid er syk i dag. Hi Giulia, thanks."
    candidates, described = DETECTOR.described(text)
    found = {text[f.start : f.end]: by_rule for _, f, by_rule in candidates}
    assert found["Giulia"] is True
    assert found["Sigrid"] is False
    assert len(described) == len(candidates)


def test_training_is_deterministic_and_learns_the_signal() -> None:
    rows = [(["src=a", "tf=G"], 1)] * 20 + [(["src=a", "tf=C"], 0)] * 20 + [(["src=b"], 0)] * 5
    first, second = train(rows), train(rows)
    assert first == second
    scorer = NameScorer(name_words(), first, 0.5, 0.5)
    assert scorer.probability(["src=a", "tf=G"]) > 0.8
    assert scorer.probability(["src=a", "tf=C"]) < 0.2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Kept: the rules' names where the text reads as people.
        ("John Smith called about his invoice.", ["John Smith"]),
        ("thanks priya, and tell wei the report is late", ["priya", "wei"]),
        # Added: a given name at a sentence's start, in a text that names a person.
        ("Anna Kowalska called. Agnieszka will call back.", ["Anna Kowalska", "Agnieszka"]),
        # Dropped: two known names that are a placeholder, a publisher and a dish.
        ("Lorem Ipsum placeholder text.", []),
        ("The Harper Collins catalogue arrived.", []),
        ("We ordered Pad Thai and Tom Yum.", []),
    ],
)
def test_kinds_the_scorer_decides(text: str, expected: list[str]) -> None:
    assert names(text) == expected
    # ... where the rules alone decided otherwise, or found the same.
    rules = NameLexiconDetector()
    rules._scorer = None
    alone = [text[f.start : f.end] for f in resolve_overlaps(rules.detect(text))]
    assert alone != expected or text.startswith(("John", "thanks"))


def test_the_wider_net_takes_words_not_pieces_of_identifiers() -> None:
    # Hex ids and paths hold letters that spell names ("dana", "abe"): never a person.
    rng = random.Random(14)
    ids = [f"trace-{rng.getrandbits(128):032x}" for _ in range(300)]
    ids += ["deploy/eva.json", "org.maria.config", "run_amanda_v2", "--lena=3", "x@sara"]
    assert [i for i in ids if names(i)] == []


def test_a_titled_name_is_kept_whatever_the_model_says() -> None:
    text = "Bitte an Herrn Müller weiterleiten."
    candidates, _ = DETECTOR.described(text)
    titled = [c for c in candidates if c[2]]
    assert [(text[f.start : f.end], source) for source, f, _ in titled] == [
        ("Müller", TITLED_SOURCE)
    ]
    doubter = NameScorer(name_words(), {"bias": -10.0}, 0.5, 0.5)
    assert [f for f, _ in doubter.judge(titled, [[]])] == [titled[0][1]]
    # Only the lexicon's titled names: NER's names at the same score are judged.
    assert doubter.judge([("ner80", titled[0][1], True)], [[]]) == []


def test_thresholds_are_chosen_in_the_middle_of_the_valley() -> None:
    # A lone dip at (0, 0) beside high costs loses to a point whose neighbours are low too.
    costs = {(i, j): 0.30 for i in range(4) for j in range(4)}
    costs[0, 0] = 0.10
    for key in [(2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (3, 3), (1, 2)]:
        costs[key] = 0.12
    best, cost = valley(costs, list(costs))
    assert best == (3, 2)
    assert abs(cost - 0.12) < 1e-9
    # Only allowed points are chosen.
    assert valley(costs, [(0, 0)])[0] == (0, 0)
