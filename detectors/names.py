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

ORG_WORDS = frozenset(
    """
    inc inc. ltd ltd. llc llp plc gmbh ag sa sas sarl bv nv co co. corp corp. corporation
    company group holdings bank capital partners labs lab technologies technology tech systems
    services solutions software consulting university college school institute foundation
    association committee council department ministry agency office team club hospital clinic
    airlines airways motors energy media studios studio network networks cloud ai data analytics
    store shop market international global national federal airport tower hall building
    stadium museum hotel church cathedral temple palace castle gallery library theatre theater
    arena terminal hospital foods food marine motors pharma day comet award prize prizes
    theorem law laws syndrome disease effect principle equation constant lecture lectures
    medal foundation trophy cup memorial bridge park square tunnel station
    """.split()
)
"""Words that make a capitalised phrase a thing, not a person: "Jollibee Foods", "Nobel Prize"."""
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
    "van von de der den du da das dos di del della le la bin binti bint ibn al el ter ten zu y e "
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


# -- names used as things ----------------------------------------------------------------
# A person's name used for a disease, theorem, dish or prize is no personal data: "Parkinson's
# disease", "Bayes' theorem", "Morbus Crohn", "síndrome de Down", "Caesar salad".
_EPONYM_AFTER = regex.compile(
    r"(?:['\u2019]s?)?[ \-]?(?i:disease|syndrome|syndrom|sign|reflex|test|scale|score|"
    r"theorem|lemma|conjecture|law|laws|transform|transformation|algorithm|equation|equations|"
    r"constant|principle|effect|distribution|filter|number|numbers|method|curve|series|"
    r"paradox|problem|space|function|integral|identity|inequality|rule|model|diagram|"
    r"salad|sauce|tart|cake|pie|sandwich|steak|cocktail|prize|award|medal|lecture|"
    r"institute|telescope|comet|crater|day)\b"
)
_EPONYM_BEFORE = regex.compile(
    r"(?i:morbus|maladie(?: de)?|syndrome(?: de)?|síndrome(?: de)?|sindrome(?: di)?|"
    r"enfermedad(?: de)?|doença(?: de)?|malattia(?: di)?|teorema(?: de| di)?|théorème(?: de)?|"
    r"loi(?: de)?|ley(?: de)?|lei(?: de)?|legge(?: di)?|satz(?: von| des)?|algoritmo(?: de| di)?|"
    r"algorithme(?: de)?|transformada(?: de)?|transformée(?: de)?|prix|premio|preis|"
    r"teoremi|hastalığı|sendromu|penyakit|sindrom|болезнь|синдром|теорема|закон)[ \u00a0]$"
)

