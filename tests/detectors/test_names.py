from __future__ import annotations

import pytest

from detectors.names import NAME_PATTERNS, person_like
from detectors.not_persons import known_not_a_private_person, used_as_thing


def names(text: str) -> set[str]:
    return {text[m.start() : m.end()] for _, p, _ in NAME_PATTERNS for m in p.finditer(text)}


@pytest.mark.parametrize(
    "text, name",
    [
        ("Please ask Mrs Frances Robinson to sign.", "Frances Robinson"),
        ("Meeting with Dr. Anna Schmidt-Weber today", "Anna Schmidt-Weber"),
        ("Herr Paolo Hande kommt morgen", "Paolo Hande"),
        ("Mme Chloë Lefèvre a appelé", "Chloë Lefèvre"),
        ("Dear Baldur Eigenwillig,\nthanks for the reply", "Baldur Eigenwillig"),
        ("Hi Ravi, can you check?", "Ravi"),
        ("Best regards,\nTanvi Mittal", "Tanvi Mittal"),
        ("Thanks,\nWout van Bernicia", "Wout van Bernicia"),
    ],
)
def test_name_patterns(text: str, name: str) -> None:
    assert name in names(text)


@pytest.mark.parametrize(
    "text", ["Dear team,\nplease review.", "Hi all, the build is green.", "Best,\nthe Ops team"]
)
def test_name_pattern_negatives(text: str) -> None:
    assert names(text) == set()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Thibault Boulay", True),
        ("Marlies Warmer-Ehlert", True),
        ("Chloë de Lange", True),
        ("Acme Corp", False),
        ("Deutsche Bank", False),
        ("Bora Nagar", False),
        ("Kafka", False),
        ("Dhruv Batra\nH.No", False),
    ],
)
def test_person_like(text: str, expected: bool) -> None:
    assert person_like(text) is expected


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        # Cities named in two words or more are places (GeoNames, 50,000 people or more) ...
        ("Reggio Emilia", True),
        ("Bắc Ninh", True),
        ("Ciudad Juárez", True),
        # ... unless the city's name reads as a person's.
        ("Marcos Paz", False),
        ("Maria Santos", False),
    ],
)
def test_cities_of_two_words_are_no_private_persons(span: str, expected: bool) -> None:
    assert known_not_a_private_person(span) is expected


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        # A famous name in a case of a language that declines names.
        ("Olgi Tokarczuk", True),  # Polish genitive
        ("Józefa Piłsudskiego", True),
        ("Orhan Pamuk'un", True),  # Turkish: the ending after an apostrophe
        ("Elias Lönnrotin", True),  # Finnish genitive
        ("Selma Lagerlöfs", True),  # Swedish genitive
        # A private person's name in a case is still one.
        ("Anny Kowalskiej", False),
        ("Ivana Petrova", False),
    ],
)
def test_a_public_figure_in_any_case_is_no_private_person(span: str, expected: bool) -> None:
    assert known_not_a_private_person(span) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A Han span the next characters complete into a famous name is that name's start.
        ("我们读西游记，孙悟空大闹天宫那段最精彩", True),
        ("科学家钱学森的故事", True),
        # A private person's name followed by other words is not.
        ("孙悟明天来上班", False),
    ],
)
def test_the_start_of_a_famous_han_name_is_no_private_person(text: str, expected: bool) -> None:
    start = text.index("孙悟") if "孙悟" in text else text.index("钱学")
    assert used_as_thing(text, start, start + 2) is expected
