"""Capitalised words that name no private person: eponyms, public figures, places, brands.

A detector that finds a name-shaped span asks ``used_as_thing(text, start, end)`` before
reporting it: "Parkinson's disease", "Bayes' theorem", "Morbus Crohn", "Peach Melba",
"唐氏综合征" name things after people; "Abraham Lincoln", "Kafka" or "Vivaldi" named as a
topic, "Jordan" or "Tbilisi" as a country or city, "Calvin Klein" as a brand, are no private
person's data (the class is private individuals), and masking them makes prompts about
history, medicine or shopping useless. The lists are short on purpose: names the world over
knows alone, not every notable person.
"""

from __future__ import annotations

import gzip
import itertools
import re
from functools import cache, lru_cache
from pathlib import Path

import regex

from detectors.context import ContextWords, column_header
from detectors.field_keys import names_a_thing

FAMOUS = Path(__file__).resolve().parent / "data" / "public_figures.txt.gz"

# A person's name used for a disease, theorem, dish or prize is no personal data: "Parkinson's
# disease", "Bayes' theorem", "Morbus Crohn", "síndrome de Down", "Caesar salad".
_EPONYM_AFTER = regex.compile(
    r"(?:['\u2019]s?)?[ \-]?(?i:disease|syndrome|syndrom|sign|reflex|test|scale|score|"
    r"theorem|lemma|conjecture|law|laws|transform|transformation|algorithm|equation|equations|"
    r"constant|principle|effect|distribution|filter|number|numbers|method|curve|series|"
    r"paradox|problem|space|function|integral|identity|inequality|rule|model|diagram|"
    r"salad|sauce|tart|cake|pie|sandwich|steak|cocktail|prize|award|medal|lecture|"
    r"institute|telescope|comet|crater|day|foundation|gallery|museum|school|university|"
    # Streets, squares and buildings named after someone ("Nelson Mandela Square").
    r"street|st|road|rd|avenue|ave|boulevard|blvd|lane|square|station|airport|hospital|park|"
    r"bridge|stadium|hall|center|centre|mall|tower|highway|caddesi|cad|sokak|sokağı|bulvarı|"
    r"meydanı|mahallesi|straße|strasse|str|platz|weg|gasse|allee|brücke|universität|stadion|"
    r"bahnhof|gymnasium|schule|plein|laan|gracht|straat|kade|väg|vägen|gatan|gata|torg|"
    r"torget|katu|tie|utca|tér|út|ulica|náměstí)\b"
)
# The patterns of words before a name end where it starts: each is matched from there
# backwards ("(?r)"), not tried forwards at every position of its window.
# A person named as the topic of a question or a summary ("who was Orhan Pamuk", "summarise
# Wangari Maathai's ...", "Henrik Ibsens skuespill"): a public figure, not a private person's
# data. Not after a title or a cue ("who is Mr. Okafor" is a person).
_TOPIC_BEFORE = regex.compile(
    r"(?r)(?<![\p{L}\p{M}])(?i:who is|who was|who were|biography of|life of|works of|style of|"
    r"paintings by|novels by|poems by|music by|songs by|directed by|written by|quotes? (?:from|by)|"
    # Things named after someone, and what history credits to someone.
    r"named after|named for|benannt nach|nommée? d'après|vernoemd naar|uppkallad efter|"
    r"oppkalt etter|invented by|discovered by|composed by|painted by|"
    r"summari[sz]e|tóm tắt(?: tiểu sử của)?|resuma(?: a carreira de)?|résume[rz]?|riassumi|"
    r"fasse|resume|kim jest|kim był[a]?|кто такой|кто такая|кем был[а]?|siapa|ai là|wer ist|"
    r"wer war|qui est|qui était|quién es|quién fue|chi è|chi era|quem é|quem foi|wie is|wie was|"
    r"vem är|vem var|hvem er|hvem var|kuka on|ki volt|ki az|cine este|cine a fost|kdo je|kdo byl|"
    r"ποιος είναι|ποια είναι|מי זה|מי היה|من هو|من هي|من كان|कौन है|कौन था|कौन थी|누구|"
    r"mwalimu|isulat ang buod ng buhay ni|buhay ni)[ \u00a0]+(?:[\p{L}\p{M}.'’-]+[ \u00a0]+){0,2}$"
)
_TOPIC_AFTER = regex.compile(
    r"(?:['’]s?|s)?[ \u00a0]+(?i:novels?|books?|poems?|poetry|plays|speech|speeches|paintings?|"
    r"music|songs?|albums?|career|biography|legacy|quotes?|theory|works|transfer|goals|titles|"
    r"presidency|reign|administration|philosophy|teachings|memoirs?|films?|movies?|"
    r"romane?|gedichte|rede|werke|libros?|novelas?|canciones|obras?|livros?|romances|"
    r"poemas|carreira|romanzi|opere|romans|œuvres|poèmes|discours|кни[гж]\p{L}*|романы|"
    r"стихи|речь|kitapları|şiirleri|buku|karya|böcker|romaner|dikter|skuespill|hadithi)"
    r"(?![\p{L}\p{M}])"
)
# A place or institution named after someone, by the word before the name: "Avenida Getúlio
# Vargas", "Universitas Gadjah Mada", "phố Nguyễn Huệ", "Filharmonia im. Karola ...".
_PLACE_BEFORE = regex.compile(
    r"(?r)(?<![\p{L}\p{M}])(?:(?i:avenida|avda|av|rua|travessa|praça|largo|alameda|rodovia|calle|plaza|paseo|via|viale|"
    r"piazza|piazzale|corso|largo|rue|place|boulevard|bd|quai|allée|gare|aéroport|aeropuerto|"
    r"aeroporto|estação|estación|stazione|museo|museu|musée|museum|teatro|théâtre|hotel|hôtel|"
    r"hospital|ospedale|hôpital|hospitali|universidad|universidade|università|université|"
    r"universitas|university|universität|uniwersytet|college|colegio|colégio|escola|escuela|"
    r"école|scuola|liceo|instituto|institut|stadium|estadio|estádio|stadion|parque|parco|parc|"
    r"park|jalan|jl|bandara|stasiun|masjid|gedung|taman|pasar|phố|đường|đại lộ|chùa|cầu|"
    r"phường|quận|huyện|xã|tỉnh|thôn|ngõ|ngách|hẻm|"
    r"quảng trường|trường|ulica|ul|aleja|al|plac|im|улица|ул|проспект|пр|площадь|пл|шоссе|"
    r"бульвар|переулок|университет|больница|музей|театр|caddesi|sokak|mahallesi|bulvarı|"
    r"üniversitesi|havalimanı|chuo kikuu|hospitali ya|barabara ya|mtaa wa|street|avenue|road|"
    r"square|airport|station|bridge|"
    # Shops, teams and bots named after someone: "Loja Aurora", "Restaurante Dona Lucinha",
    # "Team Quizteama Aguilera", "Bot Correios".
    r"loja|lojas|restaurante|restaurant|ristorante|padaria|doceria|pastelaria|farmácia|"
    r"farmacia|pharmacy|apotheke|bakery|bäckerei|boulangerie|panadería|panaderia|clínica|"
    r"clinica|clinic|magazine|casas|mercado|supermercado|supermarket|boutique|salão|salon)"
    # ... "Team" and "Bot" capitalised, as part of the name ("welcome to the team Jack!").
    r"|Team|Bot)"
    # ... a title or a short word between: "Restaurante Dona Lucinha", "Clínica Santa Luzia"
    # (not after a full stop: "Pangnirtung clinic. Nurse Hannah").
    r"(?:\.?[ \u00a0]+|[ \u00a0]+\p{Lu}\p{Ll}{1,4}\.?[ \u00a0]+)$"
)
# A chat label's remark that its speaker is a program: "Loja Aurora (bot):".
_A_PROGRAM_AFTER = regex.compile(r"[ \t]*[(\[](?i:bot|app|automated|auto|sistema|system)[)\]]")
# A pet's name, by the animal word right before it: "our dog Sjaak", "mon chien Rex", "mój kot
# Filemon", "hamara kutta Sheru", "my cat, Mochi", "el perro llamado Toby". (Not French
# "chat": "in the chat Priya said" is a person.)
_PET_BEFORE = regex.compile(
    r"(?r)(?<![\p{L}\p{M}])(?i:pet|dog|doggo|puppy|cat|kitty|kitten|hamster|parrot|rabbit|bunny|"
    r"horse|pony|goldfish|tortoise|turtle|chaton|chien|chienne|chiot|perro|perra|"
    r"perrito|perrita|gato|gata|gatito|gatita|cane|cagnolino|cagnolina|gatto|gatta|gattino|"
    r"gattina|hund|hündin|katze|kater|kätzchen|welpe|hond|hondje|kat|katje|poes|pup|kot|kotek|"
    r"kotka|pies|piesek|suczka|cachorro|cachorra|cão|gatinho|gatinha|kutta|kutiya|billi|köpek|"
    r"köpeğim|köpeğimiz|kedi|kedim|kedimiz|kucing|anjing|chó|mèo|katt|katten|hunden|valp|"
    r"собака|собаку|пёс|пес|кот|кота|кошка|кошку|котик|щенок)"
    r"(?:[ \u00a0]*,)?[ \u00a0]+(?i:(?:called|named|nommée?|appelée?|llamad[oa]|chiamat[oa]|"
    r"namens|genannt|genaamd|o imieniu|chamad[oa]|adında|bernama|tên là|som heter|по кличке|"
    r"по имени)[ \u00a0]+)?[\"'“„«]?$"
)
# The same after a name in Chinese or Japanese ("唐氏综合征", "勾股定理", "阿尔茨海默病").
_EPONYM_AFTER_CJK = regex.compile(
    r"氏?(?:综合征|綜合症|症候群|综合症|病|症|定理|定律|效应|效應|算法|公式|方程|奖|獎|賞|大学|大學|"
    r"医院|醫院|病院|路|街|大道|公园|公園|广场|廣場|纪念馆|記念館|博物馆|博物館|号|號|"
    # Korean writes the law, prize or road onto the name: "김영란법", "이상문학상".
    r"법|법안|증후군|기념관|재단|대로|문학상)"
)
_EPONYM_BEFORE = regex.compile(
    r"(?r)(?i:morbus|maladie(?: de)?|syndrome(?: de)?|síndrome(?: de)?|sindrome(?: di)?|"
    r"enfermedad(?: de)?|doença(?: de)?|malattia(?: di)?|teorema(?: de| di)?|théorème(?: de)?|"
    r"loi(?: de)?|ley(?: de)?|lei(?: de)?|legge(?: di)?|satz(?: von| des)?|algoritmo(?: de| di)?|"
    r"algorithme(?: de)?|transformada(?: de)?|transformée(?: de)?|prix|premio|preis|"
    r"teoremi|hastalığı|sendromu|penyakit|sindrom|болезнь|синдром|теорема|закон|"
    # Storms are given people's names: "Hurricane Katrina", "huracán Otis", "Sturmtief Sabine".
    r"hurricane|typhoon|cyclone|tropical storm|storm|huracán|tormenta|tifón|ciclón|ouragan|"
    r"tempête|typhon|furacão|tempestade|uragano|tempesta|ciclone|tifone|sturmtief|"
    r"orkan|taifun|hurrikan|zyklon|sturm|orkanen|stormen|huragan|sztorm|ураган|тайфун|циклон|"
    r"kasırga|fırtına|topan|badai|siklon|bão|medicane|"
    # Dishes named after someone: "crêpes Suzette", "pêche Melba", "pizza Margherita".
    r"pêche|crêpes?|pizza|tarte|poire|sauce|bœuf|boeuf|peach|oysters)[ \u00a0]$"
)
# Dishes and things named after someone, by the word before the name: "Peach Melba",
# "Oysters Rockefeller", "quiche lorraine", "Dr. Martens", "Raspberry Pi".
THING_FIRST_WORDS = frozenset(
    """
    peach oysters eggs egg chicken beef pork lamb veal pizza pasta crêpe crepe crêpes quiche
    tarte torta pastel bolo sauce salsa salade soup soupe sopa cocktail raspberry apple
    galaxy iphone ipad kindle windows dr. dr الملك الأمير الإمام مستشفى شارع جامعة مسجد
    """.split()
)
# Surnames the world knows alone, named as a topic ("Kafka's novels", "Bach on the piano");
# after a title or a cue ("Dr. Bach", "Hi Newton") they are still people's names.
FAMOUS_SURNAMES = frozenset(
    """
    bach vivaldi mozart beethoven chopin tchaikovsky wagner verdi puccini handel haydn brahms
    schubert debussy kafka murakami tolstoy dostoevsky chekhov shakespeare dickens austen
    goethe schiller dante cervantes borges neruda hemingway orwell nietzsche kant hegel marx
    freud jung plato aristotle socrates confucius einstein newton darwin galileo copernicus
    kepler curie tesla edison pasteur mendel faraday maxwell euler gauss fourier laplace pascal
    descartes leibniz riemann hilbert turing lovelace babbage dijkstra knuth hubble oort
    doppler kelvin celsius fahrenheit bunsen heimlich alzheimer parkinson hodgkin crohn
    asperger tourette raynaud hashimoto picasso rembrandt michelangelo da-vinci monet
    van-gogh dali frida gandhi mandela lincoln napoleon churchill stalin lenin hitler
    mussolini bismarck atatürk ataturk bolívar bolivar garibaldi nyerere nkrumah lumumba
    """.split()
)
# Countries and cities that are given names or surnames somewhere ("Jordan", "Chad",
# "Tbilisi", "Chelsea"): alone, they are places.
PLACE_NAMES = frozenset(
    """
    jordan chad israel georgia florence victoria austin dallas houston chelsea madison
    paris london berlin madrid lisbon lisboa roma rome milan milano napoli naples venice
    florence firenze verona vienna wien prague praha warsaw warszawa moscow kyiv kiev tbilisi
    baku yerevan ankara istanbul cairo lagos nairobi accra dakar kampala kigali addis
    johannesburg durban tokyo osaka kyoto seoul busan beijing shanghai shenzhen taipei
    manila jakarta bangkok hanoi delhi mumbai chennai kolkata karachi lahore dhaka sydney
    melbourne auckland toronto montreal vancouver chicago boston denver phoenix seattle
    brooklyn manhattan orlando miami atlanta savannah charlotte sofia lima quito bogota
    santiago caracas havana brasília brasilia salvador recife belém natal fortaleza
    sevilla bilbao valencia granada malaga porto braga coimbra lyon marseille nice lille
    bordeaux nantes toulouse strasbourg brussels bruxelles antwerp amsterdam rotterdam utrecht
    hamburg munich münchen köln cologne frankfurt stuttgart dresden leipzig zurich zürich
    geneva genève bern basel stockholm oslo copenhagen helsinki dublin edinburgh glasgow
    cardiff belfast athens sparta troy alexandria medina mecca riyadh jeddah doha dubai
    abu muscat kuwait beirut damascus amman baghdad tehran kabul tashkent almaty astana
    america africa asia europe india china japan korea brazil mexico canada peru chile
    argentina colombia kenya nigeria ghana egypt morocco tunisia algeria libya sudan ethiopia
    somalia uganda tanzania rwanda angola namibia zambia zimbabwe malawi mali niger senegal
    guinea liberia gambia benin togo gabon congo cameroon turkey iran iraq syria lebanon yemen
    oman qatar pakistan afghanistan nepal bhutan bangladesh lanka myanmar thailand laos
    cambodia vietnam malaysia singapore indonesia philippines australia zealand fiji samoa
    tonga russia ukraine belarus poland germany france spain portugal italy greece
    albania serbia croatia bosnia slovenia austria hungary romania bulgaria moldova
    lithuania latvia estonia finland sweden norway denmark iceland ireland scotland wales
    england britain holland netherlands belgium luxembourg switzerland monaco malta cyprus
    armenia azerbaijan kazakhstan mongolia
    """.split()
)