# Historical and public figures named as a subject ("a biography of Abraham Lincoln"): the
# class is private individuals, and masking these makes prompts about history useless. The
# list is short on purpose: only people whose name alone is known the world over.
PUBLIC_FIGURES = frozenset(
    """
    abraham lincoln|george washington|thomas jefferson|winston churchill|franklin roosevelt|
    theodore roosevelt|john f kennedy|john f. kennedy|martin luther king|martin luther|
    nelson mandela|mahatma gandhi|mohandas gandhi|indira gandhi|jawaharlal nehru|mao zedong|
    karl marx|friedrich engels|vladimir lenin|joseph stalin|adolf hitler|benito mussolini|
    napoleon bonaparte|napoléon bonaparte|julius caesar|alexander the great|queen victoria|
    queen elizabeth|elizabeth ii|charles de gaulle|otto von bismarck|simón bolívar|simon bolivar|
    che guevara|fidel castro|mustafa kemal atatürk|kemal atatürk|frederick douglass|
    harriet tubman|rosa parks|malcolm x|barack obama|donald trump|joe biden|angela merkel|
    emmanuel macron|vladimir putin|xi jinping|albert einstein|isaac newton|charles darwin|
    galileo galilei|nikola tesla|thomas edison|marie curie|pierre curie|max planck|niels bohr|
    werner heisenberg|erwin schrödinger|stephen hawking|richard feynman|alan turing|
    ada lovelace|charles babbage|john von neumann|claude shannon|grace hopper|tim berners-lee|
    linus torvalds|dennis ritchie|ken thompson|guido van rossum|bjarne stroustrup|
    james gosling|donald knuth|edsger dijkstra|johannes kepler|nicolaus copernicus|
    francis crick|james watson|rosalind franklin|louis pasteur|alexander fleming|
    gregor mendel|dmitri mendeleev|leonhard euler|carl friedrich gauss|bernhard riemann|
    pierre de fermat|blaise pascal|rené descartes|rene descartes|andrew wiles|srinivasa ramanujan|
    benoit mandelbrot|john nash|alan kay|gordon moore|bill gates|melinda gates|steve jobs|
    steve wozniak|elon musk|jeff bezos|mark zuckerberg|larry page|sergey brin|warren buffett|
    sam altman|satya nadella|sundar pichai|tim cook|jack ma|walt disney|henry ford|
    william shakespeare|jane austen|charles dickens|leo tolstoy|fyodor dostoevsky|
    anton chekhov|victor hugo|molière|johann wolfgang von goethe|friedrich schiller|
    franz kafka|thomas mann|miguel de cervantes|gabriel garcía márquez|gabriel garcia marquez|
    jorge luis borges|pablo neruda|dante alighieri|mark twain|ernest hemingway|
    george orwell|virginia woolf|james joyce|oscar wilde|agatha christie|j.k. rowling|
    jk rowling|haruki murakami|chinua achebe|wole soyinka|toni morrison|maya angelou|
    rabindranath tagore|leonardo da vinci|michelangelo|vincent van gogh|pablo picasso|
    claude monet|rembrandt van rijn|frida kahlo|diego rivera|salvador dalí|salvador dali|
    andy warhol|wolfgang amadeus mozart|ludwig van beethoven|johann sebastian bach|
    antonio vivaldi|frédéric chopin|frederic chopin|pyotr tchaikovsky|richard wagner|
    giuseppe verdi|elvis presley|michael jackson|john lennon|paul mccartney|bob dylan|
    bob marley|freddie mercury|taylor swift|beyoncé|beyonce|frank zappa|david bowie|
    lionel messi|cristiano ronaldo|diego maradona|pelé|pele|michael jordan|
    serena williams|roger federer|rafael nadal|usain bolt|muhammad ali|mother teresa|
    pope francis|dalai lama|confucius|socrates|plato|aristotle|jesus christ|
    sigmund freud|carl jung|adam smith|john maynard keynes|milton friedman|
    florence nightingale|hippocrates|alois alzheimer|james parkinson|thomas hodgkin|
    christopher columbus|vasco da gama|ferdinand magellan|marco polo|neil armstrong|
    yuri gagarin|buzz aldrin|amelia earhart|charles lindbergh|wright brothers|
    coco chanel|ralph lauren|calvin klein|tommy hilfiger|giorgio armani|gianni versace|
    louis vuitton|christian dior|yves saint laurent|hugo boss|estée lauder|
    ronald reagan|richard nixon|bill clinton|hillary clinton|george w. bush|george bush|
    margaret thatcher|tony blair|boris johnson|justin trudeau|narendra modi|
    recep tayyip erdoğan|jair bolsonaro|lula da silva|luiz inácio lula da silva|
    kofi annan|ban ki-moon|desmond tutu|kwame nkrumah|jomo kenyatta|julius nyerere|
    patrice lumumba|haile selassie|thomas sankara|sun yat-sen|deng xiaoping|ho chi minh|
    lao tzu|genghis khan|cleopatra|tutankhamun|joan of arc|
    catherine the great|peter the great|ivan the terrible|
    suleiman the magnificent|ibn sina|ibn battuta|ibn khaldun|al-khwarizmi|omar khayyam|
    naguib mahfouz|oum kalthoum|
    """.split("|")
)
PUBLIC_FIGURES = frozenset(" ".join(name.split()) for name in PUBLIC_FIGURES) - {""}


def used_as_thing(text: str, start: int, end: int) -> bool:
    """Whether the name at ``text[start:end]`` names a disease, theorem, dish or prize, or
    is a public figure's, rather than naming a private person."""
    if _EPONYM_AFTER.match(text, end, min(len(text), end + 24)):
        return True
    if _EPONYM_BEFORE.search(text, max(0, start - 24), start):
        return True
    first = text[start:end].split(" ", 1)[0]
    if _EPONYM_BEFORE.fullmatch(first + " "):  # "Morbus Parkinson" read as one name
        return True
    value = " ".join(text[start:end].lower().replace("/", " ").split())
    return value in PUBLIC_FIGURES or value.removesuffix(" jr.").removesuffix(" jr") in (
        PUBLIC_FIGURES
    )
