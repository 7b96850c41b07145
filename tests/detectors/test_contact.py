from __future__ import annotations

import pytest

from detectors.contact import EmailDetector, PhoneDetector

PHONE = PhoneDetector()


def spans(detector: EmailDetector | PhoneDetector, text: str) -> list[str]:
    return [text[f.start : f.end] for f in detector.detect(text)]


@pytest.mark.parametrize(
    "email",
    [
        "jane.doe@example.com",
        "j.doe+invoices@mail.example.co.uk",
        "first_last-99@sub.domain.io",
        "jérôme@exemple.fr",
        "X@Y.ORG",
    ],
)
def test_email_found_with_exact_span(email: str) -> None:
    text = f"Please write to {email}, thanks."
    assert spans(EmailDetector(), text) == [email]


@pytest.mark.parametrize(
    "text",
    [
        "ping @channel about the release",
        "user@localhost is not routable",
        "git@github.com:org/repo.git",  # still an address shape: the host part is a domain
        "price is 5@10 each",
        "decorators like @property and @dataclass(frozen=True)",
    ],
)
def test_email_hard_negatives(text: str) -> None:
    found = spans(EmailDetector(), text)
    assert found in ([], ["git@github.com"])


@pytest.mark.parametrize(
    "phone",
    [
        "+1 415 555 0134",
        "+1-415-555-0134",
        "+44 20 7946 0958",
        "+44(0)131 4960979",
        "+49 30 1234567",
        "+33 (0)6 44 83 37 88",
        "+91 98250 79190",
        "0049 30 1234567",
        "(415) 555-0134",
        "415.555.0134",
        "415-555-0134 x232",
        "1-415-555-0134",
        "0161 496 0623",
        "(01632) 960 788",
        "05 45 23 28 60",
        "(02328) 60129",
        "020 7946 0958",
    ],
)
def test_phone_formats(phone: str) -> None:
    text = f"Reach the office on {phone} today."
    assert spans(PHONE, text) == [phone]


# International numbers: a country code after "+", "00" or "(+..)", then any grouping, with
# the national trunk prefix in brackets or not.
@pytest.mark.parametrize(
    "phone",
    [
        "+1 212 555 0187",
        "+44 7700 900461",
        "+44 (0) 7700 900461",
        "+49 (0)40 5557 1123",
        "+49-(0)89-5556-2210",
        "+33 6 71 22 98 40",
        "+34 612 98 45 30",
        "+39 347 555 0912",
        "+31 6 5551 2740",
        "+46 70 555 87 21",
        "+48 512 555 804",
        "+90 532 555 48 17",
        "+55 21 98765-1234",
        "+55 (21) 98765-1234",
        "+52 55 5555 0193",
        "+91 99876 54321",
        "+81 3-5555-0184",
        "+86 139 5555 2201",
        "+82 10-5555-7720",
        "+7 (915) 555-12-98",
        "+62 812-5555-3310",
        "+84 91 555 22 19",
        "+234 803 555 7710",
        "+234 1 555 0178",  # an old Lagos landline: the code and the length are a phone's
        "+254 712 555019",
        "+27 82 555 6613",
        "+61 412 555 019",
        "+4915155512398",
        "0033 1 45 55 12 90",
        "(+44) 20 7946 0321",
        "+966 50 555 1234",
        "+20 100 555 1234",
    ],
)
def test_international_numbers(phone: str) -> None:
    assert spans(PHONE, f"Details: {phone}.") == [phone]


