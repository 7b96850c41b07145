"""Street addresses by pattern: the part of ``address`` detection that needs no model.

spaCy's small model finds places (cities, countries) but not "807 Deborah Estate Apt. 573".
These patterns find postal addresses in the order each country writes them:

- number first, street word last (US, UK, Canada, Australia, India, Nigeria, Kenya):
  "350 W 42nd St, Apt 5B, New York, NY 10036";
- street word first, number after (France, Belgium, Switzerland, Spain and Latin America,
  Portugal and Brazil, Italy, Poland, Russia and Ukraine, Indonesia and Malaysia, Israel,
  East Africa): "ul. Floriańska 15/3", "Av. Paulista, 1578", "ул. Арбат, д. 10",
  "Jl. Sudirman No. 45", "Calle 45 # 12-30", or number first ("18, rue Manon Roux");
- street word joined to the name, number after (German, Dutch, Nordic): "Mudeweg 104",
  "Drottninggatan 45", "Nørrebrogade 112, 3. tv"; or a separate word after it ("Berliner
  Straße 5", "Bağdat Cad. No: 112", "Невский пр., д. 88", "Thorvald Meyers gate 40");
- Vietnamese ("Số 12 Ngõ 34 Phố Huế, Phường ..."), Arabic ("شارع ... 14، الطابق 2"), Hebrew,
  Hindi and Indian blocks ending in a PIN ("मकान नं. 18, ..., जयपुर - 302015");
- Japanese (〒, prefecture, chōme and block numbers), Chinese (road and 号) and Korean
  (road-name address, 동/호) without spaces between the parts.

Each may carry units (Apt, lgh, m., кв., piso, bte, D:, 3º B, RT/RW) and a tail of localities
and a postcode line in the country's shape (5 digits, 1234 AB, 00-000, 0000-000, 00000-000,
111 21, UK, Canada, 6-digit PIN and Russian index), on the same line or the next.

A street word without a house number is a place, not an address ("we met on Oxford Street",
"the shop in Königstraße"); street words that also end English words ("Spring", "Firewall",
"Stargate") count only with a postcode line; number-after streets whose word is also English
("Place Order 3 times") need the number to end the phrase.

Written for the ``regex`` module (``\\p{Lu}`` for capitals in any script), which is what
presidio's ``PatternRecognizer`` compiles them with. An English street without its city line
scores lowest: "3 Key Points" has its shape too.
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
Nagar Marg Chowk Ganj Zila Gali Layout Colony Vihar Enclave
"""
# Street words written before the name: "rue", "ul.", "Jl.", "Mtaa wa". Lower case counts too,
# except for _EN_LOOKALIKES. "C/" (calle) is added by hand: its slash is no word character.
_PREFIX_WORDS = """
rue avenue av. boulevard bd bd. bld. bvd. chemin ch. place impasse imp. allée quai route rte
cours square passage voie faubourg fbg sentier promenade rond-point chaussée drève montée
calle avenida avda. paseo pso. plaza pza. camino carrera cra. kra. carretera ctra. ronda
travesía glorieta pasaje callejón calzada jirón jr. transversal diagonal bulevar vía
carrer passeig plaça avinguda rambla travessera
rua travessa largo praça alameda estrada rodovia beco calçada praceta ladeira
via viale piazza piazzale corso vicolo strada contrada borgo salita lungomare lungarno
ulica ul. aleja al. aleje plac pl. osiedle os. rondo skwer
улица ул. проспект просп. пр. пр-т переулок пер. шоссе ш. бульвар б-р набережная наб.
площадь пл. микрорайон мкр. вулиця вул. бул. улице улицу улицы проспекте переулке площади
бульваре набережной вулиці ulicy ulicę alei placu osiedlu
jalan jl. jln. gang gg. lorong perumahan komplek kompleks persiaran lebuh
rehov rechov derech sderot kikar simtat
str. calea aleea șoseaua piața splaiul intrarea nám. náměstí třída tř. trg
heol stryd ffordd lôn rhodfa cilgant teras sgwâr bóthar bothar sráid sraid sràid
"""
# Prefix words that are also English words ("Place Order 3 times", "via Slack 2 days"):
# capitalised only, and the house number must end the phrase.
_EN_LOOKALIKES = frozenset(
    "avenue place route cours square passage voie promenade plaza camino largo strada borgo "
    "via salita diagonal gang boulevard impasse corso piazza ronda rondo alameda".split()
)
# Lower case, these are streets after a house number in French ("12 place Bellecour") or
# after "in" in Italian ("residente in via Manzoni 7").
_FRENCH_LOOKALIKES = "avenue place route cours square passage voie promenade boulevard impasse"
_ITALIAN_LOOKALIKES = frozenset({"via", "corso", "piazza", "largo", "strada"})
_PREFIX_PHRASES = r"Mtaa[ \t]+wa|Barabara[ \t]+ya|Njia[ \t]+ya|[Cc]/"
# Street words joined to the name in German, Dutch and Nordic ("Drottninggatan"); a word that
# is only the street word may follow an adjective ("Berliner Straße", "Neuer Wall").
_COMPOUND_ENDINGS = (
    "straße strasse str. weg platz allee gasse damm ufer chaussee steig pfad stieg zeile gürtel "
    "graben markt brücke straat laan plein gracht kade dijk singel steeg dreef "
    "gatan gata vägen väg torget gränd gade vej vænge stræde plads torv allé "
    "veien vegen gaten vei plass torg katu kuja polku tori kaari"
)
# ... and endings that end English words too ("Spring", "Firewall", "Notepad", "Stargate",
# "Kindergarten"): a street only with its postcode line.
_RISKY_ENDINGS = "ring hof berg kai promenade wall garten pad baan gate plan tie"
# Street words that follow the name as a word of their own: Turkish, Russian, Nordic.
_SUFFIX_WORDS = """
Cad. Caddesi Cd. Sok. Sokak Sokağı Sk. Bulvarı Bulv. Blv. Yolu Çıkmazı Meydanı
пр. ул. пер. ш. б-р наб. пл. просп. пр-т проспект улица переулок шоссе бульвар набережная
gata gatan vägen väg vei veien vegen gaten plass plads vej allé torg
út utca u. tér körút krt. köz sétány iela g. gatvė pr. prospektas tn mnt pst tänav maantee
cesta gøta
"""
_TR_NEIGHBOURHOOD = r"(?:Mah\.|Mahallesi|Mh\.)"
# Units after the house number: "Apt 5B", "lgh 1102", "m. 15", "кв. 45", "bte 4", "D: 5".
_UNIT_WORDS = """
Apt Apartment Appt App Appartement Apto Ap Suite Ste Unit Flat Studio Room Rm Floor Fl Level
Bldg Building Block Blk Blok Bloco Bl Tower Wohnung Whg WE Top Stiege Stg Tür
bus Bus bte Bte boîte Boîte Bât bât Bâtiment étage Étage Esc Escalera esc Piso piso Puerta
puerta Pta pta Depto depto Dpto dpto Departamento departamento Int int Interno interno Scala
scala Sc Piano piano Casa casa Sala sala Andar andar Loja loja Lote lote lgh Lgh m. lok. Lok.
kv кв корп корпус квартира к. стр строение оф офис под подъезд эт этаж Daire daire D: Kat kat
K: Kav Lt Lantai as. As.
Tầng Phòng Plot House Nyumba
"""
_LOCALITY_MARKS = (
    r"Col\.|Colonia|Kel\.|Kelurahan|Kec\.|Kecamatan|Kab\.|Kabupaten|Kota|Bairro|Barrio|Urb\.|"
    r"Fracc\.|Mah\.|Mahallesi|г\.|пос\.|р-н|[Pp]hường|[Qq]uận|[Hh]uyện|[Xx]ã|TP\.|"
    r"Thành[ \t]phố|[Tt]ỉnh|P\.|Q\.|Sector|Phase|Brgy\.|Barangay"
)
# Capitalised words that start the next sentence rather than continue a city's name.
_NOT_CITY = (
    "Please Thanks Thank Can Could Would Will Should Let We I You He She They It The This That "
    "Here There What When Where Why How Who Which Write Translate Summarize Summarise Rewrite "
    "Make Send Call Check Confirm Tell Give Keep Use Is Are Was Were Do Does Did Have Has Had My "
    "Our Your His Her Their And Or But So If Also Note Regards Best Cheers Sincerely Tel Phone "
    "Email Mobile Cell Fax Born Date DOB Ref Order Invoice Hi Hello Dear Merci Danke Bitte "
    "Gracias Obrigado Obrigada Grazie Tack Tak Takk"
)
_PARTICLES = (
    "de du des la le les di da dal dalla dei degli delle del della dello do dos das van von der "
    "den het ten ter te y i e aux au zu zum zur am an es el al bin yr na"
)


