"""Email addresses and phone numbers.

Phone numbers are found by shape first (digit groups and separators, compiled once), then
judged on their groups:

- international numbers ("+44 20 7946 0958", "0049 30 123456", "(+44) 20 ...", with the
  trunk prefix in brackets or not: "+49 (0)40 5557 1123") are checked against their calling
  code's numbering plan;
- national numbers must be a valid number of one of the ``NATIONAL_REGIONS`` written the way
  that country writes it (its trunk prefix, and a first group as long as its formats make it:
  "030 1234567", "8 (915) 555-12-98", "(21) 98765-1234", "99876 54321"), or have a NANP shape
  ("(415) 555-0134"). Both kinds of plan are read from ``phonenumbers``' metadata once per
  process (about 0.2 s), so a request costs regex matches, never a ``phonenumbers`` call;
- a phone word before a number ("Tel.", "Handy", "móvil", "电话", "전화", "هاتف", ...) lets
  through other groupings and eight-digit numbers; an identifier word ("order",
  "Bestellnummer", "주문번호", "CCCD", ...) rules the number out, unless a phone word is closer;
- a bare digit run needs a phone word, or ten or eleven digits with a national number's shape
  and no identifier word before it, so order numbers, timestamps and product codes are left
  alone, as are dates, versions, IP addresses, IBAN tails, amounts and SSNs, whose groups
  never have a phone's shape.

Extensions ("x232", "ext. 15", "Durchwahl 12") are kept in the span.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import phonenumbers
from phonenumbers import PhoneMetadata, region_code_for_country_code
from phonenumbers.phonemetadata import NumberFormat

from detectors.base import Finding
from detectors.context import GLUE, SENTENCE_BREAK, column_header, glues
from detectors.dialogue import DIGIT_WORDS, answers_another_number, digits_said, spoken_numbers

# The local part may hold any letters (RFC 6531 addresses like "jérôme@exemple.fr"). Matching
# starts from each "@" rather than from every word of the text: the local part is found by a
# search anchored at the "@", the domain by a match right after it.
_LOCAL_MAX = 64
_LOCAL = re.compile(r"(?<![\w.%+-])[^\W_](?:[\w.%+-]{0,62}[\w%+-])?$")
_DOMAIN = re.compile(
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])"
)


class EmailDetector:
    name = "email"
    classes = frozenset({"email"})

    def detect(self, text: str) -> list[Finding]:
        findings = []
        at = text.find("@")
        while at >= 0:
            domain = _DOMAIN.match(text, at)
            if domain:
                local = _LOCAL.search(text, max(0, at - _LOCAL_MAX), at)
                if local:
                    findings.append(Finding("email", local.start(), domain.end(), 0.95, self.name))
            at = text.find("@", at + 1)
        return findings


# A group is digits, or a parenthesised area code like "(0)" or "(415)". Separators are
# mandatory between two bare digit groups, so the regex cannot split one digit run in many
# ways (no catastrophic backtracking on long numbers), and the groups are taken possessively:
# a card number followed by ",689.00" is not cut back to its first groups. Digits of any
# script match ("\d"), and the spaces and dashes of typeset and full-width text separate.
# Not tabs: they separate the cells of a table. The ideographic space groups full-width
# digits in CJK text ("１５９　８８７６　５４３２").
_SPACE = "[ \u00a0\u2009\u202f\u3000]"
_DASHES = "\\-\u2010-\u2013\u2212\uff0d"
_SEP = rf"(?:{_SPACE}?[{_DASHES}./]{_SPACE}?|{_SPACE})"
_GROUP = rf"(?:\(\d{{1,5}}(?:{_SPACE}\d{{1,4}})?\)|\d+)"
_EXTENSION = r"(?i:x|ext\.?|extn\.?|extension|durchwahl|poste|anexo|interno|int\.|wew\.|доб\.?|#)"
_PHONE = re.compile(
    rf"(?<!{GLUE})(?<![+{_DASHES}/])(?<!\d\.)(?<!{GLUE}\()"
    rf"(?:(?P<intl>\+|00(?=[1-9]))|(?P<cc>\(\+\d{{1,4}}\)){_SEP}?)?"
    rf"(?P<body>{_GROUP}(?:{_SEP}{_GROUP}|\(\d{{1,5}}\)|(?<=\))\d+)*+)"
    rf"(?P<ext>{_SPACE}*{_EXTENSION}{_SPACE}*\d{{1,6}})?"
    rf"(?!{GLUE}|[+{_DASHES}/]|[.:]\d)"
)
# Where a match of _PHONE can start: eight characters or more of digits and separators. A
# pattern that starts with a character class is searched for in C, position by position.
_CLUSTER = re.compile(rf"[+(\d][\d+()./{_DASHES} \u00a0\u2009\u202f\u3000]{{7,}}")
_EXTENSION_ROOM = 20
_DIGIT_GROUP = re.compile(r"\d+")
_SEPARATOR = re.compile(r"\D+")
_SPACED_SLASH = re.compile(rf"{_SPACE}/|/{_SPACE}")

# Words that say "phone number", in the languages people write to the gateway in. A phone
# word lets through groupings and lengths that the shape alone would not.
_PHONE_WORDS = "|".join(
    (
        # English
        "phone|telephone|tel|tel.|mobile|mob|mob.|cell|cellphone|call|ring me|ring us|"
        "ring him|ring her|ring on|whatsapp|sms|"
        "text me|fax|landline|contact|reach me|reach him|reach her|reach us|dial|dial-in|"
        "hotline|helpline|ph|ph.|text us|my number|her number|his number|your number|"
        "phone no|phone no.|phone #|tel. no.|tel no|mobile no|mobile no.|cell no|contact no|"
        "contact no.|"
        "new number|contact number|phone number|callback|switchboard|direct line",
        # German, Dutch, Swedish, Norwegian, Danish
        "telefon|telefonnummer|rufnummer|tel.-nr.|tel.-nr|tel. nr.|telefonnr.|handy|"
        "handynummer|mobil|mobilnummer|mobiltelefon|festnetz|anrufen|erreichbar|durchwahl|"
        "telefoon|telefoonnummer|mobiel|mobiele|gsm|bel|bellen|bereikbaar|"
        "telefonnummer|nås på|ring till|ringe|tlf|tlf.|ring meg|ring mig|ring oss",
        # French, Spanish, Portuguese, Italian
        "téléphone|tél|tél.|portable|numéro de téléphone|joindre|joignable|appeler|appelez|"
        "teléfono|telefono|tfno|tfno.|telf.|móvil|movil|celular|llame|llamar|llámame|"
        "contacto|número de teléfono|telefone|telemóvel|telemovel|ligue|ligar|contato|fone|"
        "cellulare|cell.|chiamare|chiamami|recapito|numero di telefono|contatto",
        # Polish, Czech, Turkish, Russian, Ukrainian
        "tel. kom.|komórka|komórkowy|numer telefonu|kontakt|kontaktowy|zadzwoń|mobilní|"
        "cep|cep telefonu|ara|arayın|iletişim|телефон|телефона|тел|тел.|моб.|мобильный|"
        "мобильного|сотовый|звоните|позвоните|контакт|контактный|телефону|"
        # Greek
        "τηλ|τηλ.|τηλέφωνο|τηλέφωνα|τηλεφώνου|κινητό|κινητού|κιν.",
        # Indonesian, Malay, Vietnamese, Swahili, Hindi, Arabic
        "telepon|telp|telp.|hp|no. hp|no hp|nomor hp|ponsel|hubungi|wa|"
        "số điện thoại|điện thoại|đt|đt:|sđt|liên hệ|gọi|zalo|"
        "simu|nambari ya simu|namba ya simu|piga|"
        "फ़ोन|फोन|मोबाइल|संपर्क|कॉल|मो.|मो|"
        "هاتف|الهاتف|جوال|الجوال|موبايل|تلفون|اتصل|للتواصل|واتساب|رقم الهاتف|رقم الجوال|رقمي",
        # Chinese, Japanese, Korean (written without spaces: found inside words)
        "电话|電話|手机|手機|联系方式|聯絡|携帯|連絡先|ＴＥＬ|전화|휴대폰|핸드폰|연락처|휴대전화|"
        "微信|微信号",
    )
).split("|")
# Before a number, these say "identifier" (an order, an account, an id card), not "phone".
_ID_WORDS = "|".join(
    (
        "order|order number|order no|invoice|iban|bic|isbn|account number|account no|"
        "pnr|पीएनआर|التتبع|رقم التتبع|تتبع|"
        "pin|pin code|passcode|otp|cvv|puk|"
        "acct|sku|upc|ean|gtin|imei|tracking|serial|nhs|passport|licence|license|vat|"
        "tax id|routing|sort code|transaction|receipt|confirmation number|booking ref|"
        "bestellung|bestellnummer|auftrag|auftragsnummer|rechnung|rechnungsnummer|"
        "kundennummer|kundennr.|konto|kto|kto.|konto-nr.|kontonummer|vertragsnummer|"
        "aktenzeichen|"
        "sendungsnummer|steuernummer|steuer-id|versicherungsnummer|artikelnummer|"
        "bestelling|bestelnummer|ordernummer|factuur|rekening|rekeningnummer|klantnummer|"
        "bsn|kvk|btw|ordernummer|faktura|fakturanummer|kontonummer|kundnummer|"
        "personnummer|organisationsnummer|commande|facture|numéro client|siret|siren|"
        "tva|pedido|factura|cuenta|expediente|dni|nie|nif|cif|póliza|encomenda|fatura|"
        "conta|protocolo|cpf|cnpj|ordine|fattura|conto|pratica|codice fiscale|"
        "partita iva|p.iva|zamówienie|zamówienia|rachunek|rachunku|pesel|nip|regon|"
        "sipariş|siparis|hesap|tc kimlik|kimlik|vergi|заказ|заказа|счёт|счет|счета|"
        "договор|договора|инн|снилс|паспорт|pesanan|faktur|nik|ktp|npwp|tagihan|resi|"
        "đơn hàng|mã đơn|hóa đơn|tài khoản|cccd|cmnd|mã số thuế|ऑर्डर|खाता|चालान|"
        "आधार|رقم الطلب|الطلب|فاتورة|الفاتورة|الحساب|الهوية|oda|ankara|akaunti|"
        "注文|請求書|口座|会員番号|伝票|订单|账号|账户|發票|发票|身份证|运单|单号|"
        "주문|계좌|송장|주민등록번호|고객번호|회원번호",
        # Companies' tax and registration numbers: "USt-IdNr.: DE 811 907 980", "orgnr",
        # "사업자등록번호: 220-81-62517" (a phone's groups, a company's number).
        "ust|ust-id|ust-idnr|ust-idnr.|ustid|ustidnr|umsatzsteuer-id|vat no|vat number|vat id|"
        "vat reg|abn|gstin|gst no|btw-nummer|btw nr|orgnr|org.nr|org nr|org.nr.|"
        "momsnr|cvr|y-tunnus|kvk-nummer|ico|ičo|dič|nip ue|vkn|vergi no|npwp|mst|"
        "사업자등록번호|사업자번호|등록번호|법인번호|법인등록번호|统一社会信用代码|税号|纳税人识别号|"
        "法人番号|登録番号|インボイス番号|الرقم الضريبي|السجل التجاري|जीएसटी|"
        "artnr|artnr.|art.nr|art.nr.|art.-nr.|art-nr|varenr|artikkelnr|tuotenumero",
        # Customers', bookings', cases' and policies' numbers, as forms and chats label them
        # ("Kundennr 0421 5567 89", "número de reserva", "予約番号"). Not a bare "booking" or
        # "reservations": a hotel's line is labelled so too.
        "po no|po no.|po #|po nr|po-nr|customer id|customer number|customer no|customer no.|"
        "client id|client number|client no|member id|member number|membership number|"
        "booking number|booking no|booking no.|booking id|booking code|reservation number|"
        "reservation no|reservation no.|reservation code|confirmation no|confirmation no.|"
        "confirmation code|case id|case no|case no.|case #|claim no|claim no.|policy number|"
        "policy no|policy no.|incident number|request id|request number|work order|rma|"
        "kundennr|kd.-nr.|kd. nr.|kd-nr|kdnr|bestell-nr.|bestell-nr|bestellnr|bestellnr.|"
        "auftrags-nr.|auftrags-nr|auftragsnr|vorgang|vorgangsnummer|reservierungsnummer|"
        "buchungsnummer|fallnummer|schadennummer|policennummer|mitgliedsnummer|belegnummer|"
        "numéro de réservation|numéro de commande|n° de commande|n° client|numéro de contrat|"
        "numéro de sinistre|numéro d'adhérent|número de reserva|localizador|número de pedido|"
        "nº de pedido|número de cliente|nº cliente|número de socio|número de póliza|"
        "número da reserva|número do pedido|código do cliente|número do cliente|apólice|"
        "codice cliente|numero cliente|numero ordine|numero di prenotazione|"
        "codice prenotazione|numero polizza|numer klienta|nr klienta|numer zamówienia|"
        "nr zamówienia|numer rezerwacji|nr rezerwacji|numer polisy|müşteri no|"
        "müşteri numarası|rezervasyon no|rezervasyon numarası|poliçe no|dosya no|talep no|"
        "sipariş no|reserveringsnummer|boekingsnummer|polisnummer|bokningsnummer|"
        "ärendenummer|номер заказа|номер клиента|номер брони|номер полиса|номер договора|"
        "kode booking|nomor pesanan|nomor pelanggan|id pelanggan|nomor polis|no rek|no. rek|"
        "rekening|mã đặt chỗ|mã khách hàng|số tài khoản|stk|số hợp đồng|mã hồ sơ|"
        "予約番号|お客様番号|顧客番号|契約番号|受付番号|注文番号|预订号|订单号|客户编号|合同号|"
        "保单号|예약번호|주문번호|계약번호|رقم الحجز|رقم العميل|رقم العقد|رقم البوليصة|"
        "बुकिंग नंबर|ग्राहक संख्या|ऑर्डर नंबर|पॉलिसी नंबर",
        # Goods, parts, lots, shipments, samples and case files: numbers a warehouse, a lab
        # or an office writes in a phone's groups ("Artikelnummer 0711-555-01").
        "part|part no|part number|item|item no|article|product code|model|lot|batch|"
        "shipment|parcel|consignment|waybill|specimen|sample|bin|location code|ref|ref.|"
        "reference|case number|file number|docket|claim number|ticket number|ticket numbers|"
        "rfp|rfq|tender|purchase order|po number|requisition|ticket|ticket code|ticket no|"
        "ticket #|awb|air waybill|objeto|بلاغ|البلاغ|رقم البلاغ|접수|접수번호|"
        "artikel|artikelnr|artikelnr.|teilenummer|charge|chargennummer|lagerplatz|"
        "lieferschein|zaaknummer|dossiernummer|kenmerk|lagerplats|artikelnummer|"
        "réf|réf.|référence|référence article|article|lot n°|colis|dossier|"
        "artículo|articulo|código|codigo|lote|partida|envío|envio|expedição|remessa|"
        "articolo|codice articolo|spedizione|pacco|numero pratica|"
        "zamowienie|zamowienia|przesyłka|przesylka|numer partii|sygnatura|"
        "kargo|takip|takip kodu|gönderi|gonderi|ürün kodu|urun kodu|parti|"
        "cikkszám|cikkszámú|tételszám|organisasjonsnummer|foretaksnummer|varenummer|"
        "артикул|партия|отправление|накладная|номер дела|"
        "kode barang|nomor resi|kiriman|"
        "الشحنة|رقم الشحنة|شحنة|رقم الصنف|משלוח|מספר הזמנה|کد کالا|کد کالای|"
        "พัสดุ|เลขพัสดุ|"
        "品番|型番|製品番号|ロット|物料编码|物料|编号|批次|货号|快递单号|품번|상품코드|운송장",
        # Receipts and tills, tracking codes: "scontrino=0311-2208-041", "чек=0119-2240-77".
        "bill no|bill number|kassenbon|beleg|quittung|ticket de caisse|reçu|"
        "recibo|tiquete|talão|talao|scontrino|bonnetje|kassabon|paragon|kvitto|struk|"
        "kwitansi|fiş|makbuz|чек|квитанция|hoa don|biên lai|小票|小票号|收据|"
        "票号|领収書|領収書|レシート|영수증|영수증번호|إيصال|الإيصال|ايصال|رقم الإيصال|"
        "बिल|बिल नं|रसीद|tracking code|tracciamento|codice di tracciamento|"
        "numéro de suivi|seguimiento|rastreio|rastreamento|śledzenie|numer przesyłki|"
        "трек|трек-номер|pelacakan|vận đơn|mã vận đơn|追跡番号|快递|物流单号",
    )
).split("|")
# Before a bare digit run, these too: a lone number after them is more often their id.
_RUN_ID_WORDS = (
    "id|account|ref|reference|no.|#|customer|ticket|case|epoch|timestamp|unix|build|"
    "version|policy|contract|member|card|po"
).split("|")
# An amount, not a phone: a currency just before or after the digits.
_CURRENCY_AFTER = re.compile(
    rf"{_SPACE}?(?:[€$£¥₹₽₺₩₫₦]|(?i:zł|zl|kr|kč|ft|lei|tl|eur|euro|euros|usd|gbp|chf|pln|sek"
    r"|nok|dkk|czk|huf|rub|руб|inr|rs|jpy|cny|rmb|krw|idr|vnd|brl|mxn|zar|ngn|kes|aud"
    rf"|cad|dollars?|rupees?|yuan|yen|rupiah|reais|złotych|рублей|đồng)(?!{GLUE})|元|円|원)"
)
_CURRENCY_BEFORE = re.compile(rf"(?:[€$£¥₹₽₺₩₫₦]|R\$|(?<!{GLUE})(?i:rs\.?|rp\.?)){_SPACE}?\Z")
# The start of an IBAN, whose digit groups would otherwise read as a national number.
_IBAN_HEAD = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4})* ?\Z")

_WORD = re.compile(f"{GLUE}+")
# The first number of a range, right before the second: "100-200-3000 to ", "0711-555-01 bis ".
_RANGE_START = re.compile(
    rf"(?<!{GLUE})\d[\d \-./]{{6,20}}\d[ \t]*(?:to|through|thru|-|–|—|~|bis|à|au|a|al|até"
    rf"|tot|till|до|ile|hingga|sampai|đến)[ \t]*\Z"
)


class ContextIndex:
    """Phone and identifier words, looked up just before a number.

    ``kind_before`` names the kind of word closest before a number ("phone", "id", or
    "run_id", a word that rules out bare digit runs and takes a phone word's place before
    groups: "Contact ID 4500123456", "Call reference 2024-0045-12"), within ``reach``
    characters and the same line or sentence. Whole words only, with ``detectors.context``'s
    word edges.

    Why not ``ContextWords``: it compiles every phrase into a case-insensitive regex up front,
    about 5 ms a phrase, and these are hundreds of phrases in 30 languages. Here each phrase
    is keyed by its last word: the words of the window before a number are looked up in a dict
    and only the phrases ending in one of them are compared. Phrases without a word that
    glues ("#", "电话") are searched for in the window.
    """

    def __init__(self, kinds: Mapping[str, Iterable[str]], reach: int = 30) -> None:
        self.reach = reach
        keyed: dict[str, list[tuple[str, str]]] = defaultdict(list)
        searched: list[tuple[str, str]] = []
        for kind, phrases in kinds.items():
            for phrase in {p.lower() for p in phrases}:
                words = _WORD.findall(phrase)
                if words:
                    keyed[words[-1]].append((phrase, kind))
                else:
                    searched.append((phrase, kind))
        self._keyed = {word: tuple(entries) for word, entries in keyed.items()}
        self._searched = tuple(searched)
        self._searched_ascii = tuple(entry for entry in searched if entry[0].isascii())
        self._searched_spaced = tuple(e for e in searched if max(e[0]) < _FIRST_UNSPACED)

    def kind_before(self, text: str, start: int) -> str | None:
        lo = max(0, start - self.reach)
        window = text[lo:start]
        lowered = window.lower()
        if len(lowered) != len(window):  # "İ" lowers to two characters
            lowered = "".join(ch.lower()[0] for ch in window)
        # A key's words joined by "_" are its words ("hoa_don=", "bill_no:").
        lowered = lowered.replace("_", " ")
        if lowered.isascii():
            words = set(lowered.translate(_ASCII_NON_WORD).split())
            searched = self._searched_ascii
        else:
            words = {w for token in _WORD.findall(lowered) for w in token.split("_")}
            unspaced = max(lowered) >= _FIRST_UNSPACED
            searched = self._searched if unspaced else self._searched_spaced
        last: dict[str, int] = {}
        for word in self._keyed.keys() & words:
            for phrase, kind in self._keyed[word]:
                end = _last_whole(text, lo, lowered, phrase)
                if end > last.get(kind, -1):
                    last[kind] = end
        for phrase, kind in searched:
            found = lowered.rfind(phrase)
            if found >= 0 and found + len(phrase) > last.get(kind, -1):
                last[kind] = found + len(phrase)
        for kind, end in list(last.items()):
            if SENTENCE_BREAK.search(text, lo + end, start) or not _reaches(text, lo + end, start):
                del last[kind]
        if not last:
            return None
        # The closest word wins; a phone word wins a tie ("Tel.-Nr.", "phone no."). "No.",
        # "ID" or "#" after an identifier's word ends its label ("part no.", "Specimen ID").
        closest = max(last, key=lambda kind: (last[kind], kind == "phone"))
        if closest == "run_id" and last.get("id", -1) > last.get("phone", -1):
            return "id"
        return closest


# Scripts from Thai on (Thai, Lao, Myanmar, ..., kana, CJK, Hangul) are written without spaces.
_FIRST_UNSPACED = "\u0e00"
# "_" splits words here: a key's words are context too ("order_id", "part_no").
_ASCII_NON_WORD = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})


def _last_whole(text: str, lo: int, lowered: str, phrase: str) -> int:
    """End (in ``lowered``, which is ``text[lo:]`` lowered) of the last whole-word
    occurrence of ``phrase``, or -1."""
    found = lowered.rfind(phrase)
    while found >= 0:
        end = found + len(phrase)
        start_ok = not glues(phrase[0]) or lo + found == 0 or not _joins(text[lo + found - 1])
        if start_ok and (end == len(lowered) or not glues(phrase[-1]) or not _joins(lowered[end])):
            return end
        found = lowered.rfind(phrase, 0, end - 1)
    return -1


def _joins(ch: str) -> bool:
    """Whether ``ch`` next to a phrase makes it part of a longer word ("_" separates a key's
    words: "order" in "order_id")."""
    return ch != "_" and glues(ch)


def _reaches(text: str, end: int, start: int) -> bool:
    """Whether a word ending at ``end`` speaks of the number at ``start``.

    On the same line, yes; on the line before, only as a label ending its line ("Telefon:")
    and not as a column of a table's header ("name,phone"), whose values are further down.
    """
    newline = text.find("\n", end, start)
    if newline < 0:
        return True
    if text.find("\n", newline + 1, start) >= 0 or any(c.isalnum() for c in text[end:newline]):
        return False
    line = text[text.rfind("\n", 0, end) + 1 : end]
    return not any(c in line for c in ",;\t|")


@functools.cache
def context_words() -> ContextIndex:
    """The phone and identifier words, indexed once per process."""
    return ContextIndex({"phone": _PHONE_WORDS, "id": _ID_WORDS, "run_id": _RUN_ID_WORDS})


NATIONAL_REGIONS: tuple[str, ...] = tuple(
    (
        "GB IE US CA AU NZ DE AT CH FR BE LU NL ES PT IT SE NO DK FI PL CZ SK HU RO GR TR "
        "RU UA BY KZ BR MX AR CO CL PE VE EC IN PK BD LK NP JP CN KR TW HK SG MY ID PH TH "
        "VN NG KE ZA GH TZ UG EG MA DZ TN SA AE IL IR"
    ).split()
)
"""Countries whose numbers are recognised when written without a country code."""


class PhoneDetector:
    name = "phone"
    classes = frozenset({"phone"})

    def __init__(self) -> None:
        self._plans = national_plans()
        self._codes = country_codes()
        self._words = context_words()

    def detect(self, text: str) -> list[Finding]:
        findings = []
        position = 0
        while cluster := _CLUSTER.search(text, position):
            # The full pattern only where a long enough run of digits and separators starts.
            match = _PHONE.search(text, cluster.start(), cluster.end() + _EXTENSION_ROOM)
            if match is None or match.start() >= cluster.end():
                position = cluster.end()
                continue
            position = match.end()
            if position - match.start() < 8 or _before_decimals(text, match):
                continue  # "5pm", "2024", "12.06.25": too short; "1234 5678,90": an amount
            glued = match.start() > 0 and text[match.start() - 1] == "#"
            if glued or _a_postal_items_digits(text, match):
                continue  # "Ticket #11-3345-8899", "NX 118 452 339 BR": an id's number
            score = self._score(text, match)
            if score is None and _SPACED_SLASH.search(match["body"]):
                # "030 5551234 / 0171 5557654": two numbers, or a list of them
                cut = match.start("body") + _SPACED_SLASH.search(match["body"]).start()
                first = _PHONE.match(text, match.start(), cut)
                if first and first.end() == cut:
                    match, position = first, cut
                    score = self._score(text, first)
            if (
                score is not None
                and text[match.start()] != "+"  # no order's number begins with a country code
                and answers_another_number(text, match.start())
                and self._words.kind_before(text, match.start()) != "phone"
            ):
                # The answer to a question for an order's or a ticket's number is that number,
                # unless the answer itself says it is a phone's.
                score = None
            if score is not None:
                findings.append(Finding("phone", match.start(), match.end(), score, self.name))
        findings.extend(self._said_in_words(text))
        for said in _CHINESE_NUMERALS.finditer(text):
            # "我的手机号一三八零一七二六四五九": a number said in numerals after a phone word.
            if self._words.kind_before(text, said.start()) == "phone":
                end = said.end()
                numerals = [m.end() for m in _ONE_NUMERAL.finditer(said.group())]
                if said.group()[0] == "一" and len(numerals) > 11:
                    end = said.start() + numerals[10]  # a mobile's 11, then "一直" ("all along")
                findings.append(Finding("phone", said.start(), end, 0.8, self.name))
        return findings

    def _said_in_words(self, text: str) -> list[Finding]:
        """Numbers said in words after a phone word, seven digits or more ("call me back at
        three one two, five five five ..."): looked for only just after a phone word's stem,
        a few places in a text, not along all of it."""
        lowered = text.lower()
        if len(lowered) != len(text):  # "İ" lowers to two characters
            return []
        # Two digit words in a row somewhere, or no number is said here.
        words = lowered.replace("-", " ").replace(",", " ").split()
        if len(DIGIT_WORDS.intersection(words)) < 2 or not any(
            a in DIGIT_WORDS and b in DIGIT_WORDS for a, b in itertools.pairwise(words)
        ):
            return []
        found: dict[int, int] = {}
        for stem in _SPOKEN_PHONE_STEMS:
            at = lowered.find(stem)
            while at >= 0:
                reach = min(len(text), at + _SPOKEN_REACH)
                if (at and lowered[at - 1].isalpha()) or not _DIGIT_WORD_PAIR.search(
                    lowered, at, reach
                ):
                    at = lowered.find(stem, at + len(stem))
                    continue  # inside a word ("during"), or no two digit words follow
                for start, end in spoken_numbers(text, at, reach):
                    said = text[start:end]
                    if (
                        start not in found
                        and not any(ch.isdigit() for ch in said)  # digits: the pattern's
                        and digits_said(said) >= 7
                        and self._words.kind_before(text, start) == "phone"
                    ):
                        found[start] = end
                at = lowered.find(stem, at + len(stem))
        return [Finding("phone", start, end, 0.8, self.name) for start, end in found.items()]

    def _score(self, text: str, match: re.Match[str]) -> float | None:
        body = match["body"]
        if match["intl"] == "00" and self._words.kind_before(text, match.start()) == "id":
            return None  # "CCCD: 001203004567": an id padded with zeros
        if match["intl"] or match["cc"]:
            # "+44 (0)20 ..." writes the national trunk prefix for readers; dialling skips it.
            digits = _ascii_digits((match["cc"] or "") + body.replace("(0)", ""))
            return _international_score(self._codes, digits, plus=match["intl"] != "00")
        groups = _DIGIT_GROUP.findall(body)
        if not body.isascii():
            groups = [_ascii_digits(g) for g in groups]
        digits = "".join(groups)
        if not 8 <= len(digits) <= 13:
            return None
        start = match.start()
        if len(groups) > 1 and not _layout_ok(body, groups):
            return None
        context = self._words.kind_before(text, start)
        if context == "id" or _amount_or_iban(text, start, match.end("body")):
            return None
        if context != "phone" and _goods_or_an_order(text, start, match.end("body")):
            return None
        if self._named_as_id_elsewhere(text, match, context):
            return None
        header = column_header(text, start)
        if header is not None and self._words.kind_before(header, len(header)) == "id":
            return None  # a column of part numbers: "part_no,description,qty"
        if len(groups) == 1:
            return self._bare_run_score(text, start, digits, context)
        nanp = _is_nanp([len(g) for g in groups])
        if context == "phone":
            return 0.9 if nanp or self._plans.valid_anywhere(digits) else None
        if not 9 <= len(digits) <= 12 or _other_number(text, match, groups):
            return None
        if nanp or self._plans.written_nationally(groups):
            return 0.8 if nanp else 0.75
        if body.startswith("(0") and len(digits) - len(groups[0]) >= 6:
            return 0.7  # "(0212) 555 12 34": an area code in brackets, whatever the country
        return None

    def _named_as_id_elsewhere(self, text: str, match: re.Match[str], context: str | None) -> bool:
        """The same number after an identifier's word elsewhere in the text ("Sipariş No
        2025031877 ... 2025031877 numaralı siparişiniz"): an order number said twice. Or the
        end of a range whose start is one ("ticket numbers 100-200-3000 to 100-200-3999"), or
        the next of its series. ``context``: the kind of word before the number itself."""
        start = match.start()
        before = _RANGE_START.search(text, max(0, start - 30), start)
        if before and self._words.kind_before(text, before.start()) == "id":
            return True
        number = match.group("body")
        found = text.find(number)
        while found >= 0:
            if found != match.start("body") and self._words.kind_before(text, found) == "id":
                return True
            found = text.find(number, found + 1)
        # The same series: all but the last two digits written alike ("bin 04 71 22 90 13 is
        # full, use 04 71 22 90 15"), the other one an identifier's; not a number a phone
        # word labels ("Tel.").
        series = number[:-2]
        if context == "phone" or not number[-2:].isdigit() or sum(map(str.isdigit, series)) < 6:
            return False
        found = text.find(series)
        while found >= 0:
            end = found + len(number)
            if (
                found != match.start("body")
                and text[found + len(series) : end].isdigit()
                and not text[end : end + 1].isdigit()
                and self._words.kind_before(text, found) == "id"
            ):
                return True
            found = text.find(series, found + 1)
        return False

    def _bare_run_score(
        self, text: str, start: int, digits: str, context: str | None
    ) -> float | None:
        """A bare digit run is a phone number when the text says so ("call 4155550134").

        Without a phone word, a run of 10 or 11 digits that no identifier word ("order",
        "account", "#", ...) precedes counts, with a low score, when it is a valid number of
        some country and has a national number's shape: a trunk 0 then an area code
        ("01632960715"), or ten digits shaped like a NANP number (area code and exchange not
        starting with 0 or 1, which also rules out Unix timestamps) or an Indian mobile number;
        in Chinese text, a mainland mobile number's eleven digits ("13912345678").
        Longer runs without a phone word are product codes and ids ("036000291452").
        """
        valid = self._plans.valid_anywhere(digits)
        if len(digits) == 8 and _is_compact_date(digits):
            return None  # "19800115"
        if context == "phone":
            return 0.7 if valid or 9 <= len(digits) <= 12 else None
        if not (valid and 10 <= len(digits) <= 11):
            return None
        if context == "run_id" or _in_code(text, start):
            return None
        if digits[0] == "0" and digits[1] != "0":
            return 0.6
        if len(digits) == 10 and (digits[0] in "6789" or (digits[0] > "1" and digits[3] > "1")):
            return 0.5
        if _MAINLAND_MOBILE.fullmatch(digits) and _HAN.search(text, max(0, start - 40), start):
            return 0.6  # "家属：女儿王丽 15987654321": in Chinese text, a mobile's shape
        return None


# Where a number said in words is looked for: after these stems of phone words, as far as
# a voicemail's "call me back at ..." reaches.
_SPOKEN_PHONE_STEMS = (
    "call", "phone", "number", "mobile", "cell", "ring", "reach", "dial", "contact", "numéro",
    "número", "numero", "nummer", "telefon", "téléphone", "teléfono", "telefone", "telemóvel",
    "recapito", "contatto", "contacto", "chiam", "llam", "appel", "lig",
)  # fmt: skip
_SPOKEN_REACH = 160
# Two digit words in a row, the least a number said in words has (found before the number
# words' own pattern runs: it is cheap where they are absent).
_DIGIT_WORD = "|".join(sorted(map(re.escape, DIGIT_WORDS), key=len, reverse=True))
_DIGIT_WORD_PAIR = re.compile(rf"\b(?:{_DIGIT_WORD})[ ,\-]+(?:{_DIGIT_WORD})\b")
_NUMERAL = "[零〇一二三四五六七八九幺两]"
_CHINESE_NUMERALS = re.compile(rf"{_NUMERAL}(?:[，, ]?{_NUMERAL}){{6,14}}")
_ONE_NUMERAL = re.compile(_NUMERAL)
_MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
_HAN = re.compile(r"[\u4e00-\u9fff]")


# A postal item's tracking number (UPU S10): two letters, nine digits, two letters.
_S10_BEFORE = re.compile(r"(?<![A-Za-z])[A-Z]{2} ?\Z")
_S10_AFTER = re.compile(r" ?[A-Z]{2}(?![A-Za-z])")


def _a_postal_items_digits(text: str, match: re.Match[str]) -> bool:
    return (
        _S10_BEFORE.search(text, max(0, match.start() - 3), match.start()) is not None
        and _S10_AFTER.match(text, match.end()) is not None
    )


def _amount_or_iban(text: str, start: int, end: int) -> bool:
    if _CURRENCY_AFTER.match(text, end) or _CURRENCY_BEFORE.search(text, max(0, start - 4), start):
        return True
    return _IBAN_HEAD.search(text, max(0, start - 40), start) is not None


# A quantity beside a number makes it the goods' number: "40 units of 0805-2201-1148",
# "2 x 0805 2201 114", "0603-1002-7731, qty 5,000", "0805-2201-1148 x 200 pcs".
_UNITS = (
    r"pcs|pc|pieces|units|unit|stück|stk|unidades|uds|pièces|peças|pezzi|szt|adet|stuks"
    r"|kpl|шт|個|개|件"
)
_QUANTITY_WORDS = (
    r"qty|quantity|menge|anzahl|cantidad|quantité|qté|quantidade|qtd|quantità|qtà|ilość|miktar"
    r"|adet|aantal|antal|määrä|mennyiség|количество|кол-во|数量|수량|jumlah|số lượng"
)
_COUNTED_AFTER = re.compile(
    rf"[ \t]*(?:[,;:][ \t]*)?"
    rf"(?:(?:{_QUANTITY_WORDS})\b|(?:[x×][ \t]*)?\d[\d,.]*[ \t]*(?:{_UNITS})\b)",
    re.IGNORECASE,
)
_COUNTED_BEFORE = re.compile(
    rf"\b\d[\d,.]*[ \t]*(?:[x×]|(?:{_UNITS})(?:[ \t]+of)?)[ \t]*\Z", re.IGNORECASE
)


# Goods and orders ship, arrive and sell out; phones do not: "did 7734521190 ship yet?",
# "0612 334 5567 is back in stock", "... wurde versandt", "... kargoya verildi".
_SHIPPED_AFTER = re.compile(
    r"[ \t]+(?:(?:has|have|is|was|were|got|get|be|been|still|already|not|never|yet)[ \t]+){0,3}"
    r"(?:ship(?:ped|s|ping)?|deliver(?:ed|y)|dispatched|arrived|back in stock|in stock"
    r"|out of stock|sold out|on backorder|backordered|refunded|cancell?ed|lost in transit"
    r"|wurde (?:versandt|geliefert|storniert)|ist (?:unterwegs|angekommen|ausverkauft)"
    r"|a été (?:expédiée?|livrée?|annulée?)|est en rupture|fue (?:enviado|entregado|cancelado)"
    r"|foi (?:enviado|entregue|cancelado)|è stato (?:spedito|consegnato)|został wysłany"
    r"|kargoya verildi|teslim edildi|iptal edildi|sudah dikirim|đã giao)\b",
    re.IGNORECASE,
)


def _goods_or_an_order(text: str, start: int, end: int) -> bool:
    return (
        _COUNTED_AFTER.match(text, end) is not None
        or _SHIPPED_AFTER.match(text, end) is not None
        or _COUNTED_BEFORE.search(text, max(0, start - 20), start) is not None
    )


def _before_decimals(text: str, match: re.Match[str]) -> bool:
    """A comma and digits after a number are its decimals, unless it is a cell of a table."""
    end = match.end()
    if not (text.startswith(",", end) and text[end + 1 : end + 2].isdigit()):
        return False
    start = match.start()
    return start > 0 and text[start - 1] not in ",;\t\n|\"'"


_CODE_CHARACTERS = frozenset("={}*<>;`")  # not "[]": chat logs stamp lines "[22:15]"


def _in_code(text: str, start: int) -> bool:
    """A bare number quoted, on a line with code punctuation, or in a column of numbers, is
    a constant or a value."""
    if start > 0 and text[start - 1] in "'\"":
        return True
    line_start = text.rfind("\n", max(0, start - 80), start) + 1 or max(0, start - 80)
    line_end = text.find("\n", start, start + 80)
    line = text[line_start : line_end if line_end >= 0 else start + 80]
    if not _CODE_CHARACTERS.isdisjoint(line):
        return True
    end = text.find(" ", start, start + 20)
    return _NUMBER_COLUMN.match(text, end) is not None if end > 0 else False


_NUMBER_COLUMN = re.compile(r" {2,}\d")  # "2287785600      11      # 1 Jul 1972"


def _layout_ok(body: str, groups: list[str]) -> bool:
    """Groups as national numbers are printed, and not as dates, IP addresses or SSNs.

    A first group of at most five digits (an area code or a trunk prefix), later groups of
    at least two (so not "978-3-16-148410-0" or "10.0.19045"); brackets only around the first
    group, or the second after a lone trunk prefix ("8 (915) 555-12-98"); one kind of
    separator, or spaces with dashes or slashes ("070-555 87 21"), never dots with another
    ("pp. 573-583. 2020", "17.05.2024 10.30").
    """
    shape = [len(g) for g in groups]
    if shape[0] > 5 or min(shape[1:]) < 2 or shape in ([5, 3], [6, 4]):
        return False  # also a Brazilian CEP ("01310-200") and a personnummer ("811228-9874")
    if shape == [5, 4] and "-" in body:
        return False  # a US ZIP+4 code
    if "(" in body and (body.count("(") > 1 or not _BRACKETS.match(body)):
        return False
    kinds = {_separator_kind(s) for s in _SEPARATOR.findall(body)} - {""}
    if ("." in kinds and len(kinds) > 1) or len(kinds - {" "}) > 1:
        return False
    if "." in kinds and len(shape) == 4 and max(shape) <= 3:
        return False  # an IPv4 address
    if "." in kinds and len(shape) > 2 and _is_year(groups[0]):
        return False  # a version or build number: "2024.52.54.5323"
    if len(shape) == 2 and _is_year(groups[0]) and _is_year(groups[1]):
        return False  # years: "2024-2025"
    if shape[0] <= 2 and groups[0][0] != "0" and len(shape) > 2 and set(shape[1:]) == {3}:
        return False  # thousands: "12 345 678", "1 073 741 824"
    return not _starts_with_date(groups)


def _is_year(group: str) -> bool:
    return len(group) == 4 and group[:2] in ("19", "20")


def _separator_kind(separator: str) -> str:
    """ " " for spaces (and brackets), else the punctuation: "-", "." or "/"."""
    stripped = separator.strip(" \t\u00a0\u2009\u202f()")
    if not stripped:
        return " "
    return "-" if stripped in _DASH_CHARACTERS else stripped


_BRACKETS = re.compile(r"\(\d+(?:\s\d+)?\)|\d\D{0,2}\(\d+\)")
_DASH_CHARACTERS = frozenset("-\u2010\u2011\u2012\u2013\u2212\uff0d")


def _starts_with_date(groups: list[str]) -> bool:
    """ "2024 05 17 ...", "17-05-2024 ...": a year, month and day in either order."""
    if len(groups) < 3:
        return False
    a, b, c = (int(g) for g in groups[:3])
    if len(groups[0]) == 4:
        return 1900 <= a <= 2099 and 1 <= b <= 12 and 1 <= c <= 31
    return len(groups[2]) == 4 and 1900 <= c <= 2099 and 1 <= a <= 31 and 1 <= b <= 12


def _other_number(text: str, match: re.Match[str], groups: list[str]) -> bool:
    """Groups that could be a phone's, but without a phone word are more often something else.

    An amount with thousands separators ("123.456.789", "125 000 000"), a US social
    security number ("078 05 1120") or employer number ("12-3456789"), an id that starts
    with a year ("2025-0314-88"), a house number and a postcode ("Am Ring 14-16 44135
    Dortmund"), two-digit numbers in a row ("38 40 42 44 46": national numbers written in
    pairs start with their trunk 0).
    """
    shape = [len(g) for g in groups]
    body = match["body"]
    if shape[-1] == 6 and "." in body and text[: match.start()].rstrip(" ").endswith("["):
        return True  # a kernel log's seconds since boot: "[ 4211.883102] usb 2-1: ..."
    if shape[0] <= 3 and groups[0][0] != "0" and all(size == 3 for size in shape[1:]):
        if "." in body or groups[-1] == "000":
            return True
    if shape == [3, 2, 4] or (shape == [2, 7] and "-" in body):
        return True
    if _is_year(groups[0]) or (set(shape) == {2} and groups[0][0] != "0"):
        return True
    if shape[-1] == 5 and max(shape[:-1]) <= 3 and groups[0][0] != "0":
        return _WORD_AFTER.match(text, match.end()) is not None
    return False


_WORD_AFTER = re.compile(r"[ \t\u00a0]+[^\W\d_]{2}")


def _is_compact_date(digits: str) -> bool:
    """yyyymmdd or ddmmyyyy, years 1900-2099."""
    for year, month, day in (
        (digits[:4], digits[4:6], digits[6:]),
        (digits[4:], digits[2:4], digits[:2]),
    ):
        if year[:2] in ("19", "20") and 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
            return True
    return False


def _is_nanp(shape: list[int]) -> bool:
    """415-555-0134 or 1-415-555-0134 (groups 3-3-4, optionally led by the 1)."""
    return shape == [3, 3, 4] or shape == [1, 3, 3, 4]


def _ascii_digits(text: str) -> str:
    """The digits of ``text``, those of any script ("٠١٠٠", "０９０") as ASCII ones."""
    if text.isascii():
        return _SEPARATOR.sub("", text)
    return "".join(str(unicodedata.decimal(c)) for c in text if c.isdecimal())


@dataclass(frozen=True, slots=True)
class CountryCode:
    """What ``phonenumbers``' metadata says of the numbers behind one calling code (every
    region sharing it: +1 is the US, Canada and the Caribbean)."""

    valid: re.Pattern[str]  # fully matches a valid national significant number
    lengths: frozenset[int]  # its possible lengths, local-only ones included
    trunk_prefixes: tuple[str, ...]  # written by mistake after the code: "+49 030 ..."


@functools.cache
def country_codes() -> Mapping[str, CountryCode]:
    """Every calling code, from ``phonenumbers``' metadata, built once per process.

    Checking a number against these patterns costs a dict lookup and one regex match;
    ``phonenumbers.parse`` and ``is_valid_number`` take about 40 µs a number, a third of a
    PII-dense prompt's phone scan. Validity is judged on each region's general pattern
    (which ``is_valid_number`` also requires, with one of the type patterns it sums up).
    """
    codes = {}
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        patterns, lengths, prefixes = [], set(), set()
        for region in regions:
            if region == "001":  # non-geographic: +800 freephone, +882 networks, ...
                meta = PhoneMetadata.metadata_for_nongeo_region(code)
            else:
                meta = PhoneMetadata.metadata_for_region(region)
            if meta is None or meta.general_desc.national_number_pattern is None:
                continue
            patterns.append(f"(?:{meta.general_desc.national_number_pattern})")
            lengths.update(meta.general_desc.possible_length or ())
            lengths.update(meta.general_desc.possible_length_local_only or ())
            if meta.national_prefix:
                prefixes.add(meta.national_prefix)
        if patterns:
            codes[str(code)] = CountryCode(
                re.compile("|".join(patterns)), frozenset(lengths), tuple(sorted(prefixes))
            )
    return MappingProxyType(codes)


def _international_score(
    codes: Mapping[str, CountryCode], digits: str, *, plus: bool
) -> float | None:
    """A number written with its country code: valid 0.95, of a possible length 0.8.

    After "+", a known country code is still a phone's (0.7) when its plan has changed since
    ("+234 1 555 0178", an old Lagos number) or the number is a made-up example; "00" in front
    of digits is more often zero padding, so it needs a possible number.
    """
    if not 8 <= len(digits) <= 15:
        return None
    for size in (1, 2, 3):  # calling codes are prefix-free: at most one fits
        code = codes.get(digits[:size])
        if code is not None:
            break
    else:
        return None
    national = digits[size:]
    for prefix in code.trunk_prefixes:
        if national.startswith(prefix) and code.valid.fullmatch(national[len(prefix) :]):
            return 0.95
    if code.valid.fullmatch(national):
        return 0.95
    if len(national) in code.lengths:
        return 0.8
    return 0.7 if plus else None


@dataclass(frozen=True, slots=True)
class NationalPlans:
    """How the countries of ``NATIONAL_REGIONS`` write their numbers without a country code.

    Built once from ``phonenumbers``' metadata (``national_plans``): each country's valid
    national numbers, its trunk prefix ("0", "8", "06") and its own formats, which say how long
    the first group is for which leading digits ("030 1234567", "0151 55512398", "8 (915)
    555-12-98", "(21) 98765-1234", "99876 54321") and whether the trunk prefix is written
    (not for Chinese mobiles, Brazilian area codes in brackets, or in Spain and Italy, which
    have none).

    ``layouts[(trunk, first)]`` fully matches the digits of a number written with a trunk
    group of ``trunk`` digits (0: none, or glued to the first group) and then a first group
    of ``first`` digits (the glued trunk included); ``anywhere`` matches any country's
    national number, with or without its trunk prefix.
    """

    layouts: Mapping[tuple[int, int], re.Pattern[str]]
    anywhere: re.Pattern[str]

    def written_nationally(self, groups: list[str]) -> bool:
        digits = "".join(groups)
        pattern = self.layouts.get((0, len(groups[0])))
        if pattern and pattern.fullmatch(digits):
            return True
        if len(groups) > 2 and len(groups[0]) <= 2:
            pattern = self.layouts.get((len(groups[0]), len(groups[1])))
            return bool(pattern and pattern.fullmatch(digits))
        return False

    def valid_anywhere(self, digits: str) -> bool:
        return self.anywhere.fullmatch(digits) is not None


# "(\d{3})", "(\d{2,3})", "(\d)": the first group of a format's pattern.
_FIRST_GROUP = re.compile(r"\(\\d(?:\{(\d+)(?:,(\d+))?\})?\)")


@functools.cache
def national_plans(regions: tuple[str, ...] = NATIONAL_REGIONS) -> NationalPlans:
    """``NationalPlans`` for ``regions``, built once per process (0.1-0.3 s)."""
    layouts: dict[tuple[int, int], list[str]] = defaultdict(list)
    anywhere = []
    for region in regions:
        meta = PhoneMetadata.metadata_for_region(region)
        if meta is None:
            raise ValueError(f"no numbering plan for region {region!r}")
        main = PhoneMetadata.metadata_for_region(region_code_for_country_code(meta.country_code))
        formats = meta.number_format or (main.number_format if main else ())
        nsn = f"(?:{meta.general_desc.national_number_pattern})"
        prefix = meta.national_prefix or ""
        anywhere.append(f"(?:{prefix})?{nsn}" if prefix else nsn)
        shapes: dict[tuple[int, int, str], list[str]] = defaultdict(list)
        for fmt in formats:
            first = _FIRST_GROUP.match(fmt.pattern)
            if not first:
                continue
            rest = fmt.pattern[first.end() :].replace("(", "(?:")
            # The broadest of the format's leading-digit patterns: the precise ones run to 2 KB
            # (China's) and slow start-up down, and the digits are checked by ``nsn`` anyway.
            lead = f"(?={fmt.leading_digits_pattern[0]})" if fmt.leading_digits_pattern else ""
            low = int(first[1] or 1)
            for size in range(low, int(first[2] or low) + 1):
                shape = f"{lead}(?=\\d{{{size}}}{rest}\\Z)"
                for trunk_group, written, glued in _written_prefixes(prefix, fmt):
                    shapes[(trunk_group, glued + size, written)].append(shape)
        for (trunk_group, first_group, written), alternatives in shapes.items():
            layouts[(trunk_group, first_group)].append(
                f"{re.escape(written)}(?:{'|'.join(alternatives)}){nsn}"
            )
    return NationalPlans(
        MappingProxyType(
            {key: re.compile("|".join(f"(?:{a})" for a in alts)) for key, alts in layouts.items()}
        ),
        re.compile("|".join(anywhere)),
    )


def _written_prefixes(prefix: str, fmt: NumberFormat) -> list[tuple[int, str, int]]:
    """How a format's numbers start when written nationally.

    Each form is ``(length of a trunk group written apart, trunk digits written, how many of
    them are glued to the first group)``: ``(0, "0", 1)`` for "030 1234", ``(1, "8", 0)`` for
    "8 (915) 555...", ``(1, "80", 1)`` for "8 017 ...", ``(0, "", 0)`` where no trunk prefix is
    written ("(21) 98765-1234", "139 5555 2201", Spain and Italy, which have none).
    """
    rule = fmt.national_prefix_formatting_rule or ""
    head = rule[: rule.find("\\1")].replace("(", "").replace(")", "") if "\\1" in rule else ""
    if not prefix or not head.strip():
        # No trunk prefix written; "1-415-555..." and "8 915 ..." still write it apart.
        return [(0, "", 0), (len(prefix), prefix, 0)] if prefix else [(0, "", 0)]
    parts = head.split()
    if len(parts) == 1 and not head[-1].isspace():
        forms = [(0, parts[0], len(parts[0]))]  # rule "0\1": glued, "030"
    else:
        glued = "" if head[-1].isspace() else parts[-1]  # rule "8 (\1)" or "8 0\1"
        forms = [(len(parts[0]), "".join(parts), len(glued))]
    if fmt.national_prefix_optional_when_formatting:
        forms.append((0, "", 0))
    return forms