# National forms, as each country writes them, with no phone word nearby.
@pytest.mark.parametrize(
    "phone",
    [
        "07700 900461",  # UK mobile
        "0161 496 0755",  # UK landline
        "087 555 1234",  # Ireland
        "0151 5553 2098",  # Germany, mobile
        "030 55512345",  # Germany, Berlin
        "(030) 5551 2345",
        "0176/5551 2345",
        "0664 555 1234",  # Austria
        "079 555 12 34",  # Switzerland
        "06 71 22 98 40",  # France
        "01.45.55.12.90",
        "0470 55 12 34",  # Belgium
        "06-55512740",  # Netherlands
        "020 555 1234",
        "612 98 45 30",  # Spain
        "91 555 61 20",
        "912 555 678",  # Portugal
        "347 555 0912",  # Italy, mobile
        "06 5555 1234",  # Italy, Rome
        "070-555 87 21",  # Sweden
        "08-555 123 45",
        "040 555 1234",  # Finland
        "512 555 804",  # Poland
        "22 555 12 34",
        "601 555 123",  # Czechia
        "0532 555 48 17",  # Turkey
        "(0212) 555 12 34",
        "8 (915) 555-12-98",  # Russia
        "8 915 555 12 98",
        "050 555 1234",  # Ukraine
        "(21) 98765-1234",  # Brazil
        "(11) 3555-2210",
        "55 5555 0193",  # Mexico
        "011 4555-1234",  # Argentina
        "99876 54321",  # India, mobile
        "03-5555-0184",  # Japan
        "090-5555-0184",
        "139 5555 2201",  # China, mobile
        "010-5555 1234",
        "010-5555-7720",  # Korea
        "02-555-1234",
        "0912 555 678",  # Taiwan
        "0812-5555-3310",  # Indonesia
        "012-555 1234",  # Malaysia
        "0917 555 1234",  # Philippines
        "081 555 1234",  # Thailand
        "091 555 22 19",  # Vietnam
        "0803 555 7710",  # Nigeria
        "0712 555019",  # Kenya
        "082 555 6613",  # South Africa
        "0412 555 019",  # Australia
        "(02) 5555 1234",
        "0100 555 1234",  # Egypt
        "052-555-1234",  # Israel
    ],
)
def test_national_numbers(phone: str) -> None:
    assert spans(PHONE, f"Details: {phone}.") == [phone]


# A phone word before a number lets through what its shape alone does not: here an
# eight-digit number, grouped as in Denmark or Norway.
@pytest.mark.parametrize(
    "word",
    [
        "Tel.",
        "phone:",
        "Telefon",
        "Handy:",
        "Tel.-Nr.",
        "téléphone",
        "portable :",
        "teléfono",
        "móvil",
        "celular",
        "telefone",
        "cellulare",
        "telefoon",
        "mobiel",
        "mobil:",
        "tel. kom.",
        "cep",
        "telepon",
        "No. HP",
        "số điện thoại",
        "ĐT:",
        "電話",
        "携帯",
        "电话",
        "手机",
        "전화",
        "휴대폰",
        "телефон",
        "फ़ोन",
        "मोबाइल",
        "هاتف",
        "جوال:",
        "simu",
        "nås på",
        "ring me on",
        "Ring meg på",
        "τηλ.",
        "κινητό:",
        "मो.",
        "微信：",
    ],
)
def test_phone_words_in_many_languages(word: str) -> None:
    number = "41 55 12 30"
    assert spans(PHONE, f"{word} {number}") == [number]
    assert spans(PHONE, f"Code {number}") == []


def test_phone_words_in_unspaced_scripts() -> None:
    assert spans(PHONE, "联系电话13955552201。") == ["13955552201"]
    assert spans(PHONE, "お電話番号は03-5555-0184となっております。") == ["03-5555-0184"]
    assert spans(PHONE, "연락처: 010-5555-7720입니다") == ["010-5555-7720"]


def test_digits_of_other_scripts() -> None:
    arabic = "٠١٠٠٥٥٥١٢٣٤"
    assert spans(PHONE, f"رقم الدكتور {arabic}") == [arabic]
    full_width = "０９０－５５５５－０１８４"
    assert spans(PHONE, f"携帯：{full_width}") == [full_width]
    devanagari = "९८७६५ ४३२१०"
    assert spans(PHONE, f"फ़ोन {devanagari}") == [devanagari]