def _alternatives(words: str) -> str:
    return "|".join(sorted((regex.escape(w) for w in words.split()), key=len, reverse=True))


def _capitalised_or_not(words: str) -> str:
    """ "rue|Rue|avenue|Avenue..." as a trie: no "RUE" needed, and faster than (?i:...)."""
    return _trie(" ".join(f"{w} {w[0].upper()}{w[1:]}" for w in words.split()))


def _trie(words: str) -> str:
    """An alternation of the words that shares their prefixes ("R(?:ue|ua)|..."): the regex
    module tries a plain alternation's every word at every position, so a few hundred street
    words cost twice as much there."""
    root: dict[str, dict] = {}
    for word in words.split():
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [regex.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        if len(branches) == 1 and "" not in node:
            return branches[0]
        return f"(?:{'|'.join(branches)})" + ("?" if "" in node else "")

    return build(root)


# ---- building blocks --------------------------------------------------------------------
_W = r"\p{Lu}(?:[\p{L}\p{M}'\u2019\-]|\.(?=-))*"  # capitalised: "Saint-Étienne", "O'Neil"
_WL = r"\p{Lu}[\p{Ll}\p{M}](?:[\p{L}\p{M}'\u2019\-])*"  # and not all capitals: "USD", "JULY"
_PARTICLE = rf"(?:(?:{_alternatives(_PARTICLES)})[ \t]|[ldLD]['\u2019])"
_NUM = r"(?<![\d.,/\-])\d{1,6}[A-Za-z]?(?:[/\-]\d{1,5}[A-Za-z]?)?(?!\d)"
# A house number: "12", "12a", "17/4", "45/3/12", "72-41", "12 bis", "s/n".
_HOUSE = (
    r"(?:(?<![\d.,/\-])\d{1,5}(?:[A-Za-z](?!\p{L}))?(?:[ \t\-]?(?:bis|ter|quater|Bis)\b)?"
    r"(?:[/\-](?:\d{1,5}(?:[A-Za-z](?!\p{L}))?|[A-Z](?!\p{L}))){0,3}(?!\d)|[sS]/[nN]\b)"
)
_NUM_MARK = (
    r"(?:No|NO|no|Nr|nr|N[º°o]|n[º°o]|Nro|№|д|дом|Na|Số|số|civico|civ)\.?:?[ \t]*|\#[ \t]*"
    r"|n\.º?[ \t]*"  # Italian "n. 21", Portuguese "n.º 97"
)
# Between address lines: comma, newline or space; a next line with a colon is a label
# ("Tel.: ...", "City/State/ZIP: ...").
# A line break, in text or in HTML ("Rosenweg 12<br>24103 Kiel"); the next line no form's label.
_NEWLINE = r"[ \t]*(?:\n|<[Bb][Rr][ \t]*/?>)[ \t]*(?![^\n:\d]{0,25}:)"
_LINE = rf"(?:,[ \t]*|{_NEWLINE}|[ \t]+)"
_SEP = rf"(?:[ \t]*,[ \t]*|{_NEWLINE}|[ \t]+[\-\u2013][ \t]+)"  # between a tail's parts
_CITY_NEXT = rf"(?!(?:{_alternatives(_NOT_CITY)})\b)"
# A whole word, never cut short by backtracking, nor the letters of a code ("CF" of "CF10 3AT").
_WHOLE = rf"{_W}(?<!-)(?![\p{{L}}\p{{M}}\-\d])"
_CITY = (  # "Frankfurt am Main", "Kadıköy/İstanbul"; not a label ("Tel.:")
    rf"{_WHOLE}(?:(?:[ \t]+{_PARTICLE}*|[ \t]*/[ \t]*){_CITY_NEXT}{_WHOLE}){{0,3}}"
    r"(?![ \t]*\.?:)"
)
_UNIT_ID = r"(?:No\.?[ \t]*|\#[ \t]*)?(?=[\w\-/]*\d|\p{Lu}(?!\w))[\w\-/]{1,8}"
_UNIT = (
    rf"(?:(?:{_trie(' '.join({*_UNIT_WORDS.split(), *_UNIT_WORDS.lower().split()}))})(?!\p{{L}})"
    rf"\.?:?[ \t]*{_UNIT_ID}"
    r"|\d{1,2}(?:\.?[ºª°](?:[ \t]?(?:\d{1,2}[ºª°]|\p{Lu}(?!\p{L})|(?i:esq|dto|dt|dir|izq|izda|dcha"
    r"|der|drcha)\.?|[Aa]ndar|[Pp]iso))?|\.[ \t]?(?:tv|th|mf|sal|OG|og|Stock|Etage|étage)\b\.?"
    r"(?:[ \t](?:links|rechts|Mitte|li\.|re\.))?)"
    r"|st\.[ \t]?(?:tv|th|mf)\b\.?|RT\.?[ \t]*\d{1,3}[ \t]*/[ \t]*RW\.?[ \t]*\d{1,3}"
    r"|e/[ \t]*\w+[ \t]+y[ \t]+\w+)"
)
_UNITS = rf"(?:(?:[ \t]*,[ \t]*|[ \t]+){_UNIT}){{0,3}}"
_STAIR_FLAT = r"(?:[ \t]\p{Lu}[ \t]\d{1,4}(?!\d))?"  # Finnish "14 B 22"
# Postcode then city: DE FR ES IT FI (5), NL (1234 AB), PL (00-000), PT (0000-000),
# SE CZ SK (111 21), AT CH BE DK NO (4), RU IN (6); "D-10115", "CEDEX", "Praha 10", "(MI)".
_PC_FIRST = (
    r"(?:[A-Z]{1,2}-)?(?:\d{4}[ \t]?[A-Z]{2}(?!\p{L})|\d{2}-\d{3}|\d{4}-\d{3}|\d{5}-\d{3}"
    r"|\d{3}[ \t]\d{2}|\d{4,6})(?!\d)"
)
_PC_CITY = (
    rf"{_PC_FIRST}[ \t]+{_CITY}(?:[ \t]+CEDEX(?:[ \t]\d{{1,2}})?)?(?:[ \t]\d{{1,2}}(?![\d.:]))?"
    r"(?:[ \t]*\([A-Z]{2}\))?"
)
# City (or state) then postcode: ID, RU, AR, IL, BR ("São Paulo - SP, 01426-001").
_PC_LAST = (
    r"[A-Z]{2}-\d{4,5}(?!\d)|\d{5}(?:-\d{3,4})?(?!\d)|\d{4}(?!\d)|\d{6,7}(?!\d)"
    r"|[A-Z]\d[A-Z][ \t]?\d[A-Z]\d\b"
    r"|[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}\b"  # the UK's, after a Welsh or Scottish street
)
_LOCALITY = (
    rf"(?:(?:{_LOCALITY_MARKS})[ \t]*(?:{_CITY}|\d{{1,2}}(?!\d))|{_CITY}(?:[ \t]*\({_W}\))?"
    r"|[A-Z]{2}(?![\p{L}\-\d])|RT\.?[ \t]*\d{1,3}[ \t]*/[ \t]*RW\.?[ \t]*\d{1,3})"
)
_TAIL = (
    rf"(?:{_SEP}{_LOCALITY}){{0,4}}"
    rf"(?:(?:{_SEP}|[ \t]+){_PC_CITY}|(?:[ \t]*,[ \t]*|[ \t]+)(?:{_PC_LAST}))?"
)
_RU_LEAD = rf"(?:\d{{6}},[ \t]*(?:(?:г\.|город)[ \t]*)?{_W},[ \t]*)?"  # "119002, г. Москва, "

# ---- English-speaking countries -----------------------------------------------------------
_EN_UNIT = (
    r"(?:[Aa]pt\.?|[Aa]partment|[Ss]uite|Ste\.?|[Uu]nit|[Ff]lat|Studio|[Rr]oom|[Ff]loor|Fl\.|Plot"
    rf"|House|Block|Blk\.?|Shop|Door|Bldg\.?|Building|\#)[ \t]*{_UNIT_ID}"
)
# Capitalised as listed, or lower case for whole words: "Main Street", "Main street", "Main St",
# but not "st" or "is" (the abbreviation of Island), which prose is full of.
_EN_SUFFIX_WORDS = _EN_SUFFIXES + " ".join(w.lower() for w in _EN_SUFFIXES.split() if len(w) > 3)
_EN_SUFFIX = rf"(?:{_alternatives(_EN_SUFFIX_WORDS)})\b\.?"
_EN_NAME_WORD = rf"(?:{_W}|\d{{1,3}}(?:st|nd|rd|th)\b)"  # "Baker", "42nd"
_EN_DIRECTION = r"(?:NE|NW|SE|SW|N|S|E|W)\b"
_NOT_SAINT = r"(?!(?<=\bSt\.?)[ \t]+\p{Lu}\p{Ll})"  # "London St Pancras": Saint, not Street
# "3 Key Points", "5 Easy Ways": headings count things; streets so named carry a city line.
_NOT_HEADING = r"(?<!\bPoints|\bWays|\bViews|\bKeys|\bLights)"

_ABBREVIATED = r"(?:(?:St|Ste|Ft|Mt|Pt)\.[ \t])?"  # "St. Louis", "Ft. Worth"
_US_TAIL = (
    rf"{_LINE}{_ABBREVIATED}(?:{_W}[ \t]){{0,2}}{_W},?[ \t]+[A-Z]{{2}},?[ \t]+\d{{5}}(?:-\d{{4}})?"
)
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?[ \t]?\d[A-Z]{2}"
_UK_TAIL = rf"(?:{_LINE}{_W}(?:[ \t]{_W}){{0,2}}){{0,2}}{_LINE}{_UK_POSTCODE}"
_CA_TAIL = rf"{_LINE}(?:{_W}[ \t]){{0,2}}{_W},?[ \t]+[A-Z]{{2}},?[ \t]+[A-Z]\d[A-Z][ \t]?\d[A-Z]\d"
_AU_TAIL = rf"{_LINE}(?:{_W}[ \t]){{0,2}}{_W},?[ \t]+[A-Z]{{2,3}},?[ \t]+\d{{4}}"
_IN_TAIL = rf"{_LINE}{_W}(?:[ \t]{_W}){{0,2}}(?:[ \t\-]|[ \t]+[\-\u2013][ \t]+)\d{{6}}(?!\d)"
_EN_CITY_TAILS = rf"(?:{_US_TAIL}|{_CA_TAIL}|{_AU_TAIL}|{_UK_TAIL}|{_IN_TAIL})"


def _en_street(guard: str, before_number: str = "") -> str:
    return (
        rf"(?:(?:{_EN_UNIT}{_LINE}){{0,2}}(?:H\.No\.[ \t]*)?{before_number}{_NUM},?[ \t]+"
        rf"(?:{_EN_DIRECTION}[ \t]+)?(?:{_EN_NAME_WORD}[ \t]+){{1,3}}{_EN_SUFFIX}"
        rf"|(?:{_EN_UNIT}{_LINE}){{1,3}}(?:{_W}[ \t]+){{1,3}}{_EN_SUFFIX}"
        rf"|{_EN_UNIT}{_LINE}(?:Road|Rd\.?|Street|Lane|Avenue|Ave\.?|Sector)[ \t]*(?:No\.?[ \t]*)?"
        r"\d{1,4}[A-Z]?(?!\d))"
        rf"{guard}"
        rf"(?:[ \t]+(?:NE|NW|SE|SW|N|S|E|W)\b|[ \t]\d{{1,2}}(?=,))?"  # "Avenue NW", "Ave 6,"
        rf"(?:,?[ \t]+{_EN_UNIT})?"
    )


_IN_STREET = rf"(?:H\.No\.[ \t]*)?{_NUM}{_LINE}{_WL}(?:[ \t]{_WL})?"
# Indian blocks that end in a PIN: "Flat No. 302, Shanti Apartments, Sector 21, Noida - 201301",
# "मकान नं. 18, गांधी नगर, जयपुर - 302015" (Devanagari has no capitals).
_DEVANAGARI = r"[\u0900-\u0963\u0970-\u097F]+"
_IN_NO = r"(?:नं\.?|नंबर|No\.?|Number)"
_IN_WORD = rf"(?:{_DEVANAGARI}|{_WL}|\d{{1,4}}(?:st|nd|rd|th)?(?!\d))"
_IN_PART = rf"(?:{_DEVANAGARI}|{_WL})(?:[ \t]+(?:{_IN_NO}[ \t]*)?{_IN_WORD}){{0,3}}"
_IN_BLOCK = (
    r"(?<![\p{L}\d])(?:(?:मकान|फ्लैट|प्लॉट|हाउस|दुकान|Flat|House|H\.|Plot|Door|Shop|Office|Qtr\.?)"
    rf"[ \t]*{_IN_NO}?[ \t]*)?(?:[A-Z][ \t]?-[ \t]?\d{{1,5}}(?!\d)|{_HOUSE})"  # "B-204"
    rf"(?:,[ \t]*{_IN_PART}){{1,5}}(?:[ \t]*[\-\u2013][ \t]*|,?[ \t]+)\d{{6}}(?!\d)"
)

# ---- street word first, number after (or number first) ----------------------------------
_PREFIX_LOWER = " ".join(w for w in _PREFIX_WORDS.split() if w.rstrip(".") not in _EN_LOOKALIKES)
_PREFIX_ANY = rf"(?:{_capitalised_or_not(_PREFIX_LOWER)}|{_PREFIX_PHRASES})"
_PREFIX_CAPITAL = rf"(?:{_alternatives(' '.join(w.capitalize() for w in _EN_LOOKALIKES))})"
# "et al. 2019", "Martin Luther King Jr. Day 2025": not streets.
_PREFIX_START = r"(?<![\p{L}\d])(?<!\bet[ \t])(?!Jr\.(?<=\p{Lu}\p{L}*[ \t]Jr\.))"
_NAME_WORD = rf"(?:{_W}|\d{{1,2}}(?=[ \t]+{_PARTICLE}*\p{{Lu}}))"  # "6 de Agosto", "3 Maja"
_STREET_NAME = rf"{_PARTICLE}*{_NAME_WORD}(?:[ \t]+{_PARTICLE}*{_NAME_WORD}){{0,4}}"
_AFTER_NAME = r"(?:[ \t]+(?:Blok|Block|Kav\.)[ \t]*\p{Lu}?\d{0,3}\p{Lu}?)?"  # "Blok B4"
_UNIT_HEAD = (
    r"(?:Nyumba|Plot|House|Flat|Block|Apt\.?|Apartment|Suite|Unit)[ \t]*"
    r"(?:No\.?|Na\.?|Number|Namba|\#)?[ \t]*"
)
_NUMBER_AFTER = rf"(?:(?:,[ \t]*|[ \t]+)(?:{_NUM_MARK})?{_HOUSE}|,[ \t]*{_UNIT_HEAD}{_HOUSE})"
_NUMBERED_NAME = (  # Colombia, Cuba: "Calle 45 # 12-30", "Calle 23 No. 412"
    r"\d{1,3}\p{Lu}?(?:[ \t]?(?:[Bb]is|Sur|Norte|Este|Oeste|Sud))?[ \t]+"
    r"(?:\#|No\.?|N[º°o]\.?|Nro\.?)[ \t]*\d{1,4}\p{Lu}?(?:[ \t]*-[ \t]*\d{1,4})?(?!\d)"
)
_NUMBER_ENDS = r"(?![ \t]+\p{Ll}{2})"  # "Place Order 3 times": the number must end the phrase
_PREFIX_STREET = (
    rf"(?<![\p{{L}}\d]){_RU_LEAD}{_PREFIX_START}(?:"
    rf"{_PREFIX_ANY}[ \t]+(?:{_NUMBERED_NAME}|{_STREET_NAME}{_AFTER_NAME}{_NUMBER_AFTER}){_UNITS}"
    rf"|{_PREFIX_CAPITAL}[ \t]+(?:{_NUMBERED_NAME}|{_STREET_NAME}{_NUMBER_AFTER}){_UNITS}"
    rf"{_NUMBER_ENDS}"
    rf"|(?<=\bin[ \t])(?:{_alternatives(' '.join(_ITALIAN_LOOKALIKES))})[ \t]+{_STREET_NAME}"
    rf"{_NUMBER_AFTER}{_UNITS})"
)
_LOWER_LOOKALIKES = _alternatives(_FRENCH_LOOKALIKES)
# "12 place Bellecour" (French), but "3 Place Holders" is English, found by the English patterns
# when it is a street.
_NUMBER_FIRST = (  # "18, rue Manon Roux", "12 bis avenue des Lilas", "No. 5, Jalan Ampang"
    rf"(?:(?:No|Nº|N°)\.?[ \t]*)?{_HOUSE},?[ \t]+(?:{_PREFIX_ANY}|{_LOWER_LOOKALIKES})[ \t]+"
    rf"{_STREET_NAME}{_UNITS}"
)
# Only with its postcode line may a street lack its number: "la rue Victor Hugo" is prose.
_PC_STRICT = r"(?:\d{5}|\d{4}[ \t]?[A-Z]{2}(?!\p{L})|\d{2}-\d{3}|\d{4}-\d{3}|\d{3}[ \t]\d{2})(?!\d)"
_PREFIX_NO_NUMBER = (
    rf"(?<![\p{{L}}\d]){_PREFIX_START}(?:{_PREFIX_ANY}|{_PREFIX_CAPITAL}|{_LOWER_LOOKALIKES})"
    rf"[ \t]+{_STREET_NAME}"
    rf"{_SEP}{_PC_STRICT}[ \t]+{_CITY}"
)
_UNIT_FIRST = rf"{_UNIT_HEAD}{_HOUSE}{_SEP}{_PREFIX_ANY}[ \t]+{_STREET_NAME}"  # "Nyumba Na. 9, ..."
# Hebrew script: "רחוב הרצל 15, חיפה".
_HEBREW_WORD = r"[\u05D0-\u05EA][\u05D0-\u05EA'\"\u05F3\u05F4\-]*"
_HEBREW = (
    r"(?:רחוב|רח['\u05F3]|שדרות|שד['\u05F3]|דרך|סמטת|כיכר)"
    rf"[ \t]+{_HEBREW_WORD}(?:[ \t]+{_HEBREW_WORD}){{0,3}}[ \t]+{_HOUSE}"
    rf"(?:[ \t]*,[ \t]*{_HEBREW_WORD}(?:[ \t]+{_HEBREW_WORD}){{0,2}}){{0,2}}(?:[ \t]+\d{{7}})?"
)

# ---- street word joined to the name, or after it ----------------------------------------
_DE_PREPOSITION = (
    r"(?:(?:Am|Im|Zum|Zur|Beim|An[ \t]der|An[ \t]den|In[ \t]der|In[ \t]den|Auf[ \t]der"
    r"|Auf[ \t]dem|Unter[ \t]den|Hinter[ \t]der|Vor[ \t]dem|[Vv]an(?:[ \t]de[rn]?)?)[ \t]+)"
)
# Before a bare street word: "Berliner Straße", "Grote Markt"; before any: "Witte de Withstraat".
_ADJECTIVE = r"\p{Lu}\p{Ll}+(?:er|e|es|en|s)"
_DUTCH_LEAD = r"(?:\p{Lu}\p{Ll}+[ \t]+(?:van[ \t]de[rn]?|van|de|der|den|ten|ter)[ \t]+)"
# "auf Platz 3", "die Brücke 3 Mal": a bare street word is a street only after a preposition
# or an adjective ("Am Markt 3", "Berliner Straße 5", "Neuer Wall 10"), never an article.
_ARTICLE = (
    r"(?!(?:Die|Der|Das|Den|Dem|Des|Eine|Einen|Einer|Diese|Dieser|Jede|Jeder|Meine|Seine|Keine"
    r"|Alle|Beide|De|Het|Een|The|These|Those|Une|Las|Los|Les)\b)"
)


def _compound(endings: str) -> str:
    """A word ending in one of ``endings`` and its house number, checked by a look-behind once
    the word is read: trying the endings at every letter costs 10x more."""
    ending = _alternatives(endings.replace(".", ""))
    bare = _alternatives(endings.title())
    return (
        rf"(?<![\p{{L}}\-.])(?:(?:{_DE_PREPOSITION}|{_ARTICLE}{_ADJECTIVE}[ \t]+){{1,2}}(?:{bare})"
        rf"|(?:{_DE_PREPOSITION}|{_DUTCH_LEAD})?(?:\p{{Lu}}\.-)?\p{{Lu}}[\p{{L}}\-]*"
        rf"(?<=[\p{{L}}\-](?i:{ending})))(?!\p{{L}})\.?"
        rf"[ \t]+\d{{1,4}}(?:[A-Za-z](?!\p{{L}}))?"
        r"(?:[\-/](?:\d{1,4}[a-z]?|[IVX]{1,4}|hs|H)(?!\p{L})){0,3}(?![\d.,]\d|\d)"
        rf"{_STAIR_FLAT}"
    )


def _suffix_street(words: str) -> str:
    return (
        rf"{_RU_LEAD}(?<![\p{{L}}\d])(?:{_W}(?:[ \t]{_W}){{0,2}}[ \t]+{_TR_NEIGHBOURHOOD}[ \t]+)?"
        rf"(?:{_W}|\d{{1,5}}\.?)(?:[ \t]+{_W}){{0,2}}[ \t]+"
        rf"(?:{_alternatives(words)})(?!\p{{L}}),?[ \t]+(?:{_NUM_MARK})?{_HOUSE}{_UNITS}"
    )


# No street word, but a name, a number and a postcode line that leaves no doubt:
# "Vinohradská 1511/230, 100 00 Praha 10", "Marszałkowska 84/92, 00-514 Warszawa".
_ENUMERATIONS = (  # "Chapter 2, 12000 Words", "Step 3 Main Street": things numbered
    "Version Chapter Level Season Episode Page Step Figure Table Windows Room Phase Part Section "
    "Item Issue Build Release Day Week Month Year Order Case Ticket Line Row Column Slide Lesson "
    "Module Task Round Stage Game Vol Volume No Number Batch Test Run Job Node Worker Server "
    "Invoice Model Account Customer Reference Report Quarter Grade Class Terminal Platform Seat "
    "Gate Track Flight Bus Train Route Sprint Epoch Iteration Patient Sample Product Serial "
    "Edition Licence License Plan Tier January February March April May June July August "
    "September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec"
)
_COUNTED = (  # "Invoice 2024, 12345 Euros": quantities, not cities
    "Euros Dollars Users Miles Words Points Items Views Downloads Records Rows Bytes Units Pages "
    "Hours Days Years Times Steps Votes Likes Followers Copies Pieces Tickets Orders Customers "
    "Employees People Visitors Students Members Files Lines Requests Events"
)
_NOT_COUNTED = rf"(?=\d)(?<!\b(?:{_alternatives(_ENUMERATIONS)})[ \t])"
_NAMED_WITH_POSTCODE = (
    rf"(?<![\p{{L}}\d])(?!(?:{_alternatives(_ENUMERATIONS)})\b)(?:{_WL}[ \t]+){{0,2}}{_WL}[ \t]+"
    rf"{_HOUSE}{_UNITS}{_SEP}"
    r"(?:\d{2}-\d{3}|\d{4}-\d{3}|\d{5}-\d{3}|\d{3}[ \t]\d{2}|\d{4}[ \t]?[A-Z]{2}(?!\p{L})|\d{5}"
    # Four digits (NO, DK, AT, CH, BE, SI, HU, AU): never a year's ("Edition 3, 2019 Reprint").
    r"|(?!19\d\d|20\d\d)\d{4})"
    rf"(?!\d)[ \t]+(?!(?:{_alternatives(_COUNTED)})\b){_CITY}(?:[ \t]\d{{1,2}}(?![\d.:]))?"
)

# ---- Vietnamese ----------------------------------------------------------------------------
_VI_LANE = r"(?:[Nn]gõ|[Nn]gách|[Hh]ẻm|[Kk]iệt)"
_VI_ROAD = r"(?:[Đđ]ường|[Pp]hố)"
_VI_NAME = rf"{_W}(?:[ \t]{_W}){{0,4}}"
_VIETNAMESE = (  # "Số 3 Bộ Tài chính" is a document's number: a lane, road or ward must follow
    rf"(?:(?:[Ss]ố[ \t]+)?{_HOUSE},?[ \t]+"
    rf"(?:(?:{_VI_LANE}[ \t]+{_HOUSE},?[ \t]+)+(?:{_VI_ROAD}[ \t]+)?|{_VI_ROAD}[ \t]+){_VI_NAME}"
    rf"|(?:[Ss]ố[ \t]+)?{_HOUSE},?[ \t]+{_VI_NAME}"
    rf"(?=,[ \t]*(?:[Pp]hường|[Xx]ã|[Tt]hị[ \t]trấn)[ \t]))"
)

# ---- Arabic --------------------------------------------------------------------------------
_AR_WORD = r"[\u0621-\u064A\u066E\u066F\u0671-\u06D3\u06FA-\u06FC][\u0621-\u065F\u0670-\u06D3]*"
_AR_NUM = r"\d{1,5}(?:[\u0621-\u064A](?![\u0621-\u064A]))?(?:/\d{1,4})?(?!\d)"  # "23ب"
_AR_SEP = r"[ \t]*[\u060C,][ \t]*"
_AR_STREET = r"(?:شارع|زنقة|نهج|طريق|درب|جادة|ممر)"
_AR_UNIT = r"(?:مبنى|المبنى|عمارة|العمارة|بناية|البناية|شقة|الشقة|الطابق|طابق|رقم|فيلا|منزل|مكتب)"
_AR_NAME = rf"{_AR_WORD}(?:[ \t]+{_AR_WORD}){{0,3}}"
_AR_NUMBERED = rf"{_AR_UNIT}(?:[ \t]+رقم)?[ \t]+{_AR_NUM}"  # "مبنى رقم 3318"
_AR_PART = rf"(?:{_AR_NUMBERED}|{_AR_NAME}(?:[ \t]+{_AR_NUM})?)"
_AR_PARTS = rf"(?:{_AR_SEP}{_AR_PART}){{0,5}}"
# A building, villa, plot or PO box first: "فيلا 14، شارع 23ب، حي الصفا 2، دبي",
# "بناية الأرز، الطابق الرابع، شارع الحمرا، ...", "ص.ب. 1452، الرمز البريدي 112، روي، مسقط".
_AR_LEAD = r"(?:مبنى|عمارة|بناية|فيلا|منزل|قطعة|بلوك|مجمع)"
_ARABIC = (
    rf"(?:{_AR_LEAD}[ \t]+(?:{_AR_NUM}|{_AR_NAME})(?:{_AR_SEP}{_AR_PART}){{0,2}}{_AR_SEP}"
    rf"(?:{_AR_STREET}|حي)[ \t]+(?:{_AR_NUM}|{_AR_NAME}(?:[ \t]+{_AR_NUM})?){_AR_PARTS}"
    rf"|ص\.[ \t]?ب\.?[ \t]*{_AR_NUM}(?:{_AR_SEP}{_AR_PART}){{1,4}}"
    rf"|{_AR_NUM}[ \t]+{_AR_STREET}[ \t]+{_AR_NAME}{_AR_PARTS}"
    rf"|{_AR_STREET}[ \t]+{_AR_NAME}[ \t]+{_AR_NUM}{_AR_PARTS}"
    rf"|(?:{_AR_STREET}|حي)[ \t]+(?:{_AR_NUM}[ \t]+)?{_AR_NAME}(?:{_AR_SEP}{_AR_NAME}){{0,2}}"
    rf"{_AR_SEP}{_AR_NUMBERED}{_AR_PARTS})"
)

# ---- Japanese, Chinese, Korean -------------------------------------------------------------
_JA_PREFECTURE = r"(?:東京都|北海道|(?:京都|大阪)府|\p{Han}{2,3}県)"
# Place names hold の and が ("丸の内", "霞が関"); は, を, に, で... end them.
_JA_CHAR = r"(?:(?![はをにでともへやかけ])[\p{Han}\p{Katakana}\p{Hiragana}ー々ヶ])"
_JA_BLOCK = r"(?:丁目|条|番地|番|号)[東西南北]?(?:\d{1,4})?|[\-－‐−]\d{1,4}"
_JA_BLOCKS = (  # "1-9-2", "北8条西5丁目2-4", "一丁目9番2号"; not "1400万"
    rf"(?:\d{{1,4}}|[一二三四五六七八九十]{{1,3}}(?=丁目))(?:{_JA_BLOCK})+"
)
_JA_BUILDING = (
    r"(?:[ \t\u3000]*(?:[\p{Katakana}\p{Han}A-Za-zー・]{1,20}[ \t]?)?\d{1,4}(?:号室|号)?)?"
)
_JA_POSTCODE = r"〒[ \t]?\d{3}-\d{4}[ \t\u3000]*"
_JAPANESE = (
    rf"(?:{_JA_POSTCODE})?{_JA_PREFECTURE}{_JA_CHAR}{{1,20}}?{_JA_BLOCKS}{_JA_BUILDING}"
    rf"|{_JA_POSTCODE}{_JA_CHAR}{{1,25}}?{_JA_BLOCKS}{_JA_BUILDING}"
)
_ZH_CHAR = r"(?:(?![为是在至到址的和于往从寄送及请住我您你他她它们了吗呢吧把给])\p{Han})"
_ZH_BUILDING_PART = (
    rf"(?:{_ZH_CHAR}|[A-Za-z]){{0,12}}?(?:\d{{1,5}}|[A-Z])"
    r"(?:号楼|號樓|栋|棟|幢|座|单元|單元|楼|樓|层|層|室|号|號|F)"
    r"|(?<=[栋棟幢座单元單元楼樓层層])\d{1,5}"  # "2栋903", "A座1201"
)
_ZH_NUMBER = (
    r"(?:大道|大街|路|街|道|巷|胡同)(?:[一二三四五六七八九十]{1,3}段)?"
    r"(?:\d{1,4}[巷弄])*\d{1,5}(?:[\-之]\d{1,4})?[号號]"
)
# One lazy run of characters up to the road word, never nested repeats: "市区市区..." would
# otherwise take the regex engine minutes to give up on.
_CHINESE = (  # "知道3号", "频道3号": words ending in 道 are no road without a city or a room
    rf"(?={_ZH_CHAR}{{0,20}}?(?:省|自治区|市|区|區|县|縣|镇|鎮|乡|鄉)){_ZH_CHAR}{{1,30}}?{_ZH_NUMBER}"
    rf"(?:{_ZH_BUILDING_PART}){{0,3}}|{_ZH_CHAR}{{1,12}}?{_ZH_NUMBER}(?:{_ZH_BUILDING_PART}){{1,3}}"
)
_KO_REGION = r"(?:\p{Hangul}{2,}(?:특별시|광역시|특별자치시|특별자치도|도|시)[ \t]+)"
_KO_DISTRICT = r"(?:\p{Hangul}+(?:시|군|구)[ \t]+)"
_KO_ROAD = (
    r"[\p{Hangul}\d]*\p{Hangul}(?:로|길)(?:[ \t]?\d{1,3}(?:번?길))?[ \t]+\d{1,4}(?:-\d{1,4})?"
    r"(?![\d번개회시분명일월년주차])"
)
_KO_UNIT = r"(?:[ \t]*,?[ \t]*(?:\d{1,4}동[ \t]*)?\d{1,5}호)"
_KOREAN = (  # a district before the road, or a unit after it: "...로" is also "by, to"
    rf"(?<!\p{{Hangul}})(?:{_KO_REGION}?{_KO_DISTRICT}{{1,3}}{_KO_ROAD}"
    rf"(?:{_KO_UNIT}|[ \t]*,[ \t]*\d{{1,4}}동)?|{_KO_REGION}?{_KO_ROAD}{_KO_UNIT})"
)

_MILITARY = (
    rf"(?:(?:USNS|USNV|USS|USCGC)[ \t]+{_W}|(?:PSC|Unit)[ \t]+\d{{4}},?[ \t]+Box[ \t]+\d{{4}})"
    rf"{_LINE}(?:APO|FPO|DPO)[ \t]+A[AEP][ \t]+\d{{5}}"
)
_PO_BOX = r"\bP\.?[ \t]?O\.?[ \t]+Box[ \t]+\d{1,6}"
# Numbered streets and zones (Gulf states, Egypt, Cambodia): "Villa 22, Street 870, Zone 66,
# Al Waab, Doha"; a building first, so that "Street 15" alone in prose is no address.
_NUMBERED_STREET = (
    r"(?<![\p{L}\d])(?:Villa|Building|Bldg\.?|Flat|Apartment|Apt\.?|House|Plot|Office|Shop|Unit)"
    rf"[ \t]+\d{{1,5}}[A-Z]?{_SEP}(?:Street|St\.?|Road|Rd\.?|Way)[ \t]+\d{{1,4}}[A-Z]?"
    rf"(?:{_SEP}(?:Zone|Block|Sector|Area)[ \t]+\d{{1,4}})?"
    rf"(?:{_SEP}{_WL}(?:[ \t](?:{_WL}|\d{{1,2}}(?!\d)))*){{0,3}}"
)

# Which trigger words a pattern needs (see ``_trigger``): a region runs only the patterns whose
# family one of its trigger words or postcodes belongs to.
_EN, _PREFIX, _COMPOUND, _RISKY, _SUFFIX, _POSTCODE, _PIN, _VI, _AR, _HE, _CJK = (
    1 << i for i in range(11)
)

_US_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP AA AE AP"
)
_US_CITY_LINE = (  # "San Francisco, CA 94110" on a line of its own, after the street line
    rf"(?<![\p{{L}}\d])(?:{_W}[ \t]){{0,2}}{_W},[ \t]*(?:{_alternatives(_US_STATES)})[ \t]+"
    r"\d{5}(?:-\d{4})?(?!\d)"
)

