"""Personal names the small spaCy model misses, recovered cheaply.

``en_core_web_sm`` finds about three quarters of the names in our corpus; most of the rest it
does see but labels ORG ("Thibault Boulay", "Marlies Warmer-Ehlert"), GPE or FAC. Two cheap
rules recover most of them:

- ``NAME_PATTERNS``: a title or a salutation before capitalised words ("Mrs Frances Robinson",
  "Herr Paolo Hande", "Dear Baldur Eigenwillig,", "Best regards,\\nTanvi Mittal").
- ``person_like``: an ORG or FAC entity that is shaped like a personal name (two to four
  capitalised words, name particles allowed, no company or building word such as "Inc",
  "Bank" or "Airport") is taken as a name.
  This trades some precision (a firm called "Morgan Stanley" becomes a name) for recall, the
  side a privacy gateway should err on.
"""

from __future__ import annotations

import regex

from detectors.address import STREET_WORDS

# "Anna", "O'Neil", "McKay", "Warmer-Ehlert"
_WORD = r"\p{Lu}[\p{Ll}'\u2019]+(?:\p{Lu}\p{Ll}+)?(?:-\p{Lu}[\p{Ll}'\u2019]+(?:\p{Lu}\p{Ll}+)?)*"
_PARTICLE = r"(?:van|von|de|der|den|du|da|di|del|della|le|la|bin|al|ter|ten|zu)"
_FULL_NAME = rf"{_WORD}(?:[ \t]+(?:{_PARTICLE}[ \t]+)*{_WORD}){{0,3}}"
_TITLES = (
    r"Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Lady|Lord|Herr|Frau|Mme|Mlle|Mlle\.|M\.|Sr|Sra|Srta"
    r"|Sig|Sig\.ra|Dott|Shri|Smt|Sri|Kumari"
)
NAME_PATTERNS: tuple[tuple[str, regex.Pattern[str], float], ...] = (
    (
        "title",
        # "Dr. Anna Schmidt", "Dipl.-Ing. Ludmilla Lorch": the title is left out of the span.
        regex.compile(rf"\b(?:{_TITLES}|Dipl\.-Ing|Ing)\.?[ \t]+\K(?:{_WORD}[ \t]+)*{_WORD}"),
        0.8,
    ),
    (
        "salutation",
        regex.compile(
            rf"\b(?:Dear|Hi|Hello|Hey|Attn:?|Attention:?)[ \t]+\K{_FULL_NAME}(?=[ \t]*[,!\n])"
        ),
        0.75,
    ),
    (
        "signature",
        regex.compile(
            rf"(?i:regards|best|thanks|thank you|cheers|sincerely|yours|signed),?[ \t]*\n[ \t]*"
            rf"\K{_FULL_NAME}[ \t]*$",
            regex.MULTILINE,
        ),
        0.75,
    ),
)

# Whom a mailing greets when it greets no one by name ("Dear Valued Member,", "Hi
# Homeowner,"): the salutation's words, not a person.
GENERIC_ADDRESSEES = frozenset(
    """
    valued member members customer customers client clients homeowner homeowners resident
    residents colleague colleagues friend friends team all everyone sir sirs madam guest guests
    parent parents guardian guardians patient patients applicant applicants candidate
    candidates subscriber subscribers user users partner partners supporter supporters
    traveller travellers traveler travelers passenger passengers shopper shoppers student
    students neighbour neighbours neighbor neighbors policyholder policyholders cardholder
    account holder owner owners tenant tenants landlord employee employees staff hiring
    manager recruiter reader readers listener listeners participant participants attendee
    attendees volunteer volunteers donor donors investor investors shareholder shareholders
    community folks there new loyal fellow beloved sponsor sponsors developer developers
    admin administrator webmaster editor editors committee board sales hr support organiser
    organizer organisers organizers visitor visitors member's fan fans teacher teachers
    """.split()
)

