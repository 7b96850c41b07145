from __future__ import annotations

from detectors.context import ContextWords, column_header

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


def test_unspaced_scripts_need_no_word_edges() -> None:
    # Chinese, Japanese and Thai are written without spaces, Korean glues particles on: a phrase
    # in those scripts is found inside a run of letters, and a Latin phrase may touch them.
    words = ContextWords(["出生日期", "생년월일", "วันเกิด", "dob"], before=20, after=10)
    assert words.occurrences("我的出生日期是1990年") == [(2, 6)]
    assert words.occurrences("생년월일은 1990년") == [(0, 4)]
    assert words.occurrences("วันเกิด12") == [(0, 7)]
    assert words.occurrences("患者dob：") == [(2, 5)]
    assert words.occurrences("adob dobs") == []


def test_a_cjk_full_stop_ends_a_sentence() -> None:
    words = ContextWords(["出生"], before=30, after=10)
    text = "他在北京出生。会议在2024年5月17日。"
    assert not words.before_span(text, text.index("2024"))
    text = "他出生于1990年5月17日"
    assert words.before_span(text, text.index("1990"))


def test_a_sentence_may_start_with_a_cyrillic_or_greek_capital() -> None:
    words = ContextWords(["родился"], before=40, after=10)
    text = "Я родился в Москве. Встреча 12.04.2024"
    assert not words.before_span(text, text.index("12.04"))


def test_many_phrases_found_exactly_as_one_search_each_would() -> None:
    phrases = [
        "born", "birth", "date of birth", "birthday", "geb.", "geboren", "geburtsdatum",
        "b.", "d.o.b.", "dob", "né", "née", "fecha de nacimiento", "nacido", "f. nac.",
        "data urodzenia", "urodzony", "дата рождения", "рождения", "生年月日", "出生", "生日",
    ]  # fmt: skip
    words = ContextWords(phrases, before=40, after=20)
    text = (
        "Born 1990; stubborn; birthday, Date of Birth: x; geb. 3.5.; Geboren am; Nacido el; "
        "F. nac. 1; née; n\u00e9 le; data urodzenia; ДАТА РОЖДЕНИЯ; 生年月日；出生日期；b. 1990 "
        "sub. x dob.2 unborn"
    )
    lowered = text.lower()
    expected = set()
    for phrase in phrases:
        i = lowered.find(phrase)
        while i >= 0:
            j = i + len(phrase)
            left_ok = i == 0 or not (phrase[0].isalnum() and text[i - 1].isalnum())
            right_ok = j == len(text) or not (phrase[-1].isalnum() and text[j].isalnum())
            if (left_ok and right_ok) or "\u4e00" <= phrase[0] <= "\u9fff":
                expected.add((i, j))
            i = lowered.find(phrase, i + 1)
    assert set(words.occurrences(text)) == expected
    assert words.occurrences(text) == sorted(expected)
    # A window sees only phrases wholly inside it.
    lo = text.index("birthday")
    assert words.occurrences(text, lo, lo + 6) == []
    assert words.occurrences(text, lo, lo + 8) == [(lo, lo + 8)]


def test_excluded_phrases_hide_the_phrases_inside_them() -> None:
    # "発生日" is "date of occurrence"; the "生日" (birthday) in it is no birth word.
    words = ContextWords(["生日", "born"], before=20, after=10, exclude=["発生", "发生"])
    assert words.occurrences("発生日 2025年3月12日") == []
    assert words.occurrences("我的生日") == [(2, 4)]
    text = "发生日期 2025年3月12日"
    assert not words.before_span(text, text.index("2025"))


LABELS = ContextWords(["date of birth", "dob", "geboortedatum"], before=45, after=25, lines=True)


def test_lines_a_label_with_its_value_does_not_reach_the_next_line() -> None:
    text = "DOB: 03MAR1993\nFlight: JL 43 2025-08-01"
    assert LABELS.before_span(text, text.index("03MAR"))
    assert not LABELS.before_span(text, text.index("2025"))
    text = "Joined: 2023-04-01\nDOB: 1985-03-12"
    assert not LABELS.after_span(text, text.index("\n"))


def test_lines_a_question_reaches_the_answer_on_the_next_line() -> None:
    text = "agent: Mag ik uw naam en geboortedatum?\nklant: Roshni Ramdin, 12-02-1995"
    assert LABELS.before_span(text, text.index("12-02"))
    text = "Officer: Date of birth?\nDriver: April 9, 1990."
    assert LABELS.before_span(text, text.index("April"))
    text = "Date of birth\n1990-04-12"
    assert LABELS.before_span(text, text.index("1990"))


def test_lines_a_statement_reaches_the_next_line_only_when_it_is_a_turn() -> None:
    text = "I forgot my date of birth.\nThe meeting is on 2024-05-17"
    assert not LABELS.before_span(text, text.index("2024"))
    text = "Agent: Please state your date of birth.\nCaller: 1990-04-12"
    assert LABELS.before_span(text, text.index("1990"))
    text = "name,dob,city\nAna,1990-04-12,Porto"
    assert LABELS.before_span(text, text.index("1990"))
    text = "Name\tDOB\tPhone\nAna\t1990-04-12\t555"
    assert LABELS.before_span(text, text.index("1990"))


def test_lines_reach_one_line_only() -> None:
    text = "agent: date of birth?\ncustomer: one moment\nagent: ok, 2024-05-17 then"
    assert not LABELS.before_span(text, text.index("2024"))


def test_column_header_of_a_cell() -> None:
    from detectors.context import column_header

    csv = "id,phone,city\n1,555-0134,Lima\n2,555-0199,Quito"
    assert column_header(csv, csv.index("555-0199")) == "phone"
    assert column_header(csv, csv.index("Quito")) == "city"
    markdown = "| Part | Qty |\n|---|---|\n| 0800-123-456 | 4 |"
    assert column_header(markdown, markdown.index("0800")) == "Part"
    assert column_header("just a line, with a comma", 5) is None


def test_lines_of_prose_with_a_comma_each_are_no_table() -> None:
    text = "Agent: Drumcondra Credit Union, loans team.\nCaller: Hi, it's Larissa Moura."
    assert column_header(text, text.index("Larissa")) is None
    table = "No.,Name,Phone\n1,Ana Lima,555 0101"
    assert column_header(table, table.index("Ana")) == "Name"