@pytest.mark.parametrize(
    "phone",
    [
        "+1 212 555 0187 ext. 42",
        "020 7946 0321 x 15",
        "+49 30 5557 8812 Durchwahl 12",
        "91 555 61 20 ext 3",
    ],
)
def test_extensions_stay_in_the_span(phone: str) -> None:
    assert spans(PHONE, f"Office: {phone}, mornings only") == [phone]


def test_lists_and_neighbours_split_into_numbers() -> None:
    text = "Tel. 030 5551234 / 0171 5557654, Fax 030 5551235"
    assert spans(PHONE, text) == ["030 5551234", "0171 5557654", "030 5551235"]
    assert spans(PHONE, "call (718-555-0166) after six") == ["718-555-0166"]
    assert spans(PHONE, "Tochter Maria (0176 5551 2345) holt ihn ab") == ["0176 5551 2345"]


def test_numbers_in_table_cells() -> None:
    csv = "id,name,phone,since\n7,Ana Lima,(212) 555-0187,2021-02-15\n8,Jo Park,0176 5551 2345,38"
    assert spans(PHONE, csv) == ["(212) 555-0187", "0176 5551 2345"]
    tsv = "Kim\t1990-02-03\t010-5555-7720\tnone\nLee\t1988.04.05\t06 71 22 98 40\tParis"
    assert spans(PHONE, tsv) == ["010-5555-7720", "06 71 22 98 40"]
    assert spans(PHONE, "the total came to 612 345 678,50 in the end") == []


def test_phone_words_on_the_line_before() -> None:
    assert spans(PHONE, "Handynummer:\n41 55 12 30") == ["41 55 12 30"]
    assert spans(PHONE, "Call us any time\nCode 41 55 12 30") == []
    assert spans(PHONE, "id,name,phone\n41551230,Ana,n/a") == []
    assert spans(PHONE, "name,born,phone\nAna,19800115,n/a") == []


def test_bare_digit_runs_need_context_or_a_national_shape() -> None:
    assert spans(PHONE, "call me on 4155550134") == ["4155550134"]
    assert spans(PHONE, "ring me on 376014155 after six") == ["376014155"]
    assert spans(PHONE, "try 01632960715 instead") == ["01632960715"]
    assert spans(PHONE, "try 4155550134 instead") == ["4155550134"]
    assert spans(PHONE, "Telefon 03055512345") == ["03055512345"]
    assert spans(PHONE, "手机13955552201") == ["13955552201"]


def test_a_chinese_mobile_number_in_chinese_text_needs_no_word() -> None:
    # Eleven digits from 13-19 are a mainland mobile's shape, and in Chinese text little else.
    assert spans(PHONE, "家属：女儿王丽 15987654321，周末可探视") == ["15987654321"]
    assert spans(PHONE, "紧急联系人 母亲 13512348876") == ["13512348876"]
    # Not in other text, nor after an identifier's word, nor another length or start.
    assert spans(PHONE, "Batch 15987654321 shipped") == []
    assert spans(PHONE, "订单号 15987654321 已发货") == []
    assert spans(PHONE, "编号 10987654321 的设备") == []


def test_a_number_said_in_chinese_numerals_after_a_phone_word() -> None:
    said = "一五九零二七三六四八一"
    assert spans(PHONE, f"你好，我的手机号{said}，麻烦回电") == [said]
    assert spans(PHONE, "我的手机号一三五零一七二六四五九一直没信号") == ["一三五零一七二六四五九"]
    grouped = "一三五，零一七二，六四五九"
    assert spans(PHONE, f"我的手机号{grouped}一直没信号") == [grouped]
    assert spans(PHONE, "一九九三年八月初六出生，家在三楼") == []
    assert spans(PHONE, "订单号一五九零二七三六四八一") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Please give us a call back at five five five, two three four, eight eight one two."
            " Again thanks.",
            "five five five, two three four, eight eight one two",
        ),
        (
            "hey it's tony um call me back at three one two five five five zero one nine one",
            "three one two five five five zero one nine one",
        ),
        (
            "Mr Tanaka says his mobile number is zero nine zero, one two three four, five six "
            "seven eight.",
            "zero nine zero, one two three four, five six seven eight",
        ),
    ],
)
def test_a_number_said_in_words_after_a_phone_word(text: str, expected: str) -> None:
    assert spans(PHONE, text) == [expected]