ORG_WORDS = frozenset(
    """
    inc inc. ltd ltd. llc llp plc gmbh ag sa sas sarl bv nv co co. corp corp. corporation
    ltda eireli sca enterprises traders trading maintainers contributors
    company group holdings bank capital partners labs lab technologies technology tech systems
    services solutions software consulting university college school institute foundation
    association committee council department ministry agency office team club hospital clinic
    airlines airways motors energy media studios studio network networks cloud ai data analytics
    store shop market international global national federal airport tower hall building
    stadium museum hotel church cathedral temple palace castle gallery library theatre theater
    arena terminal hospital foods food marine motors pharma day comet award prize prizes
    theorem law laws syndrome disease effect principle equation constant lecture lectures
    medal foundation trophy cup memorial bridge park square tunnel station
    bayramı bayrami bayram festival fiesta festa feast
    staf serwis servis equipo équipe squadra zespół ekibi ekip dział abteilung afdeling
    departamento département dipartimento divisi candi kampus
    """.split()
)
"""Words that make a capitalised phrase a thing, not a person: "Jollibee Foods", "Nobel Prize"."""
# A workplace's departments and desks, which speak in its chats as people do ("[18:40]
# 総務部: ...", "Recepción: ...", "Magazyn: ..."): no one's name.
DEPARTMENT_WORDS = frozenset(
    """
    reception receptionist frontdesk warehouse storeroom stockroom kitchen security dispatch
    logistics shipping purchasing procurement accounting accounts finance payroll helpdesk
    servicedesk maintenance housekeeping cleaning pharmacy lab laboratory ward nursing
    recepción recepcion almacén almacen bodega cocina seguridad contabilidad compras nóminas
    mantenimiento limpieza farmacia logística logistica administración administracion
    receção recepção recepcao armazém armazem cozinha segurança contabilidade manutenção
    réception reception accueil entrepôt entrepot magasin cuisine sécurité comptabilité
    achats entretien ricezione reception magazzino cucina sicurezza contabilità acquisti
    manutenzione empfang rezeption lager küche buchhaltung einkauf versand wartung
    haustechnik pforte receptie magazijn keuken beveiliging boekhouding inkoop onderhoud
    recepcja magazyn kuchnia ochrona księgowość ksiegowosc zaopatrzenie portiernia
    receptionen reception lagret lager köket kök vaktmästeri ekonomi inköp
    resepsiyon depo mutfak güvenlik muhasebe satınalma satinalma lojistik
    resepsionis gudang dapur keamanan akuntansi pembelian gudang
    ресепшн ресепшен склад кухня охрана бухгалтерия снабжение
    lễ tân kho bếp bảo vệ kế toán
    总务部 営業部 総務部 経理部 人事部 物流部 倉庫 受付 総務 経理 人事 営業 物流
    前台 仓库 财务部 人事部 采购部 销售部 行政部 保安 仓储部
    총무팀 영업팀 경리팀 인사팀 물류팀 창고 안내데스크 프런트 경비실
    الاستقبال المستودع المخزن المحاسبة المشتريات الأمن الموارد البشرية
    hr rrhh personalabteilung personeelszaken kadry sdm кадры
    रिसेप्शन गोदाम लेखा खरीद सुरक्षा
    """.split()
)
PLACE_WORDS = frozenset(
    """
    calle avenida avda av rua via viale piazza plaza praça largo rue place boulevard bd gare
    estación estação stazione bahnhof mercado mercato marché galleria museo museu musée museum
    hotel hôtel parque parco puerta porta porte torre tour teatro théâtre iglesia chiesa église
    igreja catedral cathedral universidad università université universidade university
    hospital ospedale hôpital kantor jalan jl pasar masjid istana taman san santa santo são
    saint st ste sankt cristo quận phường đường phố chùa lago lake mount monte mont cerro
    río rio river isla ilha île island straße strasse platz allee kirche schloss burg
    """.split()
)
"""Words that begin the name of a place, not a person's: "Calle Larios", "San Siro"."""
NAME_PARTICLES = frozenset(
    "van von de der den du da das dos di del della le la lo li bin binti bint ibn al el ter ten "
    "zu y e "
    "mc mac ben bat ap ní nic ó bte bt".split()
)
"""Lower-case words inside names: "Ludwig van Beethoven", "Rhys ap Gwilym"."""
_PERSON_TOKEN = regex.compile(rf"{_WORD}|{_PARTICLE}")


def person_like(text: str) -> bool:
    """Two to four capitalised words on one line (particles allowed), no company word, not
    ending in a street word ("Bora Nagar", "Parsa Circle")."""
    tokens = text.split()
    if not 2 <= len(tokens) <= 5 or "\n" in text or tokens[-1].lower() in STREET_WORDS:
        return False
    capitalised = 0
    for token in tokens:
        if token.lower() in ORG_WORDS or not _PERSON_TOKEN.fullmatch(token):
            return False
        capitalised += token[0].isupper()
    return capitalised >= 2


# Balinese names open with "I" (men) or "Ni" (women) and a birth-order name, some of them
# common words elsewhere ("I Made Suarjana", "Ni Luh Putu Ayu", "I Gusti Ngurah Rai").
BALINESE_PREFIXES = frozenset({"I", "Ni"})
BALINESE_BIRTH_ORDER = frozenset(
    "wayan gede gde putu made kadek nengah nyoman komang ketut luh gusti ngurah".split()
)

# Honorifics written after a Chinese, Japanese or Korean name ("佐藤さん", "김민준 씨", "王总").
CJK_HONORIFICS = ("先生", "女士", "小姐", "老师", "医生", "经理", "阿姨", "叔叔", "师傅", "老板",
                  "总", "博士", "教授", "さん", "様", "さま", "氏", "殿", "くん", "君", "ちゃん",
                  "先輩", "先生", "社長", "部長", "課長", "씨", "님", "선생님", "사장님", "아저씨",
                  "아주머니", "과장님", "부장님", "팀장님", "교수님")  # fmt: skip
