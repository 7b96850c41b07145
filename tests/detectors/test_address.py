from __future__ import annotations

import pytest
import regex

from detectors.address import STREET_ADDRESS_PATTERNS, StreetAddressFinder

FINDER = StreetAddressFinder()


def best(text: str) -> str | None:
    """The longest address found, or None."""
    found = FINDER.find(text)
    if not found:
        return None
    start, end, _ = max(found, key=lambda f: (f[1] - f[0], f[2]))
    return text[start:end]


@pytest.mark.parametrize(
    "address",
    [
        "807 Deborah Estate Apt. 573, Stephensshire, IA 02219",
        "22453 Hunter Spurs\nSouth Kent, MN 54883",
        "1600 Pennsylvania Avenue NW",
        "12 Baker Street, London NW1 6XE",
        "Flat 47z\nNathan Lane\nLake Dawn\nDE1 4WX",
        "346 Boyd Plaza Suite 069, Andrewshire, QC B6N 6T5",
        "USS Clark\nFPO AP 80563",
        "Melissa-Mohaupt-Platz 2\n57368 Rochlitz",
        "Mudeweg 104, 60865 Rosenheim",
        "H.-Dieter-Faust-Straße 18, 88871 Grafenau",
        "18, rue Manon Roux, 20215 Lelièvre",
        "boulevard Mallet, 20749 Perrot",
        "224, Issac Path\nSouth Dumdum 640562",
        "H.No. 34, Malhotra\nUluberia-796434",
        "P.O. Box 1234",
    ],
)
def test_street_addresses(address: str) -> None:
    text = f"Please ship it to {address} by Monday."
    assert best(text) == address


@pytest.mark.parametrize(
    "text",
    [
        "The 3 key points from the review are below.",
        "Port 23073 is open on the load balancer.",
        "ZIP 94105-6082 is outside the zone.",
        "We walked along the rue for an hour.",
        "Run 5 Monitoring jobs every hour.",
        "Version 2 is out.",
    ],
)
def test_street_hard_negatives(text: str) -> None:
    assert best(text) is None


def test_trigger_regions_find_what_the_patterns_find_on_addresses() -> None:
    patterns = [(regex.compile(p, regex.MULTILINE), s) for _, p, s in STREET_ADDRESS_PATTERNS]
    text = (
        "Send it to 52559 Evans Lane Apt. 092\nVincentview, IA 43464 or to "
        "Sagerring 6, 05755 Wittmund, or 95, Puri Nagar, Allahabad 755947."
    )
    everywhere = {(m.start(), m.end(), s) for p, s in patterns for m in p.finditer(text)}
    assert set(FINDER.find(text)) == everywhere