_PATTERNS: tuple[tuple[str, str, float, int], ...] = (
    # (name, regex, score, families): the first ones win on equal spans, so full addresses
    # lead. A street word and a house number score as much as a name found by the model
    # (0.85), and more than the name lexicon: streets are named after people ("Rua Oscar
    # Freire, 900", "boulevard Maurice Petitjean"), and on a tie the longer finding wins.
    ("en_street_with_city", rf"\b{_en_street('')}{_EN_CITY_TAILS}", 0.85, _EN),
    ("in_street_with_city", rf"\b{_IN_STREET}{_IN_TAIL}", 0.8, _PIN),
    ("in_block", _IN_BLOCK, 0.85, _PIN),
    ("prefix_street", rf"{_PREFIX_STREET}{_TAIL}", 0.85, _PREFIX),
    ("number_first_street", rf"\b{_NUMBER_FIRST}{_TAIL}", 0.85, _PREFIX),
    ("prefix_street_with_postcode", _PREFIX_NO_NUMBER, 0.85, _PREFIX),
    ("unit_first_street", rf"\b{_UNIT_FIRST}{_TAIL}", 0.85, _PREFIX),
    ("compound_street", rf"{_compound(_COMPOUND_ENDINGS)}{_UNITS}{_TAIL}", 0.85, _COMPOUND),
    (
        "compound_street_with_postcode",
        rf"{_compound(_RISKY_ENDINGS)}{_UNITS}{_LINE}{_PC_CITY}",
        0.85,
        _RISKY,
    ),
    ("suffix_street", rf"{_suffix_street(_SUFFIX_WORDS)}{_TAIL}", 0.85, _SUFFIX),
    # Norwegian "gate" is English too ("Heathrow gate 22").
    ("suffix_street_with_postcode", rf"{_suffix_street('gate')}{_SEP}{_PC_CITY}", 0.85, _SUFFIX),
    ("named_with_postcode", _NAMED_WITH_POSTCODE, 0.8, _POSTCODE),
    ("vietnamese", rf"(?<![\p{{L}}\d]){_VIETNAMESE}{_TAIL}", 0.85, _VI),
    ("arabic", _ARABIC, 0.85, _AR),
    ("hebrew", _HEBREW, 0.85, _HE),
    ("japanese", _JAPANESE, 0.85, _CJK),
    ("chinese", _CHINESE, 0.85, _CJK),
    ("korean", _KOREAN, 0.85, _CJK),
    ("military", rf"\b{_MILITARY}", 0.85, _EN),
    # Any street name counts when a city/state/postcode line that leaves no doubt follows.
    (
        "street_with_city",
        rf"\b{_NUM},?[ \t]+(?:{_W}[ \t]+){{0,3}}{_W}"
        rf"(?:{_US_TAIL}|{_CA_TAIL}|{_AU_TAIL}|{_UK_TAIL})",
        0.8,
        _POSTCODE,
    ),
    ("en_street", rf"\b{_en_street(_NOT_SAINT + _NOT_HEADING, _NOT_COUNTED)}{_TAIL}", 0.6, _EN),
    ("us_city_line", _US_CITY_LINE, 0.6, _POSTCODE),
    ("po_box", _PO_BOX, 0.6, _EN),
    ("numbered_street", _NUMBERED_STREET, 0.85, _EN),
)

