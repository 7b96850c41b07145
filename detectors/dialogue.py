"""Answers in a transcript to a question that names their class.

In a call or chat transcript the value often stands alone in the answer, without a context
word of its own::

    Agent: ¿Y su fecha de nacimiento?
    Cliente: Quince de abril del setenta y ocho.

    상담원: 성함 말씀해 주시겠어요?
    고객: 문재훈입니다.

The question plays the part a form's label plays (``detectors.structured``): it names the
class, and the next speaker's turn holds the value. Only names and dates of birth are asked
this way; each answer is still checked (a date needs a month, a number or a date mark; a name
needs one to four words that are no common words), so "Sure, one moment" is never taken.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import regex

from detectors.birth_date import MONTH_WORDS, date_spans, yearless_spans
from detectors.names import NAME_PARTICLES
from detectors.spoken_dates import ENGLISH_TENS, english_below_100, english_year, spoken_dates

ANSWER_SCORE = 0.8

# "Agent: ...", "[10:02] Lea: ...", "SPEAKER_1 (Kwame): ...": a label of one to four words.
_TURN = re.compile(
    r"^[ \t]*(?:\[[^\]\n]{1,24}\][ \t]*)*(?P<speaker>[^\s:：\[\]][^\n:：]{0,30}?)[ \t]*[:：]"
    r"[ \t]*(?P<said>[^\n]*)$",
    re.MULTILINE,
)
# What a question for a birth date or a name says, in some 25 languages (read on lower-cased
# text, as the lists below). Stems, so that the cases of inflected languages match ("дату
# рождения", "doğum tarihiniz").
_ASKS_BIRTH = re.compile(
    r"birth|born|\bdob\b|\bd\.o\.b|geburt|geboren|nacimiento|naciste|nació|nascimento|"
    r"nasceu|nascita|nato|nata\b|naissance|\bné\b|\bnée\b|geboorte|urodz|doğum|dogum|lahir|"
    r"född|födelse|født|fødsel|syntym|születés|naşter|naster|narozen|рожд|народж|γέννησ|"
    r"ngày sinh|sinh năm|kuzaliwa|kapanganakan|生年月日|出生|生日|誕生日|생년월일|생일|"
    r"जन्म|ميلاد|ولادت|تولد|לידה|"
    # Birthdays: "cumple", "niver", "verjaardag", "compleanno", "생신", "बर्थडे", "ultah".
    r"\bb-?day|cumple|aniversário|\bniver|anniversaire|compleanno|verjaardag|"
    r"jarig|bursdag|fødselsdag|fyller|ulang tahun|\bultah|sinh nhật|생신|बर्थडे"
)
_ASKS_NAME = re.compile(
    r"(?<![^\W\d_])(?:name|names|surname|forename|nombre|apellidos?|llama|llamas|nom|"
    r"prénom|appelez|appelles|nome|cognome|chiama|chiami|naam|heet|heten|namn|heter|navn|"
    r"nimi|imię|imie|nazwisk[^\W\d_]*|isim|isminiz|adınız|adiniz|soyadınız|nama|имя|"
    r"фамили[^\W\d_]*|"
    r"зовут|отчество|tên|jina|pangalan|spell|buchstabieren|épeler|deletrear|heißen|heissen)"
    r"(?![^\W\d_])|名前|お名前|姓名|名字|叫什么|이름|성함|नाम|اسم|שם"
)
# Words for a phone itself, in a question (read on lower-cased text, as the lists below).
_PHONE_WORDS = (
    r"phone|mobile|\bcell\b|call(?:ing)? you back|call ?back|ring you|reach you|telefon|"
    r"recapit|thuê bao|handy|teléfono|móvil|celular|téléphone|portable|rappel|richiam|"
    r"terugbel|komórk|телефон|перезвон|mobil|ulaş|telepon|dihubungi|số điện thoại|"
    r"số liên lạc|liên lạc|điện thoại|電話番号|電話|連絡先|电话|手机|联系|연락|전화|फ़ोन|फोन|"
    r"संपर्क|هاتف|جوال|موبايل|للتواصل"
)
# What a question (or the agent reading it back) for a phone number says: those, or a number
# ("номеру", "numaradan": stems, so that the cases of inflected languages match).
_ASKS_PHONE = re.compile(
    _PHONE_WORDS + r"|\bnumber\b|nummer|rückfrage|número|numero|numéro|numer|номер|numara|"
    r"nomor|번호|नंबर|رقم|نمرة|نمره"
)
# A question for a US Social Security number.
_ASKS_SSN = re.compile(r"\bsocial\b|\bssn\b|s\.s\.n")
# ... but not an order's, a ticket's or a card's number: those are other things.
_ASKS_OTHER_NUMBER = re.compile(
    r"order|ticket|tracking|reference|invoice|booking|confirmation|account|policy|"
    r"(?<!in )case|social|\bssn|security|"
    r"bestell|auftrag|pedido|commande|ordine|bestelling|zamówien|заказ|sipariş|pesanan|"
    r"đơn hàng|注文|订单|주문|ऑर्डर|طلب"
)
# A question for a number that is some record's, not a person's: an order's, a ticket's, a
# booking's (an account's or a case's only with "number": "your reference?" may ask for a
# person).
_ASKS_ANOTHER_NUMBER = re.compile(  # read on lower-cased text
    r"order|ticket|tracking|invoice|booking|confirmation|policy|\bpnr\b|"
    r"(?:reference|account|case|customer|member(?:ship)?|ref\.?)[ -]?(?:number|no\b|code|id\b|#)|"
    r"bestell|auftrag|buchung|reserv|pedido|commande|ordine|bestelling|zamówien|заказ|sipariş|"
    r"pesanan|đơn hàng|注文|订单|주문|ऑर्डर|طلب|prenot|boeking|rezerw|rezerv|бронир|rechnung|"
    r"factur|fattur|fatura|счёт|счет|vorgang|kundennummer|sendung|suivi|seguimiento|rastreio|"
    r"予約|预订|예약|आरक्षण|حجز"
)
# A question for a phone number itself, not any number ("order number", "número de pedido").
_ASKS_PHONE_ITSELF = re.compile(_PHONE_WORDS + r"|rückruf")
# A request, where the question carries no question mark ("जन्म तिथि बताइए।").
_QUESTION_WORDS = re.compile(
    r"(?:please|tell|confirm|give|provide|spell|state|need|bitte|nennen|bräuchte|"
    r"benötige|brauche|behöver|trenger|necesito|preciso|besoin|bisogno|por favor|diga|"
    r"indique|confirme|per favore|proszę|podaj|lütfen|söyle|tolong|sebutkan|пожалуйста|"
    r"подскажите|назовите|скажите|tafadhali|vui lòng|cho biết|cho (?:em|tôi|anh|chị|mình) xin|"
    r"बताइए|बताएं|बताइये|बताओ|"
    r"말씀|알려|教えて|お願い|请|請|أخبرني|من فضلك|لو سمحت)"
)
# Words an answer begins or ends with that are no part of its value.
_LEADING = regex.compile(
    r"(?i)^(?:(?:yes|yeah|yep|sure|ok|okay|of course|um+|uh+|er+|hmm|so|right|sí|si|claro|"
    r"ja|oui|bien sûr|certo|sim|tak|evet|iya|ya|да|конечно|vâng|dạ|ndiyo|naam|نعم|हाँ|हां|"
    r"はい|네|예|是的|是|好的)[\s,.!:;—–-]+)*"
    r"(?:(?:(?:my|the)\s+(?:full\s+)?name\s+is|name's|it's|it’s|its|it is|this is|i'm|i’m|im|i am|"
    r"me llamo|mi nombre es|soy|je m'appelle|je suis|c'est|ich heiße|ich bin|mein name ist|"
    r"mi chiamo|sono|me chamo|meu nome é|sou|ik ben|ik heet|mijn naam is|jag heter|jeg heter|"
    r"nazywam się|jestem|benim adım|adım|nama saya|saya|меня зовут|я|tôi là|tên tôi là|"
    r"jina langu ni|ni|ako si|मेरा नाम|मैं|اسمي|أنا)(?![\p{L}\p{M}])"
    r"|我叫|我是|私は|저는|제 이름은)?\s*"
)
_TRAILING = regex.compile(
    r"(?:\s+(?i:here|speaking|please|thanks|thank you|här|hier|aquí|ici|qui|aqui|जी|da|ạ)"
    r"|입니다|이에요|예요|이요|요|です|だよ|है|हूँ|हूं)*[\s.!,。！।？?؟]*$"
)
_PART = re.compile(r"[^,;，、。]+")
_DIGITS = re.compile(r"\d")
_COMPACT_DATE = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])")
_CJK_DATE = re.compile(r"[年月日년월일]")
_WORD = regex.compile(r"[\p{L}\p{M}]+(?:['’\-][\p{L}\p{M}]+)*")
_SPELLED = re.compile(r"[A-Za-z](?:[- ][A-Za-z]){2,}")
_CASELESS_RUN = regex.compile(r"[\p{Han}\p{Hangul}\p{Hiragana}\p{Katakana}]{2,5}")
_MAX_ANSWER = 120


@dataclass(frozen=True, slots=True)
class Answer:
    pii_class: str
    start: int
    end: int


def answers(text: str, common_words: frozenset[str]) -> Iterator[Answer]:
    """Values in the turn after one that asks for a name or a date of birth.

    ``common_words`` are lower-case words too common to be taken for a name in an answer."""
    if ":" not in text and "：" not in text:
        return
    turns = list(_TURN.finditer(text))
    if len(turns) < 2:
        return
    for number, (question, answer) in enumerate(itertools.pairwise(turns)):
        asker = question.group("speaker").strip().lower()
        if asker == answer.group("speaker").strip().lower():
            continue
        if not _follows(text, question, answer):
            continue
        said = question.group("said")
        lowered = _lowered(said)
        if not _asks(said, lowered):
            continue
        birth = _ASKS_BIRTH.search(lowered) is not None
        name = _ASKS_NAME.search(lowered) is not None
        phone = (
            _ASKS_PHONE.search(lowered) is not None and _ASKS_OTHER_NUMBER.search(lowered) is None
        )
        if _ASKS_SSN.search(lowered) is not None:
            # "Four three one, two two, nine zero eight six": nine digits said.
            for run in spoken_numbers(text, *answer.span("said")):
                if digits_said(text[run[0] : run[1]]) == 9:
                    yield Answer("ssn", *run)
        if phone:
            # The number said in words, in the answer or read back in the question itself;
            # or the answer's digits, which need no phone word of their own ("41 72 63 05").
            for turn in (question, answer):
                start, end = turn.span("said")
                for run in spoken_numbers(text, start, end):
                    yield Answer("phone", *run)
            yield from _numbers_answered(text, *answer.span("said"))
        if birth or name:
            yield from _values(text, answer, birth, name, common_words)
        if birth and number + 2 < len(turns):
            read_back = turns[number + 2]
            if read_back.group("speaker").strip().lower() == asker and _follows(
                text, answer, read_back
            ):
                yield from _dates_read_back(text, *read_back.span("said"))


def _dates_read_back(text: str, start: int, end: int) -> Iterator[Answer]:
    """The dates in the asker's turn after the answer: a birth date read back to confirm it
    ("Fourth of September sixty-three, lovely"), in digits or in English words."""
    said = text[start:end]
    for lo, hi in date_spans(said):
        yield Answer("date_of_birth", start + lo, start + hi)
    for lo, hi, _ in spoken_dates(text, start, end):
        yield Answer("date_of_birth", lo, min(hi, end))


def _lowered(said: str) -> str:
    """A turn as the word lists read it: Python's "re" tries a case-insensitive alternation
    of a hundred words about five times slower than the same on lower-cased text. ("İ"
    lowers to two characters; "i" is the one a list spells.)"""
    return said.replace("\u0130", "i").lower()


def _asks(said: str, lowered: str) -> bool:
    """A question (a question mark, or Japanese's particle "か" ending it) or a request
    ("please", "bitte", "बताइए")."""
    return (
        "?" in said
        or "？" in said
        or "؟" in said
        or said.rstrip(" 。.").endswith("か")
        or _QUESTION_WORDS.search(lowered) is not None
    )


_QUESTION_TAIL = 160


def answers_another_number(text: str, position: int) -> bool:
    """Whether ``position`` stands in a turn that answers a question for a number that is no
    phone's, an order's, a ticket's or a booking's ("Agent: can I have the order number? /
    Caller: it's 4411-2209-88"). Only the two turns around it are read."""
    line_start = text.rfind("\n", 0, position) + 1
    if line_start < 2 or (
        text.find(":", line_start, position) < 0 and text.find("：", line_start, position) < 0
    ):
        return False  # no speaker's label before it on its line, or no line before
    answer = _TURN.match(text, line_start)
    if answer is None or position < answer.start("said"):
        return False
    # The question: the line before, or the one before a blank line.
    end = line_start - 1
    if end > 0 and text[end - 1] == "\n":
        end -= 1
    question = _TURN.match(text, text.rfind("\n", 0, end) + 1)
    if question is None or question.end() != end:
        return False
    if question.group("speaker").strip().lower() == answer.group("speaker").strip().lower():
        return False
    said = question.group("said")[-_QUESTION_TAIL:]  # a long turn asks at its end
    # Asked with a question mark: a cheap test first, the word lists (tens of µs) after.
    if "?" not in said and "？" not in said and "؟" not in said:
        return False
    lowered = _lowered(said)
    return (
        _ASKS_ANOTHER_NUMBER.search(lowered) is not None
        and _ASKS_PHONE_ITSELF.search(lowered) is None
    )


# Digits in groups, as a number is read out or typed ("41 72 63 05", "+852 6123 4587").
_DIGIT_RUN = re.compile(r"(?<![\w/.-])\+?\d(?:[ \-.]?\d)+(?![\w/-])")
_NUMBER_DIGITS = range(7, 16)


def _numbers_answered(text: str, start: int, end: int) -> Iterator[Answer]:
    """Digit runs of seven to fifteen digits in the answer to a question for a phone number,
    unless they read as a date ("12031985", "1985 03 12")."""
    if end - start > _MAX_ANSWER:
        return
    for run in _DIGIT_RUN.finditer(text, start, end):
        digits = _DIGITS.findall(run.group())
        if len(digits) in _NUMBER_DIGITS and not date_spans(run.group()):
            if len(digits) == 8 and _COMPACT_DATE.fullmatch("".join(digits)):
                continue
            yield Answer("phone", *run.span())


def _follows(text: str, question: re.Match[str], answer: re.Match[str]) -> bool:
    """The answer is the next line, or the one after a blank line."""
    between = text[question.end() : answer.start()]
    return between.count("\n") <= 2 and not between.strip()


def _values(
    text: str, answer: re.Match[str], birth: bool, name: bool, common_words: frozenset[str]
) -> Iterator[Answer]:
    start, end = answer.span("said")
    if end - start > _MAX_ANSWER or start == end:
        return
    said = text[start:end]
    lead = _LEADING.match(said)
    offset = lead.end() if lead is not None else 0
    if birth:
        whole = said[offset:]
        tail = _TRAILING.search(whole)
        whole = whole[: tail.start() if tail is not None else len(whole)]
        if _numbers_said_as_a_date(whole):
            yield Answer("date_of_birth", start + offset, start + offset + len(whole))
            return
    for part in _PART.finditer(said, offset):
        value = part.group()
        tail = _TRAILING.search(value)
        stop = tail.start() if tail is not None else len(value)
        value = value[:stop]
        left = len(value) - len(value.lstrip(" \t.—–-"))
        value = value.strip(" \t.—–-")
        if not value:
            continue
        begin = start + part.start() + left
        if birth and _DIGITS.search(value) is not None:
            # Written digits: the dates in the answer, not the words around them; a birthday
            # told without its year too ("9 мая, полностью 09.05.1936").
            dates = date_spans(value)
            dates += [
                (lo, hi)
                for lo, hi in yearless_spans(value)
                if not any(lo < end and start < hi for start, end in dates)
            ]
            for date_start, date_end in dates:
                yield Answer("date_of_birth", begin + date_start, begin + date_end)
        elif birth and is_spoken_date(value):
            yield Answer("date_of_birth", begin, begin + len(value))
        elif name:
            span = _name_answer(value, common_words)
            if span is not None:
                yield Answer("name", begin + span[0], begin + span[1])


# Number words of the languages a call centre speaks, digits to hundreds, each a part a
# word may be glued from ("vierendertig", "fyrtiotvå", "ventidue", "quarante-deux").
_NUMBER_PARTS = sorted(
    set(
        """
        zero oh one two three four five six seven eight nine ten eleven twelve thirteen
        fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty
        seventy eighty ninety hundred double triple
        null eins ein zwei drei vier fünf sechs sieben acht neun zehn elf zwölf zwo dreizehn
        zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig hundert und
        cero uno una dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce
        quince dieciséis diecisiete dieciocho diecinueve veinte veinti veintiuno veintidós
        treinta cuarenta cincuenta sesenta setenta ochenta noventa cien ciento y
        zéro un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze
        quinze seize vingt trente quarante cinquante soixante cent et
        zero uno due tre quattro cinque sei sette otto nove dieci undici dodici tredici
        quattordici quindici sedici diciassette diciotto diciannove venti vent trenta quaranta
        cinquanta sessanta settanta ottanta novanta cento trent quarant cinquant sessant
        settant ottant novant
        zero um uma dois duas três quatro cinco seis sete oito nove dez onze doze treze
        catorze quatorze quinze dezesseis dezessete dezoito dezenove vinte trinta quarenta
        cinquenta sessenta setenta oitenta noventa cem e
        nul een één twee drie vier vijf zes zeven acht negen tien elf twaalf dertien veertien
        twintig dertig veertig vijftig zestig zeventig tachtig negentig honderd en
        zero jeden jedna dwa dwie trzy cztery pięć sześć siedem osiem dziewięć dziesięć
        jedenaście dwanaście trzynaście czternaście piętnaście szesnaście siedemnaście
        osiemnaście dziewiętnaście dwadzieścia trzydzieści czterdzieści pięćdziesiąt
        sześćdziesiąt siedemdziesiąt osiemdziesiąt dziewięćdziesiąt sto dwieście trzysta
        czterysta pięćset sześćset siedemset osiemset dziewięćset
        ноль один одна два две три четыре пять шесть семь восемь девять десять одиннадцать
        двенадцать тринадцать четырнадцать пятнадцать шестнадцать семнадцать восемнадцать
        девятнадцать двадцать тридцать сорок пятьдесят шестьдесят семьдесят восемьдесят
        девяносто сто двести триста четыреста пятьсот шестьсот семьсот восемьсот девятьсот
        noll nolla ett en två tre fyra fem sex sju åtta nio tio elva tolv tretton fjorton
        femton sexton sjutton arton nitton tjugo trettio fyrtio femtio sextio sjuttio åttio
        nittio hundra
        sıfır bir iki üç dört beş altı yedi sekiz dokuz on yirmi otuz kırk elli altmış yetmiş
        seksen doksan yüz
        nol kosong satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas belas
        puluh ratus seratus
        không một mốt hai ba bốn tư năm lăm sáu bảy tám chín mười mươi trăm linh lẻ
        शून्य एक दो तीन चार पांच पाँच छह छः सात आठ नौ दस
        صفر واحد اثنين اتنين ثلاثة تلاتة أربعة اربعة خمسة ستة سبعة ثمانية تمانية تسعة عشرة
        زيرو ربعة تمنية ثمنية ثلاثه تلاته اربعه خمسه سته سبعه ثمانيه تمانيه تسعه
        """.split()
    ),
    key=len,
    reverse=True,
)
_NUMBER_WORD = regex.compile(
    "(?i)(?:"
    + "|".join(map(regex.escape, _NUMBER_PARTS))
    + r")(?:[\-]?(?:"
    + "|".join(map(regex.escape, _NUMBER_PARTS))
    + "))*"
)
_SPOKEN_TOKEN = regex.compile(r"[\p{L}\p{M}\-]+|\d+")
# Digits in East Asian scripts: Chinese numerals, sino-Korean syllables, Japanese readings
# in hiragana and katakana.
_CJK_DIGIT = (
    r"(?:[零〇一二三四五六七八九幺两]|[공영일이삼사오육칠팔구]"
    r"|ゼロ|れい|まる|いち|にー|に|さん|よん|しー|ごー|ご|ろく|なな|しち|はち|きゅう|キュー|く"
    r"|レイ|マル|イチ|ニー|ニ|サン|ヨン|シー|ゴー|ゴ|ロク|ナナ|シチ|ハチ|キュウ|ク)"
)
_CJK_DIGITS = regex.compile(rf"{_CJK_DIGIT}(?:[、，, の]*{_CJK_DIGIT})*")
_MIN_SPOKEN_WORDS = 5  # a number said in words: five of them or more ("oh seven seven ...")
_MIN_CJK_DIGITS = 7


def spoken_numbers(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Runs of number words (and digit groups) in ``text[start:end]``: a number said aloud
    ("null eins fünf eins, zwei drei vier", "zéro six, quarante-deux", "공일공, 삼사오")."""
    run: list[tuple[int, int]] = []
    words = 0  # "oh-two-seven" is three
    for token in [*_SPOKEN_TOKEN.finditer(text, start, end), None]:
        span = None
        if token is not None and (
            token.group().isdigit() or _NUMBER_WORD.fullmatch(token.group()) is not None
        ):
            span = token.span()
        if span is not None and run and text[run[-1][1] : span[0]].strip(" ,-–،、，") == "":
            run.append(span)
            words += 1 + token.group().count("-")
            continue
        if words >= _MIN_SPOKEN_WORDS:
            yield run[0][0], run[-1][1]
        run = [span] if span is not None else []
        words = 1 + token.group().count("-") if span is not None else 0
    for match in _CJK_DIGITS.finditer(text, start, end):
        stop = match.end()
        # "...오육칠이요": the 이 of the polite ending 이요, not a 2.
        if text.startswith("이요", stop - 1):
            stop -= 1
        digits = len(regex.findall(r"[^、，, の]", text[match.start() : stop]))
        if digits >= _MIN_CJK_DIGITS:
            yield match.start(), stop


_DATE_PARTS = re.compile(r"\s*,\s*|\s*/\s*|\s+slash\s+")


def _numbers_said_as_a_date(value: str) -> bool:
    """Three numbers in English words that make a date, month or day first: "three,
    twenty-two, eighty-seven", "oh-four, oh-nine, sixty-three"."""
    parts = _DATE_PARTS.split(value.strip())
    if len(parts) != 3 or _DIGITS.search(value) is not None:
        return False
    first, second = english_below_100(parts[0]), english_below_100(parts[1])
    year = english_year(parts[2])
    if first is None or second is None or year is None or not 1900 <= year <= 2030:
        return False
    return 1 <= min(first, second) <= 12 and 1 <= max(first, second) <= 31


# The words for the digits 0-9, in the languages whose numbers are said digit by digit.
DIGIT_WORDS = frozenset(
    """
    zero oh o one two three four five six seven eight nine cero uno dos tres cuatro cinco seis
    siete ocho nueve zéro un deux trois quatre cinq sept huit neuf null eins zwei drei vier
    fünf sechs sieben acht neun um dois três sete oito nove due tre quattro cinque sei sette
    otto
    """.split()
)


def digits_said(value: str) -> int:
    """How many digits a number said in words holds: one a digit word, two a "double" or a
    "twenty-two" (or any other number word), a digit group its digits."""
    count = 0
    repeat = 1
    parts = re.findall(r"[^\W_]+", value.lower())
    for i, part in enumerate(parts):
        if part.isdigit():
            count += len(part)
        elif part in ("double", "triple"):
            repeat = 2 if part == "double" else 3
            continue
        elif part in DIGIT_WORDS:
            if i and parts[i - 1] in ENGLISH_TENS and part not in ("zero", "oh", "o"):
                continue  # "twenty-two": counted with "twenty"
            count += repeat
        else:
            count += 2  # "twenty", "dreiundzwanzig": a two-digit group
        repeat = 1
    return count


def is_spoken_date(value: str) -> bool:
    """A date said in words: a month's name, Vietnamese "tháng" (month) or a CJK date mark
    ("팔십칠년 칠월 이일", "mười lăm tháng tám năm tám mươi bảy")."""
    words = _WORD.findall(value)
    if len(value) > 80 or len(words) > 12:
        return False
    if _CJK_DATE.search(value) is not None:
        return True
    return any(word.casefold() in MONTH_WORDS or word.casefold() == "tháng" for word in words)


def in_words_date(value: str) -> bool:
    """A field's date written out in words, three of them or more, no digit ("veintiuno de
    marzo de dos mil cuatro", "on yedi Mayıs iki bin on beş")."""
    return (
        _DIGITS.search(value) is None
        and len(_WORD.findall(value)) >= 3
        and _WORD.sub("", value).strip(" \t.,-") == ""
        and is_spoken_date(value)
    )


def _name_answer(value: str, common_words: frozenset[str]) -> tuple[int, int] | None:
    """One to four words, none of them common ("Watanabe", "salvatore lo presti",
    "문재훈"); a spelled-out name ("W-A-T-A-N-A-B-E") too."""
    if _DIGITS.search(value) is not None or "@" in value:
        return None
    if _SPELLED.fullmatch(value) is not None:
        return 0, len(value)
    words = list(_WORD.finditer(value))
    if not 1 <= len(words) <= 4:
        return None
    if "".join(m.group() for m in words) == value.replace(" ", "") and len(words) == 1:
        run = _CASELESS_RUN.fullmatch(value)
        if run is not None:
            return 0, len(value)
    # Only letters and the spaces, hyphens, full stops (initials) and katakana middle dots
    # ("テッ・ナイン") between them.
    if regex.sub(r"[\p{L}\p{M}'’\-.\s・]", "", value):
        return None
    lowered = [m.group().lower() for m in words]
    if all(_NUMBER_WORD.fullmatch(w) for w in lowered):  # "eighty-eight": a year's digits
        return None
    common = [w in common_words and w not in NAME_PARTICLES for w in lowered]
    # A full name given in capitals may hold common words ("Thập Thị Hoa", "Rose Park"), as
    # long as one word is none; in lower case, or alone, a common word is an answer's word.
    capitalised = len(words) > 1 and all(m.group()[0].isupper() for m in words)
    if any(common) and not (capitalised and not all(common)):
        return None
    if all(w in NAME_PARTICLES for w in lowered):
        return None
    return words[0].start(), words[-1].end()