def test_number_words_without_a_phone_word_are_no_phone() -> None:
    assert spans(PHONE, "count with me: one two three four five six seven eight nine") == []


def test_full_width_digits_in_groups_with_ideographic_spaces() -> None:
    number = "１５９\u3000８８７６\u3000５４３２"
    assert spans(PHONE, f"家长微信：{number}") == [number]


@pytest.mark.parametrize(
    "text",
    [
        "Order #4839201234567890 has shipped.",
        "Order no. 01632960715 left the warehouse.",
        "Unix time 1700000000 marks the crash.",
        "The release 2024-05-17 fixed it.",
        "Version 10.0.19045.2965 crashes.",
        "Server 192.168.100.200 is down.",
        "ISBN 978-3-16-148410-0 is out of print.",
        "Coordinates: 48.8566, 2.3522",
        "The table has 12345678 rows.",
        "Card 4111 1111 1111 1111 was charged.",
        "Account 0123456789 was closed.",
        "SSN 123-45-6789 on file.",
        "Meeting 10:30-11:45 in room 4.",
        "uuid 3f2c4e1a-9b7d-4c2e-8f1a-2b3c4d5e6f70",
    ],
)
def test_phone_hard_negatives(text: str) -> None:
    assert spans(PHONE, text) == []


# Numbers that look like phones to a regex but are identifiers, amounts, dates or codes.
@pytest.mark.parametrize(
    "text",
    [
        # Identifier words in other languages
        "Ihre Bestellnummer 4410228155 ist unterwegs.",
        "Votre commande 7712003341 a été expédiée.",
        "Il suo ordine 7712001877 è stato spedito.",
        "Su pedido 6123456789 ha salido.",
        "주문번호 8812004471 확인 부탁드립니다.",
        "ऑर्डर संख्या 9900123456 भेज दी गई है।",
        "Mã đơn hàng 8800123499 đã giao.",
        "订单号 13955552201 已发货",
        "Số CCCD: 001203004567",
        "Số tài khoản: Vietcombank 0071000123451",
        "PESEL 85031212345",
        "NIP 123-456-32-18",
        "СНИЛС 112-233-445 95",
        "Rechnung 0301234567 vom März",
        "NHS number 943 476 5919",
        # Receipts and tracking codes, keys joined by "_" too
        "negozio=Coop Bologna\ncassa=2\nscontrino=0412-3308-051",
        "магазин=Магнит\nчек=0211-3340-88",
        "cua_hang=Bach Hoa Xanh\nhoa_don=0771-3308-12",
        "Codice di tracciamento SDA: 0687 2233 1145, consegna giovedì",
        # A kernel log's seconds since boot
        "kernel: [ 3012.774109] usb 1-2: new high-speed USB device number 4",
        # Goods, lots, shipments and case files written in a phone's groups
        "la réf article 06 12 34 56 78 est en rupture",
        "lote 11 98765-4321 saiu com rótulo errado",
        "zaaknummer van de gemeente is 06-12345678",
        "lagerplats 08-123 456 78 är full",
        "kargo takip kodu 0532 123 45 67 sistemde görünmüyor",
        "品番090-1234-5678の在庫、来週入荷予定",
        '{"bestellnummer": "4412-88-0192", "artikel": "0711-555-01"}',
        # Product codes and ids in tables
        "sku,name,upc\nA-1,Hammer,036000291452,14.99",
        "personnummer 811228-9874",
        # Shapes of other things
        "sample 078-05-1120 printed in wallets",
        "Pay to NL91 ABNA 0417 1643 00 by Friday",
        "IBAN: FR76 3000 6000 0112 3456 7890 189",
        "Amex 3782 822463 10005",
        "CPF 123.456.789-09",
        "Population 1 250 000 000 in 2020",
        "Kaufpreis 123 456 789 zł",
        "Umsatz 123.456.789 Euro",
        "Total: R$ 1.234.567",
        "Termin 17.05.2024 10.30 Uhr",
        "2024 05 17 12 00 started",
        "years 2019 2020 2021 were good",
        "ISBN 0-306-40615-2",
        "timestamp 1700000000000 ms",
        "+12.5% growth over 12 months",
        "pp. 573-583. 2020",
        "Ticket #2025-0314-61: payment failed",
        "Phone-shaped, but build 2023.41.17.2210 it is",
        "EIN 12-3456789 for the business",
        "Am Ring 14-16 44135 Dortmund",
        "Lieferadresse: Hauptstr. 7/12 80331 München",
        "amount,card\n689.00,3713 615202 89478,USD",
        "4111 1111 1111 1111,12.50,approved",
        "sizes 38 40 42 44 46 in stock",
        "3912345600      17      # 1 Jan 2024",
        "limits = (0, 4294967295)",
        # A ticket's, a waybill's, a report's or a parcel's number in a phone's groups.
        "Ticket #11-3345-8899\nCategoria: Entrega atrasada",
        "Ticket #2025-0314-6182 closed #",
        "[A/S 접수 #0102-3345-6789]",
        "courier=Ekart\nawb=FMPP 2219 8830 41",
        '"ticket_code": "010-1108-2024"',
        "بلاغ رقم ٠١٠-٤٤٧-٢٣٨١",
        "Seu objeto NX 118 452 339 BR saiu para entrega.",
    ],
)
def test_phone_confusables(text: str) -> None:
    assert spans(PHONE, text) == []


