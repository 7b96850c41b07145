from __future__ import annotations

from detectors.context import ContextWords

BIRTH = ContextWords(["born", "date of birth", "d.o.b."], before=30, after=15)


def test_before_and_after() -> None:
    text = "She was born on 1990-05-17."
    start = text.index("1990")
    assert BIRTH.before_span(text, start)
    text = "1990-05-17 (date of birth)"
    assert BIRTH.after_span(text, 10)


def test_whole_words_only() -> None:
    text = "stubborn 1990-05-17"
    assert not BIRTH.before_span(text, text.index("1990"))


def test_phrase_ending_in_a_dot() -> None:
    text = "D.O.B. 1990-05-17"
    assert BIRTH.before_span(text, text.index("1990"))


def test_context_does_not_cross_a_sentence() -> None:
    text = "I was born in Paris. The meeting is on 2024-05-17."
    assert not BIRTH.before_span(text, text.index("2024"))


def test_occurrences_match_regex_even_when_lowering_shifts_offsets() -> None:
    # "İ" lowers to two characters: the str.find path would shift offsets.
    text = "İİ born x, date of birth y"
    assert BIRTH.occurrences(text) == [(3, 7), (11, 24)]
    assert BIRTH.occurrences("BORN and Date Of Birth") == [(0, 4), (9, 22)]


def test_regions_cover_where_a_value_could_be() -> None:
    text = "x" * 100 + " born " + "y" * 100
    ((lo, hi),) = BIRTH.regions(text, margin=10)
    assert lo <= 101 - 15 - 10 and hi >= 105 + 30


def test_punctuation_phrases_may_touch_words() -> None:
    ids = ContextWords(["#", "no."], before=10, after=0)
    assert ids.before_span("Ticket #0123456789", 8)
    assert ids.occurrences("Ticket #0123, no.5") == [(7, 8), (14, 17)]
