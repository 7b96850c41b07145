from __future__ import annotations

import itertools
import logging
import random
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.base import DetectorError, Finding
from detectors.engine import DetectionEngine, resolve_overlaps
from detectors.registry import fast_engine


class FixedDetector:
    """Returns the findings it was built with; counts its calls."""

    def __init__(self, name: str, findings: list[Finding], classes: set[str] | None = None):
        self.name = name
        self.classes = frozenset(classes or {f.pii_class for f in findings})
        self._findings = findings
        self.calls = 0

    def detect(self, text: str) -> list[Finding]:
        self.calls += 1
        return list(self._findings)


class BrokenDetector:
    name = "broken"
    classes = frozenset({"email"})

    def detect(self, text: str) -> list[Finding]:
        raise ValueError(f"cannot parse {text!r}")


def f(cls: str, start: int, end: int, score: float, detector: str = "d") -> Finding:
    return Finding(cls, start, end, score, detector)


def test_higher_score_wins_then_longer_span() -> None:
    kept = resolve_overlaps(
        [
            f("phone", 0, 12, 0.75),
            f("ssn", 0, 11, 0.85),
            f("email", 20, 30, 0.9),
            f("name", 20, 25, 0.9),
        ]
    )
    assert kept == [f("ssn", 0, 11, 0.85), f("email", 20, 30, 0.9)]


def test_sorted_by_start_and_touching_spans_both_kept() -> None:
    kept = resolve_overlaps([f("a", 10, 20, 0.5), f("b", 0, 10, 0.5)])
    assert [x.start for x in kept] == [0, 10]


finding_strategy = st.builds(
    lambda cls, start, length, score: f(cls, start, start + length, score),
    st.sampled_from(["email", "phone", "name"]),
    st.integers(0, 200),
    st.integers(1, 40),
    st.sampled_from([0.5, 0.6, 0.75, 0.9]),
)


@given(st.lists(finding_strategy, max_size=40), st.randoms())
def test_resolution_is_deterministic_and_leaves_no_overlap(
    findings: list[Finding], rng: random.Random
) -> None:
    kept = resolve_overlaps(findings)
    shuffled = findings[:]
    rng.shuffle(shuffled)
    assert resolve_overlaps(shuffled) == kept
    assert all(a.end <= b.start for a, b in itertools.pairwise(kept))
    # Nothing dropped unless a kept finding of at least its rank overlaps it.
    for finding in findings:
        assert any(finding.overlaps(k) and k.score >= finding.score for k in kept)


def test_only_detectors_for_wanted_classes_run() -> None:
    email = FixedDetector("email", [f("email", 0, 5, 0.9)])
    phone = FixedDetector("phone", [f("phone", 10, 15, 0.9)])
    engine = DetectionEngine([email, phone])
    assert engine.scan("some text here", frozenset({"email"})) == [f("email", 0, 5, 0.9)]
    assert (email.calls, phone.calls) == (1, 0)


def test_fast_and_slow_scans_merge_like_scan() -> None:
    fast = FixedDetector("fast", [f("address", 0, 20, 0.85)])
    slow = FixedDetector("slow", [f("address", 5, 10, 0.5), f("name", 30, 40, 0.85)])
    engine = DetectionEngine([fast], [slow])
    classes = frozenset({"address", "name"})
    assert engine.needs_slow_scan(classes)
    assert not engine.needs_slow_scan(frozenset({"email"}))
    split = engine.merge(engine.scan_fast("x", classes) + engine.scan_slow("x", classes), classes)
    assert (
        split == engine.scan("x", classes) == [f("address", 0, 20, 0.85), f("name", 30, 40, 0.85)]
    )


def test_errors_fail_closed_without_the_text(caplog: pytest.LogCaptureFixture) -> None:
    engine = DetectionEngine([BrokenDetector()])
    with caplog.at_level(logging.DEBUG), pytest.raises(DetectorError) as info:
        engine.scan("jane@example.com", frozenset({"email"}))
    assert info.value.detector == "broken"
    assert "jane" not in str(info.value)
    assert "jane" not in caplog.text


def test_with_detectors_shares_and_adds() -> None:
    base = DetectionEngine([FixedDetector("email", [f("email", 0, 5, 0.9)])])
    org = base.with_detectors([FixedDetector("custom", [f("employee_id", 6, 9, 0.9)])])
    assert org.fast[0] is base.fast[0]
    assert org.classes == frozenset({"email", "employee_id"})
    assert base.classes == frozenset({"email"})