# What may stand before a street, each part with a comma after it: a unit ("Flat 9", "Bât. C",
# "Tầng 8", Glasgow's "3/2") or a building's name ("Harbour House").
_BUILDING_WORDS = (
    "House Court Tower Towers Building Residence Résidence Residencia Apartments Mansions "
    "Plaza Centre Center Heights Lodge Chambers"
)
_LEADING_PARTS = regex.compile(
    rf"(?:(?<![\p{{L}}\d/.\-])(?:{_UNIT}|{_EN_UNIT}|\d{{1,2}}/\d{{1,2}}(?![\d/])"
    rf"|(?:{_W}[ \t]){{1,3}}(?:{_alternatives(_BUILDING_WORDS)}))[ \t]*,[ \t]*)+\Z"
)
_LEADING_REACH = 80

STREET_ADDRESS_PATTERNS: tuple[tuple[str, str, float], ...] = tuple(
    (name, pattern, score) for name, pattern, score, _ in _PATTERNS
)
"""(name, regex, score). Each pattern is compiled without IGNORECASE: capitals carry meaning."""

_EN_TRIGGERS = frozenset(w.lower() for w in _EN_SUFFIXES.split())
STREET_WORDS: frozenset[str] = _EN_TRIGGERS
"""Lowercased English (and Indian) street suffixes: "street", "ave", "nagar", ..."""