# Languages and peoples that are surnames too ("French", "English", "Welsh"): alone, as in
# "Translate this into French", a language; "Marcus French" (a pair) is still a person.
LANGUAGE_NAMES = frozenset(
    """
    english french german spanish italian portuguese dutch flemish polish czech slovak
    hungarian romanian bulgarian greek turkish russian ukrainian swedish danish norwegian
    finnish icelandic irish welsh scottish gaelic breton basque catalan galician latin
    arabic hebrew persian farsi urdu hindi bengali punjabi tamil telugu chinese mandarin
    cantonese japanese korean vietnamese thai indonesian malay filipino tagalog swahili
    zulu xhosa yoruba igbo hausa amharic somali maori hawaiian samoan british american
    canadian australian mexican brazilian argentinian
    """.split()
)

# Holidays and weekdays that a name list holds too ("Toussaint", "cena di Natale", Indonesian
# "Jumat", Friday): alone, a day.
CALENDAR_WORDS = frozenset(
    """
    toussaint natale navidad pâques pasqua páscoa ostern weihnachten pfingsten eid diwali
    deepavali holi nowruz hanukkah chanukah pesach purim vesak thanksgiving halloween
    carnaval carnevale karneval ramadan ramadhan lebaran natal رمضان
    senin selasa rabu kamis jumat sabtu minggu pazartesi salı çarşamba perşembe cuma
    cumartesi pazar lunes martes miyerkules huwebes biyernes sabado linggo jumatatu jumanne
    jumatano alhamisi ijumaa jumamosi jumapili
    """.split()
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
    naguib mahfouz|oum kalthoum|giuseppe garibaldi|johan cruijff|johan cruyff|alfred nobel|
    julius nyerere|mwalimu julius nyerere|julius kambarage nyerere|garcía márquez|
    garcia marquez|vittorio emanuele|simón bolívar|diego velázquez|francisco goya|
    anna pavlova|ignacy paderewski|fryderyk chopin|mikołaj kopernik|nicolaus copernicus|
    """.split("|")
)
PUBLIC_FIGURES = frozenset(" ".join(name.split()) for name in PUBLIC_FIGURES) - {""}


# Brands named after their founders.
BRANDS = frozenset(
    """
    calvin klein|ralph lauren|tommy hilfiger|hugo boss|louis vuitton|christian dior|
    giorgio armani|yves saint laurent|dolce gabbana|estée lauder|morgan stanley|
    goldman sachs|jack daniel|jack daniels|johnnie walker|ben jerry|martens|dr martens|
    stan smith|adi dassler|ferrari|lamborghini|porsche|ferdinand porsche|walt disney|
    albert heijn|marks spencer|sainsbury|tesco|jp morgan|charles schwab|john deere|
    harley davidson|rolls royce|mercedes benz|philips|siemens|bosch|dewey decimal|
    joe rogan|franz ferdinand|pearl jam|james webb|nelson mandela bay
    """.replace("\n", "").split("|")
)
BRANDS = frozenset(" ".join(name.split()) for name in BRANDS) - {""}


def normal_name(span: str) -> str:
    """A name as the lists hold it: lower case, without dots, hyphens, "'s" or "Jr."."""
    value = " ".join(
        span.lower().replace("/", " ").replace("'s", "").replace("\u2019s", "")
        .replace("&", " ").replace("-", " ").replace(".", "").split()
    )  # fmt: skip
    return value.removesuffix(" jr").removesuffix(" sr")


# Marks a famous name that many private people bear too ("lewis hamilton").
NAMESAKE_MARK = "~"
# Marks one word that names a thing too ("zara", "siri", "tintin", "маша").
THING_WORD_MARK = "!"


@cache
def _famous_lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """People, characters and things named like people the world (or a whole country)
    knows, in their own scripts and in Latin letters (``tools/build_public_figures.py``):
    the distinctive names, those many private people bear too, and one-word things."""
    with gzip.open(FAMOUS, "rt", encoding="utf-8") as handle:
        names = [line.rstrip("\n") for line in handle if line.strip()]
    marks = (NAMESAKE_MARK, THING_WORD_MARK)
    return (
        frozenset(n for n in names if not n.startswith(marks)),
        frozenset(n[1:] for n in names if n.startswith(NAMESAKE_MARK)),
        frozenset(n[1:] for n in names if n.startswith(THING_WORD_MARK)),
    )


def _famous() -> frozenset[str]:
    return _famous_lists()[0]


def is_public_figure(span: str) -> bool:
    """Whether ``span`` is the name of someone the world knows ("Rosa Parks", "Queen
    Elizabeth II"): what is said of them is public, not a private person's data."""
    value = normal_name(span)
    return value in PUBLIC_FIGURES or value in _famous()


def thing_word(word: str) -> bool:
    """Whether one word (lower case) names a brand, a character or another thing as well as
    people ("zara", "siri", "маша"): the name scorer's feature, the words around it decide."""
    return word in _famous_lists()[2]


def famous_namesake(span: str) -> bool:
    """Whether ``span`` is a famous name many private people bear too ("Lewis Hamilton",
    "Imran Khan"): the words around it, not the name, tell which (the name scorer's
    feature)."""
    return normal_name(span) in _famous_lists()[1]


def known_not_a_private_person(span: str, *, alone: bool = False) -> bool:
    """Whether ``span``, whatever the words around it, names a public figure or a brand
    ("Rosa Parks", "Calvin Klein Boxer", "Giuseppe Garibaldi Street"), in any case of a
    language that declines names ("Olgi Tokarczuk", "Lagerlöfs", "Pamuk'un"). ``alone``: no
    title or cue stands before it, so a famous surname or a place alone ("Kafka", "Jordan")
    is one too."""
    value = normal_name(span)
    if value in PUBLIC_FIGURES or value in BRANDS or value in _famous():
        return True
    parts = value.split()
    if len(parts) > 2 and (" ".join(parts[:2]) in BRANDS or " ".join(parts[:2]) in PUBLIC_FIGURES):
        return True
    if 1 < len(parts) <= 4 and _declined_famous(parts):
        return True
    return (
        alone
        and len(parts) == 1
        and (
            value in FAMOUS_SURNAMES
            or value in PLACE_NAMES
            or value in LANGUAGE_NAMES
            or value in CALENDAR_WORDS
        )
    )


# Case endings of names in the languages that decline them, each with the endings of the
# name as the lists hold it: Polish, Czech, Russian, Ukrainian genitive, dative, accusative
# and instrumental; Finnish and Scandinavian genitive.
_NAME_CASES = (
    ("iego", ("i",)), ("ego", ("y", "i")), ("owi", ("",)), ("em", ("",)), ("ej", ("a",)),
    ("ą", ("a",)), ("ę", ("a",)), ("i", ("a", "")), ("y", ("a",)), ("a", ("",)), ("u", ("",)),
    ("ого", ("ой", "ий", "ый")), ("его", ("ий",)), ("ому", ("ой", "ий")), ("ой", ("а",)),
    ("ом", ("",)), ("ем", ("",)), ("ым", ("",)), ("ы", ("а",)), ("и", ("а", "я")),
    ("у", ("а", "")), ("е", ("а",)), ("а", ("",)), ("я", ("ь", "й")),
    ("in", ("",)), ("n", ("",)), ("s", ("",)),
)  # fmt: skip


@lru_cache(maxsize=65536)
def _word_forms(word: str) -> tuple[str, ...]:
    """The word as written and as it may stand in the nominative ("olgi" → "olga",
    "pamuk'un" → "pamuk")."""
    forms = [word]
    cut = max(word.rfind("'"), word.rfind("\u2019"))
    if cut > 1:  # Turkish writes a case ending after an apostrophe
        forms.append(word[:cut])
        word = word[:cut]
    if len(word) >= 4:
        for ending, replacements in _NAME_CASES:
            if word.endswith(ending):
                forms.extend(word[: -len(ending)] + r for r in replacements)
    return tuple(forms)


@cache
def _famous_words() -> frozenset[str]:
    """Every word of a public figure's or a brand's name: a word form outside them makes no
    famous name, so most spans are ruled out before any combination is tried."""
    return frozenset(w for name in (*_famous(), *PUBLIC_FIGURES, *BRANDS) for w in name.split())


def load() -> None:
    """Read the lists now (at a detector's start-up) rather than on the first request."""
    _famous_words()


def _declined_famous(parts: list[str]) -> bool:
    """Whether a famous name's declined form: each word put back to a nominative, one
    combination a public figure's or a brand's name."""
    words = _famous_words()
    options = []
    for part in parts:
        forms = [form for form in _word_forms(part) if form in words]
        if not forms:
            return False
        options.append(forms)
    famous = _famous()
    return any(
        name in famous or name in PUBLIC_FIGURES or name in BRANDS
        for name in map(" ".join, itertools.product(*options))
    )


# A key and its separator before a value, and the value's words before the one looked at:
# "tienda=", "store_branch: ", '"kho": "', "loja=Pingo Doce " (before "Lisboa Saldanha").
_KEY_OPENERS = frozenset("\n{,;|\t\"'( ")
_KEY_BEFORE = regex.compile(
    r"([\p{L}][\p{L}\p{N}_.\- ]{0,30}?)[\"']?[ \t]*[:=：][ \t]*[\"']?"
    r"(?:[\p{L}\p{M}'\-.]+ ){0,4}\Z"
)


def named_by_its_key(text: str, start: int) -> bool:
    """Whether the key or column header a value stands under names a place, shop,
    company or product ("tienda=Mercadona Valencia Ruzafa", a column headed "store")."""
    # XML: an element's name attribute or its text ('<storm name="Haiyan">', "<city>Lima").
    if "<" in text and (tag := _XML_TAG_BEFORE.search(text, max(0, start - 120), start)):
        if names_a_thing(tag.group(1)):
            return True
    line_start = text.rfind("\n", max(0, start - 40), start) + 1 or max(0, start - 40)
    key = _KEY_BEFORE.search(text, line_start, start)
    if key is not None:
        # A key opens its line or follows a delimiter: "Talked to the team: ..." is prose.
        before = text[key.start() - 1] if key.start() > 0 else "\n"
        return before in _KEY_OPENERS and names_a_thing(key.group(1))
    header = column_header(text, start)
    return header is not None and names_a_thing(header)


_XML_TAG_BEFORE = regex.compile(
    r"<([\p{L}][\p{L}\p{N}_.:\-]{0,30})(?:(?:[ \t][^<>\n]{0,80}?)?[ \t](?:name|title|label)"
    r"[ \t]*=[ \t]*[\"']|(?:[ \t][^<>\n]{0,80})?>)\Z"
)


# Kings, queens, emperors, popes and saints: historical or public figures ("regina Margherita",
# "König Ludwig", "नवाब वाजिद अली शाह"). Not the ambiguous ones that are also given names or
# family words (Raja, Sultan, Shah, Papa, Ratu).
_ROYAL_BEFORE = regex.compile(
    r"(?r)(?<![\p{L}\p{M}])(?i:king|queen|prince|princess|emperor|empress|tsar|czar|pharaoh|pope|"
    r"saint|könig|königin|prinz|prinzessin|kaiser|kaiserin|papst|roi|reine|princesse|empereur|"
    r"impératrice|rey|reina|príncipe|princesa|emperador|emperatriz|rei|rainha|imperador|"
    r"imperatriz|regina|principe|principessa|imperatore|imperatrice|koning|koningin|keizer|"
    r"keizerin|kung|drottning|kejsare|król|królowa|cesarz|cesarzowa|papież|kral|kraliçe|"
    r"padişah|nawab|maharaja|maharani|царь|царица|король|королева|император|императрица|"
    r"святой|святая|vua|hoàng đế|hoàng hậu|nữ hoàng|الملك|الملكة|نواب|नवाब|महाराजा|महारानी|"
    r"सम्राट)[ \u00a0]+(?:[\p{L}\p{M}.'\-]+[ \u00a0]+){0,2}$"
)


# Up to three words right before a span, on its line: "Tarsila do " before "Amaral".
_WORDS_BEFORE = regex.compile(r"(?:[\p{L}\p{M}'\-.]+[ \u00a0]){1,3}$")


def _ends_a_known_name(text: str, start: int, end: int) -> bool:
    """Whether the span is the end of a public figure's or a thing's name that begins before
    it ("Tarsila do Amaral", "Lope de Vega", "Guido van Rossum")."""
    before = _WORDS_BEFORE.search(text, max(0, start - 40), start)
    if before is None:
        return False
    words = before.group().split()
    span = text[start:end]
    # A famous name holds the span's words (or their nominatives), unless it is a brand's
    # or a figure's first two words before them ("Calvin Klein" + "Boxer"): most spans
    # are ruled out without a lookup of each phrase.
    famous = _famous_words()
    if not any(f in famous for w in normal_name(span).split() for f in _word_forms(w)):
        pairs = (normal_name(f"{a} {b}") for a, b in itertools.pairwise(words))
        if not any(pair in BRANDS or pair in PUBLIC_FIGURES for pair in pairs):
            return False
    return any(
        known_not_a_private_person(" ".join(words[-n:]) + " " + span)
        for n in range(1, len(words) + 1)
    )


def _begins_a_famous_han_name(text: str, start: int, end: int) -> bool:
    """Whether a Han span is the start of a famous name the characters after it complete
    ("孙悟" of "孙悟空", "周杰" of "周杰伦"): a name read too short from a public figure's."""
    if not ("\u3400" <= text[start] <= "\u9fff") or end >= len(text):
        return False
    people, namesakes, _ = _famous_lists()
    for extra in (1, 2):
        longer = text[start : end + extra]
        if len(longer) > end - start and all("\u3400" <= ch <= "\u9fff" for ch in longer[-extra:]):
            if longer in people or longer in namesakes:
                return True
    return False


# A company's founding, in the words of 17 languages: its founders, named beside these
# words in a sentence with a year, are its history ("A Natura foi fundada em 1969 por Luiz
# Seabra").
# Found as words (``ContextWords``: only the phrases whose word a text holds are searched,
# a fraction of one alternation's cost). In scripts without spaces only the forms a founding
# takes, not "創立記念日" (the founding's anniversary, in an employee's record).
_FOUNDING = ContextWords(
    (
        "founded|co-founded|cofounded|founder|founders|co-founder|cofounder|fundó|fundada|"
        "fundado|fundador|fundadores|fundaron|fundou|fundaram|fondé|fondée|fondateur|"
        "fondatrice|fondateurs|fondata|fondato|fondò|fondatore|fondatori|gegründet|gründete|"
        "gründer|gründerin|opgericht|oprichter|oprichters|założona|założone|założony|założył|"
        "założyła|założyciel|założyciele|założycielka|kurdu|kuruldu|kurucu|kurucusu|"
        "kurucuları|didirikan|mendirikan|pendiri|grundades|grundade|grundare|grundat|основан|"
        "основана|основано|основаны|основал|основала|основали|основатель|основатели|"
        "thành lập|sáng lập|स्थापना|संस्थापक|أسس|مؤسس|تأسست|创始人|创办人|创立于|创办于|創業者|"
        "創立者|創業した|創立した|を創業|を創立|창업자|설립자|창립자|창업했|설립했|창립했"
    ).split("|")
)
_YEAR = re.compile(r"(?<!\d)(?:1[5-9]\d\d|20[0-4]\d)(?!\d)")
# Whose founding it is: "my mother founded the bakery in 1998" is a private person's.
_OWN_FOUNDING = regex.compile(
    r"(?<![\p{L}\p{M}])(?i:my|our|mi|mis|nuestr[oa]|mon|ma|mes|notre|mein|meine|unser|unsere|"
    r"meu|minha|nosso|nossa|mio|mia|nostro|nostra|mijn|onze|mój|moja|moi|nasz|nasza|benim|"
    r"saya|kami|min|mitt|vår|мой|моя|мои|наш|наша|của tôi|मेरा|मेरी|हमारा)(?![\p{L}\p{M}])"
    r"|我的|我们的|私の|제|우리"
)


def lowered(text: str) -> str:
    """``text`` in lower case, each character where it was: "İ" lowers to two characters,
    here to its first."""
    lower = text.lower()
    return lower if len(lower) == len(text) else "".join(ch.lower()[0] for ch in text)


@lru_cache(maxsize=4)
def _foundings(text: str) -> tuple[tuple[int, int], ...]:
    """Where ``text`` tells a founding with its year: the words within 60 characters of a
    founding word, in its clause (a sentence's part up to a semicolon), as (start, end); the
    year anywhere in its sentence. Most texts hold none. Cached: every name of a text asks.
    ("Företaget grundades 1998; kontakt är Lars Berg": Lars is no founder.)"""
    spans = []
    for start, end in _FOUNDING.occurrences(text):
        lo = max(text.rfind(mark, 0, start) for mark in ".!?\n。") + 1
        ends = [i for i in (text.find(mark, end) for mark in ".!?\n。") if i >= 0]
        hi = min(ends) if ends else len(text)
        sentence = text[lo:hi]
        if _YEAR.search(sentence) is None or _OWN_FOUNDING.search(sentence) is not None:
            continue
        clause_lo = max(text.rfind(mark, lo, start) for mark in ";；") + 1 or lo
        clause_ends = [i for i in (text.find(mark, end, hi) for mark in ";；") if i >= 0]
        clause_hi = min(clause_ends) if clause_ends else hi
        spans.append((max(clause_lo, lo, start - 60), min(clause_hi, end + 60)))
    return tuple(spans)


def founder(text: str, start: int, end: int) -> bool:
    """Whether the name at ``text[start:end]`` stands beside the words that tell a company's
    founding and its year: a founder, part of its history, no private person."""
    return any(lo <= start and end <= hi for lo, hi in _foundings(text))


def used_as_thing(text: str, start: int, end: int, *, cued: bool = False) -> bool:
    """Whether the name at ``text[start:end]`` names a disease, theorem, dish, brand or place,
    or is a public figure's, rather than naming a private person. ``cued``: a title or a
    cue ("Dr.", "Hi") stands before it, so a famous surname alone is still a person."""
    if named_by_its_key(text, start):
        return True
    # The royal word before the name, or first in it ("König Ludwig" read as one run).
    if _ROYAL_BEFORE.search(text, max(0, start - 40), start):
        return True
    first_word_end = text.find(" ", start, end)
    if first_word_end > 0 and _ROYAL_BEFORE.search(text[start : first_word_end + 1]):
        return True
    if _EPONYM_AFTER.match(text, end, min(len(text), end + 24)):
        return True
    if _EPONYM_AFTER_CJK.match(text, end, min(len(text), end + 6)):
        return True
    if _EPONYM_BEFORE.search(text, max(0, start - 24), start):
        return True
    if _PLACE_BEFORE.search(text, max(0, start - 20), start):
        return True
    if _PET_BEFORE.search(text, max(0, start - 36), start):
        return True
    if _A_PROGRAM_AFTER.match(text, end) is not None:
        return True
    if not cued and (
        _TOPIC_BEFORE.search(text, max(0, start - 32), start)
        or _TOPIC_AFTER.match(text, end, min(len(text), end + 32))
    ):
        return True
    first = text[start:end].split(" ", 1)[0]
    if _EPONYM_BEFORE.fullmatch(first + " "):  # "Morbus Parkinson" read as one name
        return True
    if _ends_a_known_name(text, start, end) or _begins_a_famous_han_name(text, start, end):
        return True
    if first.lower() in THING_FIRST_WORDS:
        return True
    if founder(text, start, end):
        return True
    return known_not_a_private_person(text[start:end], alone=not cued)


# A thing's first word before a name ("Hurricane Sandy", "Pizza Margherita"); "Dr." before
# one is a person's title here.
_THING_BEFORE_A_NAME = (THING_FIRST_WORDS - {"dr", "dr."}) | frozenset(
    "hurricane typhoon cyclone storm tropical tormenta huracán ouragan".split()
)
# The capitalised words right before and right after a word: the rest of a name it is in.
_CAPITALS_BEFORE = regex.compile(r"(?:\p{Lu}[\p{L}\p{M}'\u2019\-]*\.?[ \t]+){1,2}\Z")
_CAPITALS_AFTER = regex.compile(r"(?:[ \t]+\p{Lu}[\p{L}\p{M}'\u2019\-]*){1,2}")


# The stand-ins of examples, fixtures and specimen forms, no one's names: "John Doe", "Max
# Mustermann", "Jan Modaal", "홍길동". Not "Mario Rossi" or "Jan Kowalski": many real people
# bear those.
_STAND_INS = tuple(
    frozenset(name.split())
    for name in (
        "john doe", "jane doe", "john q. public", "joe bloggs", "max mustermann",
        "erika mustermann", "jan modaal", "ola nordmann", "kari nordmann", "matti meikäläinen",
        "fulano de tal", "juan dela cruz", "test user",
    )
)  # fmt: skip
_STAND_IN_WORDS = frozenset().union(*_STAND_INS) - {"de", "tal", "dela", "q.", "user"}
# Not "山田太郎" or "张三": people write them as real people's names as often.
_UNSPACED_STAND_INS = ("홍길동",)


def a_stand_in(text: str, start: int, end: int) -> bool:
    """Whether the name at ``text[start:end]`` is (part of) a stand-in whose every word the
    text holds ("First name: John / Last name: Doe")."""
    span = text[start:end]
    if any(span in name or name in span for name in _UNSPACED_STAND_INS if name in text):
        return True
    words = span.lower().split()
    if not words or _STAND_IN_WORDS.isdisjoint(words):
        return False
    lowered = text.lower()
    return any(
        set(words) <= stand_in and all(_a_word_in(lowered, w) for w in stand_in)
        for stand_in in _STAND_INS
    )


def _a_word_in(text: str, word: str) -> bool:
    at = text.find(word)
    while at >= 0:
        end = at + len(word)
        if (at == 0 or not text[at - 1].isalpha()) and (
            end == len(text) or not text[end].isalpha()
        ):
            return True
        at = text.find(word, at + 1)
    return False


def a_things_word_elsewhere(text: str, start: int, end: int) -> bool:
    """Whether the one word at ``text[start:end]`` stands elsewhere in the text inside a
    public figure's or a thing's name: the same one again ("Anna Karenina ... not Anna",
    "Linus Torvalds ... Linus", "Hurricane Sandy ... name: Sandy")."""
    word = text[start:end]
    return bool(word.strip()) and _in_a_things_name(text, word)


_MOST_MENTIONS = 64  # of one word looked at: a log repeating a name is no quadratic cost


@lru_cache(maxsize=256)
def _in_a_things_name(text: str, word: str) -> bool:
    """Whether ``word`` stands somewhere in ``text`` inside a public figure's or a thing's
    name; once per text and word, however many times the word was found."""
    position = text.find(word)
    for _ in range(_MOST_MENTIONS):
        if position < 0:
            break
        lo, hi = position, position + len(word)
        position = text.find(word, hi)
        if (lo and text[lo - 1].isalnum()) or text[hi : hi + 1].isalnum():
            continue
        before = _CAPITALS_BEFORE.search(text, max(0, lo - 40), lo)
        after = _CAPITALS_AFTER.match(text, hi, min(len(text), hi + 40))
        first = before.start() if before is not None else lo
        last = after.end() if after is not None else hi
        if first == lo and last == hi:
            continue  # alone there
        if text[first:lo].split(" ", 1)[0].lower().rstrip(".") in _THING_BEFORE_A_NAME:
            return True  # "Hurricane Sandy", "Cyclone Idai"
        starts = [first, lo] if first < lo else [lo]
        ends = [last, hi] if last > hi else [hi]
        if any(
            b - a > len(word) and known_not_a_private_person(text[a:b])
            for a in starts
            for b in ends
        ):
            return True
    return False


# The last words of streets' and squares' names ("Baker Street", "Abbey Road").
_STREET_WORDS = frozenset(
    "street st road rd avenue ave boulevard blvd lane ln square sq drive dr way place row "
    "terrace close crescent court gardens straße strasse platz gasse allee weg laan straat "
    "gracht plein rue avenida calle rua via viale piazza ulica gatan vägen gata".split()
)
# Runs of two or three capitalised words, possessives aside: where a famous name may stand.
_CAPITALISED_RUN = regex.compile(
    r"(?<![\p{L}\p{M}])\p{Lu}[\p{L}\p{M}'\u2019\-]+(?:[ \u00a0]\p{Lu}[\p{L}\p{M}'\u2019\-]+){1,2}"
)


@lru_cache(maxsize=8)
def names_the_famous(text: str) -> bool:
    """Whether ``text`` names a public figure, a brand or a character in full ("Sean Bean",
    "Tony Stark"): a text about them, where a given name alone is more often one of them
    (the name scorer's feature). Once per text."""
    # Whole names looked up as they stand (declined forms would cost 100 µs a run).
    for run in _CAPITALISED_RUN.finditer(text):
        value = normal_name(run.group())
        if value.rsplit(" ", 1)[-1] in _STREET_WORDS:
            continue  # "Baker Street": an address's street, though famous, names no one
        if value in PUBLIC_FIGURES or value in BRANDS or value in _famous():
            return True
    return False
