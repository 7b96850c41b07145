"""Street addresses by pattern: the part of ``address`` detection that needs no model.

spaCy's small model finds places (cities, countries) but not "807 Deborah Estate Apt. 573".
These patterns find postal addresses in the shapes used in the US, UK, Canada, India, Germany,
the Netherlands, France, Spain and Italy: a house number and a street name ending in a street
word ("Street", "Rd", "-straße", "rue ..."), optionally a unit, then optionally the
city/postcode line. They are written for the ``regex`` module (``\\p{Lu}`` for capitals in any
script), which is what presidio's ``PatternRecognizer`` compiles them with.

A street alone scores lower than one followed by a postcode line, since "3 Key Points" has the
shape of a street too.
"""

from __future__ import annotations

import re

import regex

# USPS Publication 28, appendix C1: street suffixes and their standard abbreviations.
_EN_SUFFIXES = """
Alley Aly Annex Anx Arcade Arc Avenue Ave Av Bayou Byu Beach Bch Bend Bnd Bluff Blf Bluffs
Bottom Btm Boulevard Blvd Branch Br Bridge Brg Brook Brk Brooks Burg Burgs Bypass Byp Camp Cp
Canyon Cyn Cape Cpe Causeway Cswy Center Ctr Centre Centers Circle Cir Circles Cliff Clf
Cliffs Clfs Close Club Clb Common Commons Corner Cor Corners Cors Course Crse Court Ct Courts
Cove Cv Coves Creek Crk Crescent Cres Crest Crst Crossing Xing Crossroad Curve Dale Dl Dam Dm
Divide Dv Drive Dr Drives Estate Est Estates Ests Expressway Expy Extension Ext Extensions
Fall Falls Fls Ferry Fry Field Fld Fields Flds Flat Flt Flats Ford Frd Fords Forest Frst
Forge Frg Forges Fork Frk Forks Frks Fort Ft Freeway Fwy Garden Gdn Gardens Gdns Gateway Gtwy
Glen Gln Glens Green Grn Greens Grove Grv Groves Harbor Hbr Harbour Harbors Haven Hvn Heights
Hts Highway Hwy Hill Hl Hills Hls Hollow Holw Inlet Island Is Islands Iss Isle Junction Jct
Junctions Key Ky Keys Knoll Knl Knolls Lake Lk Lakes Lks Land Landing Lndg Lane Ln Light Lgt
Lights Loaf Lock Lck Locks Lodge Ldg Loop Mall Manor Mnr Manors Meadow Mdw Meadows Mdws Mews
Mill Ml Mills Mission Msn Motorway Mtwy Mount Mt Mountain Mtn Mountains Neck Nck Orchard Orch
Oval Overpass Opas Park Parks Parkway Pkwy Parkways Pass Passage Psge Path Pike Pine Pne Pines
Pnes Place Pl Plain Pln Plains Plns Plaza Plz Point Pt Points Pts Port Prt Ports Prairie Pr
Radial Radl Ramp Ranch Rnch Rapid Rpd Rapids Rpds Rest Rst Ridge Rdg Ridges Rdgs River Riv
Road Rd Roads Rds Route Rte Row Rue Run Shoal Shl Shoals Shore Shr Shores Shrs Skyway Skwy
Spring Spg Springs Spgs Spur Spurs Square Sq Squares Station Sta Stravenue Stra Stream Strm
Street St Streets Summit Smt Terrace Ter Throughway Trwy Trace Trce Track Trak Trafficway Trfy
Trail Trl Tunnel Tunl Turnpike Tpke Underpass Upas Union Un Unions Valley Vly Valleys Via
Viaduct Viad View Vw Views Village Vlg Villages Ville Vl Vista Vis Walk Walks Wall Way Ways
Well Wells
Nagar Marg Chowk Ganj Zila Gali
"""
_DE_NL_SUFFIXES = (
    "straße strasse str. weg ring platz allee gasse damm ufer chaussee steig pfad markt hof "
    "berg graben kai promenade stieg wall zeile gürtel brücke garten straat laan plein gracht "
    "kade dijk singel pad dreef steeg baan"
)
_FR_STREETS = (
    "rue avenue av. boulevard bd chemin place impasse allée quai route cours square passage "
    "voie faubourg sentier promenade rond-point"
)
_ES_IT_STREETS = (
    "Calle Avenida Avda. Paseo Plaza Camino Carrer Ronda Via Viale Piazza Corso Largo Vicolo "
    "Strada Piazzale Contrada Incrocio Borgo Canale"
)


def _alternatives(words: str) -> str:
    return "|".join(sorted((regex.escape(w) for w in words.split()), key=len, reverse=True))


def _capitalised_or_not(words: str) -> str:
    """ "rue|Rue|avenue|Avenue..." : faster than (?i:...) and no "RUE" needed."""
    return _alternatives(" ".join(f"{w} {w[0].upper()}{w[1:]}" for w in words.split()))