def _flags(*families: tuple[int, str]) -> dict[str, int]:
    """Lowercased word (without its dot) -> the families it triggers."""
    flags: dict[str, int] = {}
    for family, words in families:
        for word in words.split():
            key = word.lower().rstrip(".:")
            flags[key] = flags.get(key, 0) | family
    return flags


# Words that give a family away in any case ("rue", "ul.", "Jl.", "Cad.", "ул.", "Phường"), and
# capitalised ones: English street suffixes, and prefixes that are English words ("Place").
_ANY_CASE_TRIGGERS = _flags(
    (_PREFIX, _PREFIX_LOWER + " Mtaa Barabara Njia Nyumba c"),
    (_SUFFIX, _SUFFIX_WORDS + " Mah Mahallesi Mh gate"),
    (_VI, "số ngõ ngách hẻm kiệt đường phố phường quận xã trấn"),
    (_AR, "شارع زنقة نهج طريق درب جادة ممر حي مبنى عمارة بناية فيلا منزل قطعة بلوك مجمع ص"),
    (_HE, "רחוב רח שדרות שד דרך סמטת כיכר"),
    (_EN, "USNS USNV USS USCGC PSC APO FPO DPO Box"),
)
_CAPITALISED_TRIGGERS = {
    **{w: _EN for w in _EN_TRIGGERS},
    **{w: _EN | _PREFIX for w in _EN_LOOKALIKES & _EN_TRIGGERS},
    **{w: _PREFIX for w in _EN_LOOKALIKES - _EN_TRIGGERS},
}
_LOWER_TRIGGERS = frozenset(w for w in (*_ANY_CASE_TRIGGERS, *_EN_LOOKALIKES) if "a" <= w[0] <= "z")
_SAFE_SUFFIXES = tuple(w.rstrip(".") for w in _COMPOUND_ENDINGS.split())
_RISKY_SUFFIXES = tuple(_RISKY_ENDINGS.split())
# Japanese, Chinese and Korean write an address without spaces: one of these characters in a
# run of them gives it away ("路", "号", "丁目", "〒", "県").
_CJK_MARKS = frozenset("路街道巷弄号號丁番〒都府県市区區")
# Words that may trigger (letters with apostrophes and hyphens) in two kinds: those that start
# with a capital or a letter outside ASCII ("Street", "ул", "đường", "東京都"), with digit runs
# ("10115", "9JA") and 〒, which are few enough in prose to check one by one; and lower-case
# ASCII-initial ones ("rue", "ul", "vägen"), of which only the street words are looked at.
# Stdlib re: these simple patterns run 3x faster there than in the regex module.
_TOKEN = re.compile(
    r"[^\W\d_a-z][^\W\d_]*|〒"
    r"|\d(?<![\dA-Z]\d)(?:\d{4,6}|\d{1,3}(?=-\d{3}(?!\d)| \d{2}(?!\d)| ?[A-Z]{2}\b)|[A-Z]{2})"
    r"(?![\dA-Z])"
    # A four-digit postcode after a comma or at a line's start, before a capitalised city.
    r"|(?:(?<=, )|(?<=,)|(?<=\n))\d{4}(?= [^\W\d_a-z])"
)
_LOWER_TOKEN = re.compile(r"\b[a-z][^\W\d_]*")
_WORD_END = re.compile(r"\w*[ \t]*:?")
_FIVE_DIGITS = re.compile(r"(?<!\d)\d{5}(?!\d)")
# How far an address of each family reaches before and after the word or postcode that gives
# it away: a prefix word starts its address, a postcode ends it.
_REACH = {
    _EN: (100, 110),  # "Apt 5, Building 3, 1088 Century | Avenue, ..."
    _PREFIX: (40, 110),  # "119002, г. Москва, | ул. Арбат, д. 10, кв. 3, ..."
    _COMPOUND: (30, 110),  # "An der Alten | Mühlstraße 5, ..."
    _RISKY: (30, 110),
    _SUFFIX: (80, 110),  # "Mimar Sinan Mah. Atatürk | Cad. No: 14/6, ..."
    _POSTCODE: (110, 60),  # "... street line ..., | 10115 Berlin"
    _PIN: (110, 10),
    _VI: (60, 110),  # "112 Nguyễn Văn Cừ, | Phường An Hòa, ..."
    _AR: (40, 110),
    _HE: (10, 80),
    _CJK: (40, 60),
}