def test_duplicate_names_rejected() -> None:
    with pytest.raises(ValueError):
        DetectionEngine([FixedDetector("x", []), FixedDetector("x", [])])


def test_fast_engine_end_to_end_and_nothing_logged(caplog: pytest.LogCaptureFixture) -> None:
    text = (
        "Jane (jane.doe@example.com, +44 20 7946 0958) paid with 4111 1111 1111 1111, "
        "SSN 536-90-4399, DOB: 1990-05-17, from 203.0.113.9, IBAN DE89370400440532013000."
    )
    engine = _built_fast_engine()
    with caplog.at_level(logging.DEBUG):
        found = engine.scan(text, frozenset(engine.classes))
    # "Jane" alone is the name scorer's to judge (tests/detectors/test_name_scorer.py).
    assert [x.pii_class for x in found if x.pii_class != "name"] == [
        "email",
        "phone",
        "credit_card",
        "ssn",
        "date_of_birth",
        "ip_address",
        "iban",
    ]
    # Other libraries' threads (a database connection left by an earlier test) may log at
    # DEBUG meanwhile; what matters is that no detector does.
    assert [r for r in caplog.records if r.name.startswith(("detectors", "gateway"))] == []


@cache
def _built_fast_engine() -> DetectionEngine:
    return fast_engine()


@settings(deadline=None)  # the first example builds the engine once (plans, lexicons)
@given(st.text(max_size=300))
def test_fast_detectors_never_fail_and_stay_in_bounds(text: str) -> None:
    engine = _built_fast_engine()
    for finding in engine.scan_fast(text, engine.classes):
        assert 0 <= finding.start < finding.end <= len(text)
        assert finding.pii_class in engine.classes


def test_overlapping_findings_of_one_class_become_their_union() -> None:
    # "name=Aminu Bello Yusuf": the log's key finds "Aminu" (0.9), the lexicon the whole name.
    found = [f("name", 5, 10, 0.9), f("name", 5, 22, 0.75), f("email", 30, 40, 0.9)]
    kept = resolve_overlaps(found)
    assert [(k.pii_class, k.start, k.end, k.score) for k in kept] == [
        ("name", 5, 22, 0.9),
        ("email", 30, 40, 0.9),
    ]


def test_a_union_that_loses_to_another_class_keeps_its_own_parts() -> None:
    kept = resolve_overlaps([f("name", 0, 10, 0.5), f("name", 5, 30, 0.6), f("email", 25, 28, 0.9)])
    assert [(k.pii_class, k.start, k.end) for k in kept] == [("name", 0, 10), ("email", 25, 28)]


class ReadingDetector:
    """Finds nothing; keeps the findings the engine handed it."""

    name = "reader"
    classes = frozenset({"name"})
    reads_earlier = True

    def __init__(self) -> None:
        self.handed: list[tuple[Finding, ...]] = []

    def detect(self, text: str, earlier: tuple[Finding, ...] = ()) -> list[Finding]:
        self.handed.append(earlier)
        return []


def test_a_reader_runs_last_and_sees_every_other_finding_whatever_the_classes() -> None:
    reader = ReadingDetector()
    phone = FixedDetector("phone", [f("phone", 0, 5, 0.9)])
    engine = DetectionEngine([reader, phone])
    assert engine.scan("12345 Ana", frozenset({"name"})) == []
    assert engine.scan("12345 Ana", frozenset({"name", "phone"})) == [f("phone", 0, 5, 0.9)]
    assert reader.handed == [(f("phone", 0, 5, 0.9),)] * 2
    # Without the reader's class, the others run as before and the reader does not.
    assert engine.scan("12345 Ana", frozenset({"email"})) == []
    assert phone.calls == 2 and len(reader.handed) == 2


@pytest.mark.parametrize(
    "text",
    [
        "Call Ngozi Okafor on +234 803 555 0199 about invoice 4471.",
        "Ngozi Okafor wrote the report on Lagos traffic.",
        "Send it to ngozi.okafor@example.com, thanks Ngozi",
    ],
)
def test_the_name_lexicon_finds_the_same_names_whatever_else_a_policy_wants(text: str) -> None:
    engine = fast_engine()
    names_only = engine.scan_fast(text, frozenset({"name"}))
    every_class = engine.scan_fast(text, engine.classes)
    assert [x for x in names_only if x.pii_class == "name"] == [
        x for x in every_class if x.pii_class == "name"
    ]


