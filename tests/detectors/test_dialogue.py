"""Answers in a transcript to a question that names their class (``detectors.dialogue``),
found through the structured detector that runs them."""

from __future__ import annotations

import pytest

from detectors.structured import StructuredFieldDetector

DETECTOR = StructuredFieldDetector()


def found(text: str) -> list[tuple[str, str]]:
    return sorted((f.pii_class, text[f.start : f.end]) for f in DETECTOR.detect(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Agente: ¿Me confirma su fecha de nacimiento?\n"
            "Cliente: Nueve de marzo del ochenta y dos.",
            [("date_of_birth", "Nueve de marzo del ochenta y dos")],
        ),
        (
            "Operator: Wie ist Ihr Geburtsdatum, bitte?\n"
            "Kundin: Elfter Juni neunzehnhundertneunzig",
            [("date_of_birth", "Elfter Juni neunzehnhundertneunzig")],
        ),
        (
            "상담원: 생년월일 알려주세요.\n고객: 구십년 삼월 오일이요.",
            [("date_of_birth", "구십년 삼월 오일")],
        ),
        (
            "Agent: And your date of birth?\nCaller: yes, it's 4/11/1979, thanks",
            [("date_of_birth", "4/11/1979")],
        ),
        (
            "Agent: Could I take your surname, please?\nCaller: Oyelaran-Bakare.",
            [("name", "Oyelaran-Bakare")],
        ),
        (
            "support: can u tell me ur full name and date of birth?\n"
            "customer: thabo nkosi, 2 february 1991",
            [("date_of_birth", "2 february 1991"), ("name", "thabo nkosi")],
        ),
        ("상담원: 성함이 어떻게 되세요?\n고객: 배수진입니다.", [("name", "배수진")]),
        (
            "Agent: How do you spell your last name?\nCaller: K-O-V-A-C-S",
            [("name", "K-O-V-A-C-S")],
        ),
        # A katakana name with its middle dot, a Devanagari full stop, a Vietnamese request
        # without a question mark and a full name holding common words.
        ("係：お名前をお願いします。\nお客様：アナ・シルバです。", [("name", "アナ・シルバ")]),
        ("एजेंट: कृपया अपना पूरा नाम बताइए।\nग्राहक: मीनाक्षी सेन।", [("name", "मीनाक्षी सेन")]),
        (
            "Nhân viên: Anh cho em xin họ tên đầy đủ ạ.\nKhách hàng: Lò Văn Páo.",
            [("name", "Lò Văn Páo")],
        ),
        # A date of birth said as three numbers in words (month, day, year or day, month,
        # year), and a request without a question mark that says it needs the date.
        (
            "Pharmacist: And her date of birth?\nCustomer: Five, eleven, ninety-one.",
            [("date_of_birth", "Five, eleven, ninety-one")],
        ),
        (
            "Nurse: When were you born, love?\nPatient: Oh-seven, oh-three, two thousand four.",
            [("date_of_birth", "Oh-seven, oh-three, two thousand four")],
        ),
        (
            "AGENT: Your date of birth, Ms Kim?\nCALLER: Zero five, one five, two thousand one.",
            [("date_of_birth", "Zero five, one five, two thousand one")],
        ),
        (
            "Agent: Zur Prüfung bräuchte ich noch Ihr Geburtsdatum.\n"
            "Kundin: Zwölfter Mai neunzehnhundertzweiundsiebzig.",
            [("date_of_birth", "Zwölfter Mai neunzehnhundertzweiundsiebzig")],
        ),
    ],
)
def test_the_answer_to_a_question_naming_the_class(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert found(text) == sorted(expected)


@pytest.mark.parametrize(
    "text",
    [
        # An answer that holds no value of the class asked.
        "Agent: Can I have your name, please?\nCaller: Sure, one moment.",
        "Agent: Your name, please?\nCaller: Thank You",
        "Agent: What is your date of birth?\nCaller: Sorry, could you repeat that?",
        # A question about a public figure's birth year: a year alone is no date.
        "user: when was Ada Lovelace born?\nassistant: She was born in 1815 in London.",
        # The same speaker goes on: no answer.
        "Agent: What's your name?\nAgent: Sorry, the line is bad.",
        # No question: a statement naming the class.
        "Agent: I updated the name on file.\nCaller: Great work there.",
    ],
)
def test_no_answer_no_finding(text: str) -> None:
    assert [c for c in found(text) if c[0] in ("name", "date_of_birth")] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A phone number said in words, in the answer or read back by the agent.
        (
            "Agent: And a number to call you back on?\n"
            "Caller: oh seven seven nine one, four double five, eight two one.",
            "oh seven seven nine one, four double five, eight two one",
        ),
        (
            "Mitarbeiter: Unter welcher Nummer erreichen wir Sie?\n"
            "Kunde: null sieben eins eins, dreiundzwanzig, achtundvierzig, neun",
            "null sieben eins eins, dreiundzwanzig, achtundvierzig, neun",
        ),
        (
            "Conseillère : Je vous rappelle au zéro sept, douze, trente-quatre, cinquante-six, "
            "soixante-dix-huit ?\nClient : Oui.",
            "zéro sept, douze, trente-quatre, cinquante-six, soixante-dix-huit",
        ),
        (
            "客服：留个联系电话吧？\n客户：一五九，八八七六，五四三二。",
            "一五九，八八七六，五四三二",
        ),
        (
            "상담원: 연락 가능한 번호는요?\n고객: 공일공, 이이삼사, 오오육칠이요.",
            "공일공, 이이삼사, 오오육칠",
        ),
        # Groups said with hyphens count by their words, not their groups.
        (
            "Nurse: Thanks. And the best contact number?\n"
            "Father: Oh-one-six, two-oh-nine, four-four-eight-one.",
            "Oh-one-six, two-oh-nine, four-four-eight-one",
        ),
        (
            "Agent: Could I take a callback number in case the line drops?\n"
            "Customer: Sure, five five five, three one four, two six eight zero.",
            "five five five, three one four, two six eight zero",
        ),
        (
            "Agent: The clinic will ring you. Is the number still oh-two-nine, "
            "three-three-one, seven-oh-five-two?\nPatient: That's right.",
            "oh-two-nine, three-three-one, seven-oh-five-two",
        ),
        (
            "Operatrice: Bene. Mi lascia un recapito?\n"
            "Cliente: tre quattro sette, due due uno, otto nove zero zero.",
            "tre quattro sette, due due uno, otto nove zero zero",
        ),
        (
            "Nhân viên: Dạ chị cho em xin số thuê bao ạ.\n"
            "Khách hàng: không chín một hai, ba bốn năm, sáu bảy tám.",
            "không chín một hai, ba bốn năm, sáu bảy tám",
        ),
        # Digits answering a question for a number: no phone word of their own.
        (
            "SPEAKER_1: tak, og dit telefonnummer?\nSPEAKER_2: 41 72 63 05",
            "41 72 63 05",
        ),
        (
            "Agent: Can you confirm the mobile number on file?\n"
            "Customer: It should be 6123 4587, or maybe the old one.",
            "6123 4587",
        ),
        (
            "الموظف: ممكن رقم الخط؟\nالعميل: ٩٩٤٢١٠٣٧",
            "٩٩٤٢١٠٣٧",
        ),
        # Japanese digit readings in katakana, and colloquial Arabic digit words.
        (
            "受付：お電話番号をお願いします。\n患者：ゼロハチゼロ、ニーサンヨンゴー、ロクナナハチキューです。",
            "ゼロハチゼロ、ニーサンヨンゴー、ロクナナハチキュー",
        ),
        # Asked with Japanese's question particle, no question mark; "نمرة" (a number).
        (
            "係員：折り返しのお電話番号を頂けますか。\n客：ゼロナナゼロ、イチイチニーサン、ヨンロクロクハチです。",
            "ゼロナナゼロ、イチイチニーサン、ヨンロクロクハチ",
        ),
        (
            "المستشار: عطيني النمرة ديالك؟\nالسيدة: زيرو سبعة، تسعة واحد، اتنين اتنين، ربعة تمنية.",
            "زيرو سبعة، تسعة واحد، اتنين اتنين، ربعة تمنية",
        ),
        (
            "الموظف: رقم تليفونك إيه؟\nالعميلة: زيرو واحد، تمنية ربعة، ستة سبعة، تلاتة خمسة.",
            "زيرو واحد، تمنية ربعة، ستة سبعة، تلاتة خمسة",
        ),
    ],
)
def test_a_phone_number_said_in_words(text: str, expected: str) -> None:
    assert ("phone", expected) in found(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "REP: I'll need your social for the name change.\n"
            "CUSTOMER: Okay, it's six one two, four eight, seven seven three one.",
            "six one two, four eight, seven seven three one",
        ),
        (
            "IVR: Please say or enter your Social Security number.\n"
            "CALLER: Four three one, two two, nine zero eight six.",
            "Four three one, two two, nine zero eight six",
        ),
    ],
)
def test_a_social_security_number_said_in_words(text: str, expected: str) -> None:
    assert ("ssn", expected) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        # An order's number is no phone; a few number words are no number.
        "Agent: What's the order number?\nCaller: one two three four five six seven.",
        "Agent: Can I get a phone number?\nCaller: I have two, one for work.",
        "Agent: And your account number, please?\nCaller: four-four-one, two-two-nine, eight-one.",
        "Agent: Can you confirm the phone number?\nCaller: It's the one ending 4417.",
        "Agent: What's the number on the parcel?\nCaller: one of them says 20240312.",
        "Agent: And the best number?\nCaller: Born 12/03/1985, if that helps.",
        "Rep: Can I get your social security number?\nCaller: 3 8 1, 4 4, 7 7 2 0.",
    ],
)
def test_no_spoken_phone_number(text: str) -> None:
    assert not [value for pii_class, value in found(text) if pii_class == "phone"]