class StreetAddressFinder:
    """``STREET_ADDRESS_PATTERNS`` compiled once, run only where an address could be.

    Running every pattern over a whole 2 KB prompt costs several ms (the street-word
    alternations are tried at every position); a word-level scan for the words and postcodes
    that the patterns need ("Street", "rue", "ul.", "-straße", "路", "12345", "00-514",
    "SW1A 1AA"...) finds the few regions worth it, and which patterns each needs, in about
    0.2 ms.
    """

    def __init__(self) -> None:
        compiled: dict[int, list[tuple[regex.Pattern[str], float]]] = {}
        for _, pattern, score, family in _PATTERNS:
            compiled.setdefault(family, []).append((regex.compile(pattern, regex.MULTILINE), score))
        self._families = compiled

    def find(self, text: str) -> list[tuple[int, int, float]]:
        found: list[tuple[int, int, float]] = []
        for family, regions in self.regions(text).items():
            for pattern, score in self._families[family]:
                for lo, hi in regions:
                    found.extend(
                        (with_leading_parts(text, m.start()), m.end(), score)
                        for m in pattern.finditer(text, lo, hi)
                    )
        return found

    @staticmethod
    def regions(text: str) -> dict[int, list[tuple[int, int]]]:
        """For each family of patterns, the stretches of text worth running them on."""
        regions: dict[int, list[tuple[int, int]]] = {}
        for match in _trigger_words(text):
            families = _trigger(text, match.start(), match.end(), match.group())
            while families:
                family = families & -families  # the lowest bit
                families ^= family
                before, after = _REACH[family]
                lo = max(0, match.start() - before)
                # Not inside a word: "Kisumu\nSimu:" must not end as "Kisumu\nSim".
                hi = _WORD_END.match(text, min(len(text), match.end() + after)).end()
                spans = regions.setdefault(family, [])
                if spans and lo <= spans[-1][1]:
                    spans[-1] = (spans[-1][0], hi)
                else:
                    spans.append((lo, hi))
        return regions