_W = r"\p{Lu}(?:[\p{L}'\u2019\-]|\.(?=-))*"  # capitalised: "Saint-Étienne", "O'Neil", "H.-Dieter"
_PARTICLE = r"(?:(?:de|du|des|la|le|di|del|della|l['\u2019]|d['\u2019])[ \t]?)"
_NUM = r"\d{1,6}[A-Za-z]?(?:[/\-]\d{1,5}[A-Za-z]?)?"
_LINE = r"(?:,[ \t]*|[ \t]*\n[ \t]*|[ \t]+)"  # between address lines: comma, newline or space
_UNIT = r"(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|Flat|Studio|Room|Floor|Fl\.|\#)[ \t]*[\w\-]{1,6}"
# Capitalised as listed, or lower case for whole words: "Main Street", "Main street", "Main St",
# but not "st" or "is" (the abbreviation of Island), which prose is full of.
_EN_SUFFIX_WORDS = _EN_SUFFIXES + " ".join(w.lower() for w in _EN_SUFFIXES.split() if len(w) > 3)
_EN_SUFFIX = rf"(?:{_alternatives(_EN_SUFFIX_WORDS)})\b\.?"

_US_TAIL = rf"{_LINE}(?:{_W}[ \t]){{0,2}}{_W},?[ \t]+[A-Z]{{2}},?[ \t]+\d{{5}}(?:-\d{{4}})?"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}"
_UK_TAIL = rf"(?:{_LINE}{_W}(?:[ \t]{_W}){{0,2}}){{0,2}}{_LINE}{_UK_POSTCODE}"
_CA_TAIL = rf"{_LINE}(?:{_W}[ \t]){{0,2}}{_W},?[ \t]+[A-Z]{{2}},?[ \t]+[A-Z]\d[A-Z][ \t]?\d[A-Z]\d"
_AU_TAIL = rf"{_LINE}(?:{_W}[ \t]){{0,2}}{_W},?[ \t]+[A-Z]{{2,3}},?[ \t]+\d{{4}}"
_IN_TAIL = rf"{_LINE}{_W}(?:[ \t]{_W})?[ \t\-]\d{{6}}"
_EU_TAIL = (
    rf"{_LINE}(?:\d{{5}},?[ \t]+{_W}(?:[ \t\-]{_PARTICLE}?{_W})*"
    rf"|\d{{4}}[ \t]?[A-Z]{{2}}(?:{_LINE}{_W}(?:[ \t\-]{_W})*)?)"
)

_EN_STREET = (
    rf"(?:(?:{_UNIT}{_LINE})?(?:H\.No\.[ \t]*)?{_NUM},?[ \t]+(?:{_W}[ \t]+){{0,3}}{_EN_SUFFIX}"
    rf"|{_UNIT}{_LINE}(?:{_W}[ \t]+){{1,3}}{_EN_SUFFIX})"
    rf"(?:[ \t]+(?:NE|NW|SE|SW|N|S|E|W)\b)?"  # "1600 Pennsylvania Avenue NW"
    rf"(?:,?[ \t]+{_UNIT})?"
)
_IN_STREET = rf"(?:H\.No\.[ \t]*)?{_NUM}{_LINE}{_W}(?:[ \t]{_W})?"
# A capitalised word ending in a street word ("Mudeweg", "Melissa-Mohaupt-Platz"), checked by
# a look-behind once the word is read: trying the endings at every letter costs 10x more.
_DE_STREET = (
    rf"(?<![\p{{L}}\-.])(?:\p{{Lu}}\.-)?\p{{Lu}}[\p{{L}}\-]*"
    rf"(?<=(?i:{_alternatives(_DE_NL_SUFFIXES.replace('.', ''))}))\.?"
    rf"[ \t]+\d{{1,4}}[a-z]?(?:[\-/]\d{{1,4}}[a-z]?)?"
)
_FR_STREET_NAME = (
    rf"(?:{_capitalised_or_not(_FR_STREETS)})[ \t]+{_PARTICLE}*{_W}(?:[ \t]{_PARTICLE}*{_W}){{0,3}}"
)
_FR_NUMBERED = rf"\d{{1,4}}(?:[ \t]?(?:bis|ter))?,?[ \t]+{_FR_STREET_NAME}"
# Only with its postcode line may a French street lack its number: "la rue Victor Hugo" is prose.
_FR_STREET = rf"(?:{_FR_NUMBERED}|{_FR_STREET_NAME})"
_ES_IT_STREET = (
    rf"(?:{_alternatives(_ES_IT_STREETS)})[ \t]+{_PARTICLE}*{_W}(?:[ \t]{_PARTICLE}*{_W}){{0,3}}"
    rf",?[ \t]+\d{{1,4}}[A-Za-z]?"
)
_MILITARY = (
    rf"(?:(?:USNS|USNV|USS|USCGC)[ \t]+{_W}|(?:PSC|Unit)[ \t]+\d{{4}},?[ \t]+Box[ \t]+\d{{4}})"
    rf"{_LINE}(?:APO|FPO|DPO)[ \t]+A[AEP][ \t]+\d{{5}}"
)
_PO_BOX = r"\bP\.?[ \t]?O\.?[ \t]+Box[ \t]+\d{1,6}"