def test_a_number_opening_the_text_is_judged_whatever_ends_it() -> None:
    assert spans(PHONE, "415-555-0134 is my cell #") == ["415-555-0134"]


def test_phone_scores_rise_with_context() -> None:
    (plain,) = PHONE.detect("It is 415-555-0134.")
    (called,) = PHONE.detect("Phone: 415-555-0134.")
    assert called.score > plain.score
    (international,) = PHONE.detect("It is +44 20 7946 0958.")
    assert international.score > plain.score


# A phone word right before what is plainly something else does not make it a phone.
@pytest.mark.parametrize(
    "text",
    [
        "Contact ID 4500123456",
        "Call reference 2024-0045-12",
        "tel. 2024-2025",
        "mobile data 12 345 678 used",
        "dial-in pin 4410 2281 77#",
        "Kontakt am 17.05.2024",
        "Kto. 0532013000 BLZ 37040044",
    ],
)
def test_phone_words_before_other_numbers(text: str) -> None:
    assert spans(PHONE, text) == []


def test_nearest_word_decides_between_phone_and_identifier() -> None:
    assert spans(PHONE, "Telefonnummer statt Kundennummer 4410228155") == []
    assert spans(PHONE, "Kundennummer 12, Telefon 0301234567") == ["0301234567"]
    assert spans(PHONE, "Phone no. 4155550134") == ["4155550134"]
    assert spans(PHONE, "Tel. (0 30) 12 34 56 78") == ["(0 30) 12 34 56 78"]


def test_an_email_after_a_leading_at_sign() -> None:
    # A message that opens with a mention ("@here", "@channel") hid every address after it.
    text = "@here the workshop moved; questions to tala.k@example.org"
    found = [text[f.start : f.end] for f in EmailDetector().detect(text)]
    assert found == ["tala.k@example.org"]