def test_a_language_alone_is_no_name_even_beside_other_values() -> None:
    engine = fast_engine()
    text = (
        "Translate this into French, keep it formal. "
        "Billing address: 25, boulevard de Cousin, 35795 Imbert"
    )
    assert [text[x.start : x.end] for x in engine.scan(text, frozenset({"name"}))] == []
    text = "Marcus French called about the booking, call back on +44 20 7946 0018"
    assert [text[x.start : x.end] for x in engine.scan(text, frozenset({"name"}))] == [
        "Marcus French"
    ]


def test_a_person_found_once_is_found_again_wherever_their_name_stands() -> None:
    engine = _built_fast_engine()
    text = (
        "announcement: Idil Mohamud is now Head of Customer Success. Idil joined 4 years ago. "
        "Write to idil.m@example.com."
    )
    found = [text[f.start : f.end] for f in engine.scan(text, frozenset({"name", "email"}))]
    assert found == ["Idil Mohamud", "Idil", "idil.m@example.com"]
    # Words of a name that are common words are not looked for again ("Will", "Rose").
    text = "Rose Adeyemi will call. The rose garden opens at nine."
    found = [text[f.start : f.end] for f in engine.scan(text, frozenset({"name"}))]
    assert "rose" not in found


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # Chinese: a speaker's name said again inside a turn, and a full name's given name.
        (
            "志豪：欸俊傑，明天開會嗎？\n林俊傑：會啊，志豪你要一起嗎？",
            ["志豪", "俊傑", "林俊傑", "志豪"],
        ),
        # Japanese: a katakana name found before an honorific, then as a speaker and before
        # a particle.
        (
            "店長: おつかれ、サンジャヤくん。明日も頼む\nサンジャヤ: はい！サンジャヤの番号は 08"
            "0-2290-7745 です",
            ["サンジャヤ", "サンジャヤ", "サンジャヤ"],
        ),
    ],
)
def test_a_person_found_once_in_east_asian_text_is_found_again(text: str, names: list[str]) -> None:
    engine = _built_fast_engine()
    assert [text[f.start : f.end] for f in engine.scan(text, frozenset({"name"}))] == names
    # A text naming no one gains nothing: "三星" is a brand here, said twice.
    text = "三星的新手機下週上市，三星說價格不變。"
    assert engine.scan(text, frozenset({"name"})) == []


@pytest.mark.parametrize(
    "text",
    [
        "personagens:\n  - Mônica\n  - Cebolinha\n  - Magali\n",
        "storm_names:\n  atlantic: [Andrea, Barry, Chantal, Dexter]\n  pacific: [Barbara, Cosme]",
        '{"characters": [{"name": "Gretchen"}, {"name": "Ofelia"}]}',
        '<storm name="Haiyan" year="2013"><landfall>Guiuan</landfall></storm>',
        '<hotel id="7"><name>x</name><city>Florence</city><brand>Marriott</brand></hotel>',
    ],
)
def test_items_of_a_list_of_things_named_like_people_are_no_names(text: str) -> None:
    engine = _built_fast_engine()
    assert [text[f.start : f.end] for f in engine.scan(text, frozenset({"name"}))] == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # People belong to a team: its list is of members.
        ("team:\n  - Ingrid Solberg\n  - Kwame Mensah\n", "Ingrid Solberg"),
        # A key other than a bare "name" says whose the value is, whatever its parent.
        ("server:\n  host: 192.0.2.44\n  admin_contact: Gareth Holmes\n", "Gareth Holmes"),
    ],
)
def test_a_list_of_people_or_a_persons_key_keeps_its_names(text: str, name: str) -> None:
    engine = _built_fast_engine()
    assert name in [text[f.start : f.end] for f in engine.scan(text, frozenset({"name"}))]


def test_a_login_found_once_is_found_again_where_it_stands_whole() -> None:
    engine = _built_fast_engine()
    text = (
        "2024-02-20 08:12:55 INFO login user=m.alshehri ip=10.0.0.7\n"
        "2024-02-20 08:13:40 INFO phone changed by m.alshehri\n"
        "2024-02-20 08:14:02 INFO mail sent to m.alshehri@example.com, m.alshehri2 untouched"
    )
    found = [text[f.start : f.end] for f in engine.scan(text, frozenset({"name"}))]
    assert found == ["m.alshehri", "m.alshehri"]


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Linus Torvalds wrote git. Linus also wrote Linux.", []),
        ('expect(parse("Hurricane Sandy")).toEqual({ kind: "storm", name: "Sandy" });', []),
        # A private person named in full, then by the given name alone, stays a person.
        ("Anna Schmidt called. Anna will send the contract today.", ["Anna Schmidt", "Anna"]),
        ("DR. MEHTA: Good morning.\nPATIENT: Better.\nDR. MEHTA: Good.", ["MEHTA", "MEHTA"]),
    ],
)
def test_one_word_of_a_famous_name_named_in_full_elsewhere_is_the_same_one(
    text: str, kept: list[str]
) -> None:
    engine = _built_fast_engine()
    found = [text[f.start : f.end] for f in engine.scan(text, frozenset({"name"}))]
    assert found == kept


