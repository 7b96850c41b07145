"""Addresses written as a chain of named units (ward, district, block, estate, building),
and the places that look like them but are no address."""

from __future__ import annotations

import pytest

from detectors.unit_addresses import unit_addresses


def found(text: str) -> list[str]:
    return [text[start:end] for start, end, _ in unit_addresses(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "gửi về Tổ 4, khu phố 3, phường Long Bình, TP. Biên Hòa nhé",
            "Tổ 4, khu phố 3, phường Long Bình, TP. Biên Hòa",
        ),
        (
            "nhà mình ở 41 đường 30/4, phường 9, quận 3 nha",
            "41 đường 30/4, phường 9, quận 3",
        ),
        (
            "Thôn Yên Lũng, xã An Khánh, huyện Hoài Đức, Hà Nội",
            "Thôn Yên Lũng, xã An Khánh, huyện Hoài Đức, Hà Nội",
        ),
        (
            "kirim ke Perum Bumi Indah Blok F3 No. 12, RT 02/RW 05, Kel. Tegalrejo, "
            "Yogyakarta 55244",
            "Perum Bumi Indah Blok F3 No. 12, RT 02/RW 05, Kel. Tegalrejo, Yogyakarta 55244",
        ),
        (
            "Cité 200 Logements, Bt 7, N° 11, Hydra, Alger 16035",
            "Cité 200 Logements, Bt 7, N° 11, Hydra, Alger 16035",
        ),
        ("пер. Гривцова, д. 5, кв. 31", "пер. Гривцова, д. 5, кв. 31"),
        (
            "ส่งที่ 77/3 ถนนสุขุมวิท ซอย 21 แขวงคลองเตยเหนือ เขตวัฒนา กรุงเทพฯ 10110 ค่ะ",
            "77/3 ถนนสุขุมวิท ซอย 21 แขวงคลองเตยเหนือ เขตวัฒนา กรุงเทพฯ 10110",
        ),
        (
            "201-803, 45 Teheran-ro 10-gil, Gangnam-gu, Seoul 06234",
            "201-803, 45 Teheran-ro 10-gil, Gangnam-gu, Seoul 06234",
        ),
        ("Rustaveli Ave 12, apt 8, Tbilisi 0108", "Rustaveli Ave 12, apt 8, Tbilisi 0108"),
        ("شقة 12، برج النخيل، شارع الشيخ زايد، دبي", "شقة 12، برج النخيل، شارع الشيخ زايد، دبي"),
        (
            "Moda Mah. Bahariye Cad. Deniz Apt. No:17 D:3, 34710 Kadıköy/İstanbul",
            "Moda Mah. Bahariye Cad. Deniz Apt. No:17 D:3, 34710 Kadıköy/İstanbul",
        ),
        ("deliver to 2-5-1 Marunouchi, Chiyoda-ku, Tokyo", "2-5-1 Marunouchi, Chiyoda-ku, Tokyo"),
    ],
)
def test_chains_of_units_are_addresses(text: str, expected: str) -> None:
    assert found(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "phường Bến Thành, quận 1, TP.HCM is where the market is",  # areas alone: a place
        "Our office is in Gangnam-gu, Seoul",
        "King Street, Queen Street and Station Road are closed",  # streets, no number
        "يقع برج المملكة على طريق الملك فهد في حي العليا بالرياض",
        "We booked 2 adults, 3 kids, 1 room",
        "see section 4, block 2 of the spec",
        "No. 1, No. 2, No. 3 are the top picks",
        "Apt. prices in Kec. Menteng rose 5%, says the report",
        "Facture n° F-2026-1182 du 02/12/2026, échéance le 02/01/2027.",
    ],
)
def test_places_and_lists_are_not(text: str) -> None:
    assert found(text) == []