# "No.", "ID" and "#" after an identifier's word finish its label ("part no.", "Specimen ID"):
# they never hand the number back to a phone's shape.
@pytest.mark.parametrize(
    "text",
    [
        "part no. 0612-345-678 fits the older model too",
        "Specimen ID 24-118-30291, received 08:42",
        'the tender "Traffic Signals", RFP No. 3405-24-7019, closes at noon',
        "ticket numbers run from 100-200-3000 to 100-200-3999 this batch",
    ],
)
def test_an_identifiers_label_is_no_phone_context(text: str) -> None:
    assert spans(PHONE, text) == []


def test_a_number_named_as_an_identifier_elsewhere_in_the_text_is_no_phone() -> None:
    text = "Konu: Sipariş No 2025031877 kargoya verildi\n\nMerhaba,\n\n2025031877 numaralı sipariş"
    assert spans(PHONE, text) == []
    # A key naming a phone, joined by "_", still names one.
    assert spans(PHONE, "order_no: 0881-2207-19, phone_no: 0881 2207 19") == ["0881 2207 19"]
    # A phone number is still a phone number after an order number.
    text = "Sipariş No 2025031877. Sorularınız için 0212 555 12 34 numarasını arayın."
    assert spans(PHONE, text) == ["0212 555 12 34"]


@pytest.mark.parametrize(
    "text",
    [
        "bin location 04 71 22 90 13 is full, put the pallet in 04 71 22 90 15 instead",
        "SKU 020 7946 0101 sold out. Try 020 7946 0102 or 020 7946 0107.",
        "tracking 0612 334 5567 arrived; 0612 334 5568 still in transit",
    ],
)
def test_the_next_number_of_an_identifiers_series_is_no_phone(text: str) -> None:
    # Numbers that differ from a labelled identifier's in their last two digits only are
    # the same series (the next bin, part or parcel).
    assert spans(PHONE, text) == []


def test_a_phone_beside_its_fax_or_an_identifier_of_another_series_is_still_a_phone() -> None:
    text = "Call me on 020 7946 0018, fax 020 7946 0019"
    assert spans(PHONE, text) == ["020 7946 0018", "020 7946 0019"]
    text = "SKU 020 7946 0101 sold out; questions to 020 8123 4467"
    assert spans(PHONE, text) == ["020 8123 4467"]


@pytest.mark.parametrize(
    "text",
    [
        "PNR: 4412 9987 10, coach B4",
        "رقم التتبع ٤٨٣٢٠١٩٥٥٧ مع أرامكس",
        "- 0603-1002-7731, qty 5,000, unit 0.012 USD",
        "we got 40 units of 0805-2201-1148 today",
        "2 x 0805 2201 114, 5 x 0805 2201 115",
        "0805-2201-1148 x 200 pcs",
        "Lieferung: 0711-5550-118, Menge 40 Stück",
    ],
)
def test_goods_counted_and_bookings_numbers_are_no_phones(text: str) -> None:
    # A quantity beside a number makes it the goods' number; a PNR is a booking's.
    assert spans(PHONE, text) == []


def test_a_phone_beside_a_quantity_elsewhere_is_still_a_phone() -> None:
    text = "Order 40 units, then call me on 0161 496 0732 to confirm."
    assert spans(PHONE, text) == ["0161 496 0732"]
    assert spans(PHONE, "tel 0161 496 0732 x 204") == ["0161 496 0732 x 204"]


@pytest.mark.parametrize(
    "text",
    [
        "Kundennr 0331 2290 47, bitte bei Rückfragen angeben",
        "Auftrags-Nr. 0331-2290-47 wurde storniert",
        "codice cliente 0331 2290 47",
        "numer klienta: 0331 2290 47",
        "müşteri no 0331 2290 47 ile kayıtlı",
        "client ID 0331 2290 47 is on the VIP list",
        "número de reserva 0331 2290 47",
        "PO no. 0331 2290 47 approved",
        "予約番号 0331-2290-47",
        "STK: 0071003312290 Vietcombank",
    ],
)
def test_customers_bookings_and_orders_numbers_are_no_phones(text: str) -> None:
    assert spans(PHONE, text) == []