def test_a_vietnamese_date_said_with_thang_for_the_month() -> None:
    text = (
        "Nhân viên: Anh cho em xin ngày sinh để xác minh ạ.\n"
        "Khách: Mười lăm tháng tám năm tám mươi bảy."
    )
    assert ("date_of_birth", "Mười lăm tháng tám năm tám mươi bảy") in found(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A birthday asked after in a chat: the answer's dates, with or without the year.
        (
            "Basia: kiedy urodziny Kuby?\nOla: 7 listopada, czyli 07.11.2003",
            [("date_of_birth", "07.11.2003"), ("date_of_birth", "7 listopada")],
        ),
        (
            "Anneke: wanneer is opa Henks verjaardag?\nFleur: 9 mei! hij is van 9-5-1947",
            [("date_of_birth", "9 mei"), ("date_of_birth", "9-5-1947")],
        ),
        ("준호: 할머니 생신이 언제였지?\n은지: 음력 9월 9일", [("date_of_birth", "9월 9일")]),
        # No birthday asked after: a delivery's day is no one's birthday.
        ("Basia: kiedy dostawa?\nOla: 7 listopada", []),
    ],
)
def test_a_birthday_asked_after_in_a_chat(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


def test_a_years_digits_said_in_words_are_no_name() -> None:
    text = "Doctor: Name and date of birth?\nPatient: Hery Rakotomalala. Born in May, eighty-eight."
    assert [c for c in found(text) if c[0] == "name"] == [("name", "Hery Rakotomalala")]


@pytest.mark.parametrize(
    ("text", "read_back"),
    [
        (
            "Nurse: And when were you born?\nPatient: Oh-four, oh-nine, sixty-three.\n"
            "Nurse: Fourth of September sixty-three, lovely, thank you.",
            "Fourth of September sixty-three",
        ),
        (
            "Agent: Can I take your date of birth?\nCaller: it's on the card somewhere\n"
            "Agent: I have 14/02/1977 here, is that right?",
            "14/02/1977",
        ),
    ],
)
def test_a_birth_date_read_back_by_who_asked(text: str, read_back: str) -> None:
    assert ("date_of_birth", read_back) in found(text)


def test_what_the_asker_says_next_is_no_birth_date_unless_a_date() -> None:
    text = (
        "Agent: And your date of birth?\nCaller: 3 May 1981.\n"
        "Agent: Thanks, the replacement ships on Monday, reference 14-22."
    )
    assert [value for cls, value in found(text) if cls == "date_of_birth"] == ["3 May 1981"]
