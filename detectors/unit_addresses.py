"""Addresses written as a chain of named units, as much of Asia, Africa and the Middle East
writes them: "Tổ 9, khu phố 2, phường Tân Phong, TP. Biên Hòa", "Perum Griya Asri Blok C2
No. 7, RT 04/RW 09, Kel. Sumbersari, Kec. Sumbersari, Jember 68121", "Cité 500 Logements,
Bt 12, N° 4, Bab Ezzouar", "наб. канала Грибоедова, д. 104, кв. 9", "55/8 ถนนพหลโยธิน ซอย 7
แขวงสามเสนใน เขตพญาไท กรุงเทพฯ 10400".

A text's parts (split at commas, or at spaces in Thai) are read as units: street-level ones
(a road, lane, block, estate, building, flat, house number: "đường", "Gg.", "Blok", "Apt.",
"ул.", "д.", "شارع", "ซอย") and area-level ones (ward, district, province: "phường", "Kec.",
"Mah.", "р-н", "حي", "แขวง", "-gu"). A chain of two units or more of which one is at street level
is an address, with the place and postcode parts that follow it; area-level units alone
("phường Bến Nghé, quận 1, TP.HCM") name a place, not an address.
"""

from __future__ import annotations

import regex

# Street level: a road, lane, block, estate, building, floor, flat or a house number's word.
_STREET_UNITS = r"""
    đường|phố|ngõ|ngách|hẻm|kiệt|số|tổ|thôn|ấp|xóm|khu\ phố|kp\.|căn\ hộ|chung\ cư|tòa|lô
    |jl\.|jln\.|jalan|gg\.|gang|blok|komp\.|kompleks|komplek|perum|perumahan|rt|rw|dusun
    |apartemen|tower|lt\.|lorong|lrg\.|taman|kampung|kg\.
    |cad\.|caddesi|sok\.|sokak|sk\.|apt\.|bulvarı|blv\.
    |ul\.|улица|ул\.|д\.|дом|кв\.|корп\.|стр\.|пр\.|просп\.|наб\.|пер\.|мкр\.|ш\.
    |cité|bt|bât\.|bâtiment|lot\.|lotissement|résidence|rés\.|immeuble|imm\.
    |house\ no\.?|h\.\ ?no\.?|flat|apt|plot|block|blk\.?|sector|phase|street|st\.|road|rd\.|lane
    |avenue|ave\.?|building|bldg\.?|floor|estate|compound|villa|quarters
    |شارع|ش\.|شقة|برج|مبنى|عمارة|طريق|الطابق|فيلا|بناية|زقاق
"""
# Area level: a ward, commune, district, city or province.
_AREA_UNITS = r"""
    phường|p\.|quận|q\.|xã|huyện|thị\ xã|thị\ trấn|tỉnh|tp\.|thành\ phố|khóm
    |kel\.|kelurahan|kec\.|kecamatan|kab\.|kabupaten|desa|kota|kel|kec
    |mah\.|mahallesi|mh\.|ilçe
    |г\.|город|обл\.|область|р-н|район|пос\.|с\.
    |wilaya|commune|daïra|district|dist\.|ward|tehsil|taluk|mandal|village|colony|nagar
    |حي|منطقة|مدينة|محافظة|ولاية
"""
# Romanised Korean and Japanese units end a word: "Seocho-gu", "Banpo-daero", "Shibuya-ku".
_SUFFIX_STREET = r"(?<![\p{L}\p{M}\d-])[\p{L}\d]+-(?:ro|gil|daero|dori|chome)\b"
_SUFFIX_AREA = r"(?<![\p{L}\p{M}\d-])\p{L}+-(?:gu|dong|si|eup|myeon|ri|ku|shi|cho|machi|gun)\b"

_STREET = regex.compile(
    rf"(?:^|(?<=[\s,(]))(?:{_STREET_UNITS})(?=[\s\d.:]|$)|{_SUFFIX_STREET}",
    regex.IGNORECASE | regex.VERBOSE,
)
_AREA = regex.compile(
    rf"(?:^|(?<=[\s,(]))(?:{_AREA_UNITS})(?=[\s\d.]|$)|{_SUFFIX_AREA}",
    regex.IGNORECASE | regex.VERBOSE,
)
# A house number opening a part: "15", "55/8", "302-1504", "B2.08".
_HOUSE = regex.compile(
    r"(?:^|(?<=\s))\p{Lu}?\d{1,5}(?:[/.]\d{1,5}[A-Za-z]?|(?:-\d{1,5}[A-Za-z]?){1,2})?[A-Za-z]?"
    r"(?=\s|$)"
)
# A part that is a house number alone, or with capitalised words: "15", "17 Banpo Tower".
_HOUSE_PART = regex.compile(
    r"(?<![^\s])(?:(?:N°|Nº|No\.?|#)[ \t]*)?"
    r"\p{Lu}?\d{1,5}(?:[/.]\d{1,5}[A-Za-z]?|(?:-\d{1,5}[A-Za-z]?){1,2})?[A-Za-z]?"
    r"(?:[ \t]+\p{Lu}[\p{L}\p{M}.'\-]*){0,3}\Z"
)
# A place or postcode part after the units: "Đà Nẵng", "Jember 68121", "Tbilisi 0179".
_TAIL = regex.compile(
    r"(?:\p{Lu}[\p{L}\p{M}.'\-]*|\d{4,6}(?:-\d{3,4})?)"
    r"(?:[ \t/]+(?:\p{Lu}[\p{L}\p{M}.'\-]*|\d{4,6}(?:-\d{3,4})?)){0,3}"
    r"|[\p{Arabic}\p{Thai}][\p{Arabic}\p{Thai}\p{M}ฯ]*(?:[ \t]+[\p{Arabic}\p{Thai}\p{M}ฯ]+){0,2}"
)
_PART_SPLIT = regex.compile(r"[ \t]*[,،][ \t]*")
_THAI_UNIT = regex.compile(r"(?:ถนน|ซอย|ซ\.|หมู่(?:ที่)?|ม\.|แขวง|เขต|ตำบล|ต\.|อำเภอ|อ\.|จังหวัด|จ\.)")
_THAI_ADDRESS = regex.compile(
    r"\d{1,4}(?:/\d{1,4})?[ \t]+(?:(?:ถนน|ซอย|ซ\.|หมู่(?:ที่)?|ม\.|แขวง|เขต|ตำบล|ต\.|อำเภอ|อ\."
    r"|จังหวัด|จ\.)[ \t]*[\p{Thai}\d.ฯ]*[ \t]*){2,}(?:[\p{Thai}ฯ]+[ \t]*)?(?:\d{5}(?!\d))?"
)
_THAI = regex.compile(r"\p{Thai}")
_MAX_PART = 70
_NAMED_BEFORE = regex.compile(r"(?:\p{Lu}[\p{L}\p{M}'\-]*[ \t]+){1,3}\Z")
_TRAILING_WORD = regex.compile(r"(?<=[\p{Lu}\p{Lt}\d][\p{L}\p{M}\d.]*)[ \t]+\p{Ll}[\p{L}\p{M}]*\Z")
_LOWER_WORD = regex.compile(r"(?<![\p{L}\p{M}])\p{Ll}[\p{L}\p{M}]*")
ADDRESS_SCORE = 0.75