def test_a_reservations_line_and_a_phone_beside_a_customers_number_are_phones() -> None:
    assert spans(PHONE, "Reservations: 020 7946 0018") == ["020 7946 0018"]
    text = "Kundennr 0331 2290 47, Tel. 0331 2290 40"
    assert spans(PHONE, text) == ["0331 2290 40"]


@pytest.mark.parametrize(
    "text",
    [
        "dev: did 7734521190 ship yet?",
        "jo: 0612 334 5567 is back in stock",
        "0161 496 0733 has not been delivered, the customer says",
        "4412 9987 10 was cancelled and refunded yesterday",
        "0711 555 0142 wurde versandt",
        "0612 334 5567 kargoya verildi",
    ],
)
def test_a_number_that_ships_or_is_in_stock_is_no_phone(text: str) -> None:
    # Goods and orders ship, arrive and sell out; phones do not.
    assert spans(PHONE, text) == []


def test_a_phone_in_a_sentence_about_a_delivery_is_still_a_phone() -> None:
    text = "The courier will call 0161 496 0732 when the parcel has shipped."
    assert spans(PHONE, text) == ["0161 496 0732"]


def test_a_keys_words_and_a_columns_header_name_an_identifier() -> None:
    assert spans(PHONE, "order_id: 0612-345-678 status=shipped") == []
    table = "part_no,description,qty\n212-555-0147,hex bolt M8,500\n212-555-0148,washer M8,1000"
    assert spans(PHONE, table) == []
    table = "物料编码\t名称\t库存\n138-0013-8000\t滤芯\t0\n138-0013-8001\t垫圈\t450"
    assert spans(PHONE, table) == []
    # A phone column, and a phone beside a part number, are still phones.
    table = "part_no,supplier_phone\n0800-123-456,(415) 555-0134"
    assert spans(PHONE, table) == ["(415) 555-0134"]
    assert spans(PHONE, "customer_phone: (415) 555-0134") == ["(415) 555-0134"]


@pytest.mark.parametrize(
    "text",
    [
        "USt-IdNr.: DE 811 907 980\nLieferdatum: 12.04.2024",
        "사업자등록번호: 220-81-62517\n우편번호: 06236",
        '{"artnr": "100-4471-22", "antal": 6}',
        "orgnr 556036-0793, kontakt via portalen",
    ],
)
def test_a_companys_tax_or_registration_number_is_no_phone(text: str) -> None:
    assert spans(PHONE, text) == []


def test_a_phone_beside_a_companys_tax_number_is_still_one() -> None:
    text = "USt-IdNr.: DE 811 907 980\nTelefon: 030 1234567"
    assert spans(PHONE, text) == ["030 1234567"]


@pytest.mark.parametrize(
    ("text", "phones"),
    [
        # The answer to a question for an order's, a booking's or a ticket's number is it.
        ("Agent: can I have the order number please?\nCaller: sure, 5520-4417-93", []),
        ("Rezeption: Wie lautet Ihre Buchungsnummer?\nGast: 0711 4455 2210", []),
        # ... unless the answer says it is a phone's, or a phone was asked for.
        (
            "Agent: can I have the order number?\nCaller: 5520-4417-93, my mobile is 0412 345 678",
            ["0412 345 678"],
        ),
        ("Agent: which phone number is on the order?\nCaller: 0412 345 678", ["0412 345 678"]),
    ],
)
def test_a_number_answering_a_question_for_another_number_is_none(
    text: str, phones: list[str]
) -> None:
    assert spans(PHONE, text) == phones