def test_a_name_inside_an_address_on_one_line_is_the_addresses() -> None:
    text = "Ship to: 52 Mokgosi Street, Gaborone West, Gaborone\nThanks"
    address = text.index("52"), text.index("\nThanks")
    name = text.index("Gaborone West"), text.index(", Gaborone\n")
    engine = DetectionEngine(
        [
            FixedDetector("n", [f("name", *name, 0.75)]),
            FixedDetector("a", [f("address", *address, 0.6)]),
        ]
    )
    both = frozenset({"name", "address"})
    assert [(x.pii_class, x.start) for x in engine.scan(text, both)] == [("address", address[0])]
    # A policy that wants names only keeps the name.
    assert ("name", name[0]) in [
        (x.pii_class, x.start) for x in engine.scan(text, frozenset({"name"}))
    ]
    # An address across lines keeps no name it holds ("15, Dr Park\nReminder": a misread).
    across = "Date: Thu 14 Nov 16:15, Dr Park\nReminder SMS"
    engine = DetectionEngine(
        [
            FixedDetector("n", [f("name", across.index("Park"), across.index("\n"), 0.75)]),
            FixedDetector("a", [f("address", across.index("15,"), len(across), 0.6)]),
        ]
    )
    assert [x.pii_class for x in engine.scan(across, both)] == ["name"]


@pytest.mark.parametrize(
    "text",
    [
        # Stand-ins of fixtures, forms and examples: no one, whichever detector finds them.
        'c = Customer(first_name="John", last_name="Doe")\nassert c.full_name() == "John Doe"',
        "First name: John\nLast name: Doe\nEmail: (left blank)",
        'KLANT_VOORBEELD = {"naam": "Jan Modaal", "klantnummer": "K-000000"}',
        "Customer name: Jane Doe\nCustomer ID: CUST-000000",
        "Beispiel: Max Mustermann, Musterstraße 1",
        "예시: 홍길동, 010-0000-0000",
    ],
)
def test_stand_in_names_are_no_ones(text: str) -> None:
    engine = _built_fast_engine()
    assert [text[f.start : f.end] for f in engine.scan(text, frozenset({"name"}))] == []


def test_a_stand_ins_first_name_alone_or_a_lookalike_is_still_a_name() -> None:
    engine = _built_fast_engine()
    text = "First name: John\nLast name: Doerr\nEmail: j.doerr@example.org"
    assert "John" in [text[f.start : f.end] for f in engine.scan(text, frozenset({"name"}))]


@pytest.mark.parametrize(
    "text",
    [
        "Name: Château Lafleur\nVintage: 2016\nAppellation: Pomerol\nAlcohol: 14.5 %",
        '{"name": "Eleanor Rigby", "genre": "baroque pop", "release": "1966-08-05"}',
        # A Portuguese grape named like a woman.
        "grape: Maria Gomes\nvintage: 2021\nappellation: Bairrada",
    ],
)
def test_a_things_own_name_and_attributes_in_its_record_are_no_names(text: str) -> None:
    engine = _built_fast_engine()
    assert [text[f.start : f.end] for f in engine.scan(text, frozenset({"name"}))] == []


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # A person's key in a thing's record names a person.
        (
            "Name: Château Lafleur\nVintage: 2016\nWinemaker: Baptiste Guinaudeau",
            ["Baptiste Guinaudeau"],
        ),
        # An order's and a warranty card's keys stand beside a customer's name.
        ("Name: Ana Souza\nQty: 2\nPrice: 19.90", ["Ana Souza"]),
        ("Name: Sofia Lindqvist\nModel: XR-200\nSerial: 88123", ["Sofia Lindqvist"]),
    ],
)
def test_a_person_in_a_things_or_an_orders_record_is_still_named(
    text: str, names: list[str]
) -> None:
    engine = _built_fast_engine()
    assert [text[f.start : f.end] for f in engine.scan(text, frozenset({"name"}))] == names