def unit_addresses(text: str) -> list[tuple[int, int, float]]:
    """(start, end, score) of each address written as a chain of units."""
    found: list[tuple[int, int, float]] = []
    if _THAI.search(text) is not None and _THAI_UNIT.search(text) is not None:
        found.extend((m.start(), m.end(), ADDRESS_SCORE) for m in _THAI_ADDRESS.finditer(text))
    if _STREET.search(text) is None and _AREA.search(text) is None:
        return found
    line_start = 0
    for line in text.split("\n"):
        found.extend(_chains(line, line_start))
        line_start += len(line) + 1
    return found


def _chains(line: str, offset: int) -> list[tuple[int, int, float]]:
    parts: list[tuple[int, int]] = []
    position = 0
    for separator in _PART_SPLIT.finditer(line):
        parts.append((position, separator.start()))
        position = separator.end()
    parts.append((position, len(line)))
    found = []
    i = 0
    while i < len(parts):
        streets = areas = houses = 0
        digits = False
        j = i
        start = None
        while j < len(parts):
            lo, hi = parts[j]
            unit = _units(line[lo:hi], first=j == i)
            if unit is None:
                break
            begin, street, area, house = unit
            if j == i:
                start = lo + begin
            streets, areas, houses = streets + street, areas + area, houses + house
            digits = digits or any(ch.isdigit() for ch in line[lo + begin : hi])
            j += 1
        # A street or a house number, and one more unit ("phường X, quận Y" is a place), and
        # a number, or units in three parts ("Thôn X, xã Y, huyện Z"; not "King Street, Queen
        # Street", nor "برج المملكة على طريق الملك فهد في حي العليا").
        if (
            start is not None
            and streets + houses >= 1
            and streets + areas >= 1
            and streets + areas + houses >= 2
            and (digits or j - i >= 3)
        ):
            end = parts[j - 1][1]
            # The place and postcode that close it: up to two short parts.
            for lo, hi in parts[j : j + 2]:
                if _TAIL.fullmatch(line, lo, hi) is None:
                    break
                end = hi
                j += 1
            # A word in lower case after the last unit is the sentence going on ("... nha").
            trailing = _TRAILING_WORD.search(line, start, end)
            if trailing is not None:
                end = trailing.start()
            found.append((offset + start, offset + end, ADDRESS_SCORE))
            i = j
        else:
            i += 1
    return found


def _units(part: str, *, first: bool) -> tuple[int, int, int, int] | None:
    """Where a part's address begins and how many street units, area units and house numbers
    it holds; None when it is no part of an address. Only a chain's first part may begin
    after some words ("giao tới 22 đường 2/9"); a part is short, and after its units holds
    at most one word in lower case ("наб. канала Грибоедова", not "block 2 of the spec")."""
    streets = list(_STREET.finditer(part))
    areas = list(_AREA.finditer(part))
    house = _HOUSE.search(part)
    if not streets and not areas:
        # "302-1504", "17 Banpo Tower"; a chain's first part: "ship to: 3-14-7 Jingumae"
        alone = _HOUSE_PART.search(part) if first else _HOUSE_PART.fullmatch(part)
        return None if alone is None else (alone.start(), 0, 0, 1)
    begin = min(m.start() for m in streets + areas)
    if house is not None and house.start() < begin and not part[house.end() : begin].strip():
        begin = house.start()  # "22 đường 2/9", "55/8 ถนน..."
    elif first and begin > 0:
        # Capitalised words right before the unit belong to it: "Chavchavadze Ave 37".
        before = _NAMED_BEFORE.search(part, 0, begin)
        if before is not None:
            begin = before.start()
    if begin > 0 and not first:
        return None
    units = [(m.start(), m.end()) for m in streets + areas]
    lower = [
        m
        for m in _LOWER_WORD.finditer(part, begin)
        if not any(lo <= m.start() < hi for lo, hi in units)
    ]
    if len(part) - begin > _MAX_PART or len(lower) > 1:
        return None
    # A number counts as a house's where it opens the address ("15 đường", "302-1504"), not
    # after a unit ("quận 1" is a district's number).
    return begin, len(streets), len(areas), int(house is not None and house.start() == begin)