def with_leading_parts(text: str, start: int) -> int:
    """Where an address found at ``start`` begins with the unit or building before its street
    ("Flat 9, Harbour House, 14 Dock Road")."""
    if start < 3 or text[start - 2 : start].strip() not in (",", ""):
        return start  # most addresses: no comma right before them
    lo = max(0, start - _LEADING_REACH)
    leading = _LEADING_PARTS.search(text, lo, start)
    return leading.start() if leading is not None else start


def _trigger_words(text: str) -> list[re.Match[str]]:
    """The words and digit runs that may give an address away, in the order of the text."""
    words = list(_TOKEN.finditer(text))
    lower = _LOWER_TRIGGERS.intersection(_LOWER_TOKEN.findall(text))
    if lower:
        words.extend(m for m in _LOWER_TOKEN.finditer(text) if m.group() in lower)
        words.sort(key=lambda m: m.start())
    return words


def _trigger(text: str, start: int, end: int, token: str) -> int:
    """The families of patterns that this word or postcode could be part of (0: none).

    Street words that are also English words must be capitalised as the patterns want them
    ("Park", "Weg", "Place"), so that "park" and "monitoring" in prose do not count; in lower
    case they count after a house number or before a postcode (French: "12 place ...",
    "avenue Peron, 45779 ...") or after "in" (Italian: "in via Manzoni 7").
    """
    first = token[0]
    if first.isdigit():
        # ZIP, PLZ, CAP (5), PIN and index (6), the start of 00-000, 0000-000, 111 21,
        # 1234 AB, and "9JA", the end of a UK postcode: _TOKEN lets no other digits through.
        return _PIN if len(token) == 6 else _POSTCODE
    word = token.lower()
    families = _ANY_CASE_TRIGGERS.get(word, 0)
    if word == "c" and not text.startswith("/", end):
        return 0
    if first.isupper():
        families |= _CAPITALISED_TRIGGERS.get(word, 0)
        if word.endswith(_SAFE_SUFFIXES):
            families |= _COMPOUND
        elif word.endswith(_RISKY_SUFFIXES):
            families |= _RISKY
    elif word in _EN_LOOKALIKES:
        # "12 place Bellecour", "in via Manzoni 7", "avenue Peron, 45779 Guillaume"
        before = text[max(0, start - 8) : start]
        if (
            before.endswith("in ")
            if word in _ITALIAN_LOOKALIKES
            else any(ch.isdigit() for ch in before) or _FIVE_DIGITS.search(text, end, end + 60)
        ):
            families |= _PREFIX
    if not families and not token.isascii():
        # Korean road names end in 로 or 길 ("테헤란로"); Japanese and Chinese runs hold a mark.
        if token[-1] in "로길" or not _CJK_MARKS.isdisjoint(token):
            return _CJK
    return families