STREET_ADDRESS_PATTERNS: tuple[tuple[str, str, float], ...] = (
    # (name, regex, score): the first ones win on equal spans, so full addresses lead.
    (
        "en_street_with_city",
        rf"\b{_EN_STREET}(?:{_US_TAIL}|{_CA_TAIL}|{_AU_TAIL}|{_UK_TAIL}|{_IN_TAIL})",
        0.85,
    ),
    ("in_street_with_city", rf"\b{_IN_STREET}{_IN_TAIL}", 0.8),
    ("eu_street_with_city", rf"(?:{_DE_STREET}|\b{_FR_STREET}|\b{_ES_IT_STREET}){_EU_TAIL}", 0.85),
    ("military", rf"\b{_MILITARY}", 0.85),
    # Any street name counts when a city/state/postcode line that leaves no doubt follows.
    (
        "street_with_city",
        rf"\b{_NUM},?[ \t]+(?:{_W}[ \t]+){{0,3}}{_W}"
        rf"(?:{_US_TAIL}|{_CA_TAIL}|{_AU_TAIL}|{_UK_TAIL})",
        0.8,
    ),
    ("en_street", rf"\b{_EN_STREET}", 0.6),
    ("eu_street", rf"(?:{_DE_STREET}|\b{_FR_NUMBERED}|\b{_ES_IT_STREET})", 0.6),
    ("po_box", _PO_BOX, 0.6),
)
"""Each pattern is compiled without IGNORECASE: capitals carry meaning here."""

_EN_TRIGGERS = frozenset(w.lower() for w in _EN_SUFFIXES.split())
STREET_WORDS: frozenset[str] = _EN_TRIGGERS
"""Lowercased English (and Indian) street suffixes: "street", "ave", "nagar", ..."""
_FR_ES_IT_TRIGGERS = frozenset(
    w.lower().rstrip(".") for w in (_FR_STREETS + " " + _ES_IT_STREETS).split()
)
_OTHER_TRIGGERS = frozenset({"usns", "usnv", "uss", "uscgc", "psc", "apo", "fpo", "dpo", "box"})
_DE_NL_ENDINGS = tuple(w.rstrip(".") for w in _DE_NL_SUFFIXES.split())
# Letters (with apostrophes and hyphens), or a digit run with capitals ("9JA"). Stdlib re: this
# simple pattern runs 3x faster there than in the regex module.
_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['\u2019\-])*|\d[\dA-Z]*")
_UK_INWARD = regex.compile(r"\d[A-Z]{2}")
# How far an address reaches before and after the word or postcode that gives it away.
_REACH_BEFORE = 100
_REACH_AFTER = 110


class StreetAddressFinder:
    """``STREET_ADDRESS_PATTERNS`` compiled once, run only where an address could be.

    Running every pattern over a whole 2 KB prompt costs about 4 ms (the street-word
    alternations are tried at every position); a word-level scan for the words and postcodes
    that every pattern needs ("Street", "rue", "-straße", "12345", "SW1A 1AA"...) finds the
    few regions worth it in about 0.2 ms.
    """

    def __init__(self) -> None:
        self._patterns = tuple(
            (regex.compile(pattern, regex.MULTILINE), score)
            for _, pattern, score in STREET_ADDRESS_PATTERNS
        )

    def find(self, text: str) -> list[tuple[int, int, float]]:
        found: list[tuple[int, int, float]] = []
        for lo, hi in self.regions(text):
            for pattern, score in self._patterns:
                found.extend((m.start(), m.end(), score) for m in pattern.finditer(text, lo, hi))
        return found

    @staticmethod
    def regions(text: str) -> list[tuple[int, int]]:
        regions: list[tuple[int, int]] = []
        for match in _TOKEN.finditer(text):
            if not _is_trigger(text, match.start(), match.group()):
                continue
            lo = max(0, match.start() - _REACH_BEFORE)
            hi = min(len(text), match.end() + _REACH_AFTER)
            if regions and lo <= regions[-1][1]:
                regions[-1] = (regions[-1][0], hi)
            else:
                regions.append((lo, hi))
        return regions


def _is_trigger(text: str, start: int, token: str) -> bool:
    """A word or postcode without which none of the patterns can match here.

    Street words must be capitalised as the patterns want them ("Park", "Weg"), so that "park"
    and "monitoring" in prose do not count; French street words ("rue", "place") count after
    a house number.
    """
    first = token[0]
    if first.isdigit():
        # ZIP, PLZ, code postal (5), Indian PIN (6); "9JA" ends a UK postcode.
        return (token.isdigit() and len(token) in (5, 6)) or _UK_INWARD.fullmatch(token) is not None
    word = token.lower()
    if first.isupper() and (
        word in _EN_TRIGGERS
        or word in _FR_ES_IT_TRIGGERS
        or word in _OTHER_TRIGGERS
        or word.endswith(_DE_NL_ENDINGS)
    ):
        return True
    return word in _FR_ES_IT_TRIGGERS and any(
        ch.isdigit() for ch in text[max(0, start - 8) : start]
    )
