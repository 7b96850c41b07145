from __future__ import annotations

from datetime import date, timedelta

import pytest

from detectors.birth_date import DateOfBirthDetector, date_spans, is_date


def spans(text: str) -> list[str]:
    return [text[f.start : f.end] for f in DateOfBirthDetector().detect(text)]


@pytest.mark.parametrize(
    "text, date",
    [
        ("I was born on 1990-05-17.", "1990-05-17"),
        ("DOB: 17/05/1990", "17/05/1990"),
        ("D.O.B. 05/17/1990", "05/17/1990"),
        ("Date of birth: 17.05.1990", "17.05.1990"),
        ("born May 17, 1990 in Ohio", "May 17, 1990"),
        ("born on May 17th, 1990", "May 17th, 1990"),
        ("Birthday: 17 May 1990", "17 May 1990"),
        ("Geburtsdatum: 17. Mai 1990", "17. Mai 1990"),
        ("née le 17 mai 1990", "17 mai 1990"),
        ("Patient (1990-05-17, DOB) arrived", "1990-05-17"),
        ("DOB 05/17/90", "05/17/90"),
    ],
)
def test_dates_with_birth_context(text: str, date: str) -> None:
    assert spans(text) == [date]


@pytest.mark.parametrize(
    "text, date",
    [
        # English, with ordinals and the airline/military forms
        ("She was born on the 3rd of May 1985.", "3rd of May 1985"),
        ("b. 21st Sept. 1979, Leeds", "21st Sept. 1979"),
        ("DOB 14-Mar-1987", "14-Mar-1987"),
        ("DOB: 14MAR1987", "14MAR1987"),
        ("dob 14-mar-87", "14-mar-87"),
        ("Birthdate: 1987 March 14", "1987 March 14"),
        # German, Dutch
        ("Herr Weber, geb. 3. Mai 1985, wohnhaft in Köln", "3. Mai 1985"),
        ("geboren am 12. März 1978", "12. März 1978"),
        ("Geburtsdatum: 12.03.78", "12.03.78"),
        ("Hij is geboren op 7 augustus 1969.", "7 augustus 1969"),
        ("Geboortedatum: 7 aug. 1969", "7 aug. 1969"),
        # French
        ("Il est né le 1er mai 1985 à Lyon.", "1er mai 1985"),
        ("Date de naissance : 23 février 1992", "23 février 1992"),
        ("née le 23 fevrier 1992", "23 fevrier 1992"),
        # Spanish, Portuguese, Italian, Catalan
        ("Nacida el 12 de marzo de 1987 en Quito.", "12 de marzo de 1987"),
        ("F. nac.: 02/11/1964", "02/11/1964"),
        ("Fecha de nacimiento: 2 de noviembre del 1964", "2 de noviembre del 1964"),
        ("Nascido em 12 de março de 1987, em Recife.", "12 de março de 1987"),
        ("data de nascimento: 1º de maio de 1990", "1º de maio de 1990"),
        ("Mario Rossi, nato il 4 luglio 1971 a Napoli", "4 luglio 1971"),
        ("Data di nascita: 4 lug 1971", "4 lug 1971"),
        ("data de naixement: 9 de juliol de 1983", "9 de juliol de 1983"),
        # Polish and Czech (genitive months), Slovak
        ("Data urodzenia: 5 stycznia 1980 r.", "5 stycznia 1980"),
        ("urodzona 17 września 1995 w Gdańsku", "17 września 1995"),
        ("urodzony 3 lutego 1961", "3 lutego 1961"),
        ("Datum narození: 14. června 1983", "14. června 1983"),
        ("narozen 1. července 1990", "1. července 1990"),
        ("dátum narodenia: 8. augusta 1977", "8. augusta 1977"),
        ("Datum narození: 14. 6. 1983", "14. 6. 1983"),
        # Turkish, Indonesian, Malay
        ("Doğum tarihi: 12 Ağustos 1986", "12 Ağustos 1986"),
        ("Dogum tarihi 12 Subat 1986", "12 Subat 1986"),
        ("Hasta: Fatma Yıldız, doğ. 11.03.1952", "11.03.1952"),
        ("DOĞUM TARİHİ: 12 NİSAN 1986, İZMİR", "12 NİSAN 1986"),
        ("Tanggal lahir: 17 Agustus 1991", "17 Agustus 1991"),
        ("Ia lahir pada 5 Mei 1988 di Bandung.", "5 Mei 1988"),
        ("Tarikh lahir: 9 Julai 1979", "9 Julai 1979"),
        # Nordic
        ("Hon är född den 3:e maj 1985 i Malmö.", "3:e maj 1985"),
        ("Födelsedatum: 1985-05-03", "1985-05-03"),
        ("Han er født 3. marts 1985.", "3. marts 1985"),
        ("Fødselsdato: 3. desember 1985", "3. desember 1985"),
        ("Hän on syntynyt 12. tammikuuta 1990.", "12. tammikuuta 1990"),
        ("Syntymäaika: 12.1.1990", "12.1.1990"),
        # Hungarian (year first), Romanian
        ("Született: 1990. április 12.", "1990. április 12"),
        ("Születési dátum: 1990.04.12.", "1990.04.12"),
        ("1990. április 12-én született Pécsen.", "1990. április 12-én"),
        ("Data nașterii: 12 aprilie 1990", "12 aprilie 1990"),
        ("născut pe 3 noiembrie 1975", "3 noiembrie 1975"),
        # Russian, Ukrainian, Bulgarian (genitive months)
        ("Дата рождения: 12 апреля 1990 г.", "12 апреля 1990"),
        ("Иван родился 5 мая 1984 года в Казани.", "5 мая 1984"),
        ("Дата народження: 24 серпня 1991", "24 серпня 1991"),
        ("народилася 3 березня 1979", "3 березня 1979"),
        # Greek, with and without accents
        ("Ημερομηνία γέννησης: 12 Απριλίου 1990", "12 Απριλίου 1990"),
        ("ημερομηνια γεννησης 25 μαιου 1982", "25 μαιου 1982"),
        # Vietnamese
        ("Ngày sinh: ngày 12 tháng 4 năm 1990", "ngày 12 tháng 4 năm 1990"),
        ("Anh ấy sinh ngày 12/4/1990 tại Huế.", "12/4/1990"),
        # Tagalog, Swahili
        ("Petsa ng kapanganakan: Abril 12, 1990", "Abril 12, 1990"),
        ("Ipinanganak siya noong ika-5 ng Hunyo 1988.", "ika-5 ng Hunyo 1988"),
        ("Tarehe ya kuzaliwa: 12 Aprili 1990", "12 Aprili 1990"),
        ("Alizaliwa tarehe 3 Machi 1975 mjini Arusha.", "3 Machi 1975"),
        # Roman-numeral months
        ("ur. 12.III.1985", "12.III.1985"),
        ("born 12 III 1985", "12 III 1985"),
        ("Data urodzenia: 12. XI. 1985", "12. XI. 1985"),
        # Numeric orders
        ("Date of birth: 1985.03.12", "1985.03.12"),
        ("DOB: 19850312", "19850312"),
        ("geb. 12.03.85", "12.03.85"),
        # Chinese, Japanese, Korean: no spaces around words
        ("出生日期：1990年4月12日", "1990年4月12日"),
        ("我的生日是1990年04月12日。", "1990年04月12日"),
        ("生年月日 1990年4月12日", "1990年4月12日"),
        ("1990年4月12日生まれ", "1990年4月12日"),
        ("生年月日：平成2年4月12日", "平成2年4月12日"),
        # Eras by their initial, and the other calendar's year beside the era's
        ("生年月日：S58.7.21", "S58.7.21"),
        # Chinese lunar dates and two-digit years in kanji
        ("出生日期：农历一九九三年八月初六", "一九九三年八月初六"),
        ("我爸生日是六二年十月一号", "六二年十月一号"),
        ("生年月日：1971(昭和46)年1月27日", "1971(昭和46)年1月27日"),
        ("生年月日：平成9年（1997年）10月16日", "平成9年（1997年）10月16日"),
        ("생년월일: 1990년 4월 12일", "1990년 4월 12일"),
        ("출생 1990.04.12", "1990.04.12"),
        # Hindi, Arabic, Thai (Buddhist era)
        ("जन्म तिथि: 12 अप्रैल 1990", "12 अप्रैल 1990"),
        ("जन्मतिथि 12/04/1990", "12/04/1990"),
        ("تاريخ الميلاد: 12 أبريل 1990", "12 أبريل 1990"),
        ("تاريخ الميلاد ١٢/٠٤/١٩٩٠", "١٢/٠٤/١٩٩٠"),
        ("تاريخ الميلاد: ٠٨ / ٠٢ / ١٩٨١", "٠٨ / ٠٢ / ١٩٨١"),
        ("تاريخ الميلاد: ١٤/٠٣/١٤١٠هـ", "١٤/٠٣/١٤١٠هـ"),  # lunar Hijri, 1989
        # The Maghreb's months: Tunisia and Algeria's from French, Morocco's own
        ("وهي من مواليد ١٢ جويلية ١٩٩٤ وتسكن في أريانة", "١٢ جويلية ١٩٩٤"),
        ("تاريخ الميلاد: ١٢ غشت ١٩٦١", "١٢ غشت ١٩٦١"),
        ("วันเกิด 12 เมษายน 2533", "12 เมษายน 2533"),
        # Inside markup and tables
        ("<dob>1990-04-12</dob>", "1990-04-12"),
        ("| Name | DOB |\n| Ana Silva | 12/03/1987 |", "12/03/1987"),
    ],
)
def test_dates_written_the_worlds_ways(text: str, date: str) -> None:
    assert spans(text) == [date]


@pytest.mark.parametrize(
    "text",
    [
        "The invoice is dated 2023-04-01.",
        "Meeting moved to May 17, 2024 at 10:00.",
        "Deadline: 17.05.2025",
        "I was born in Paris. The meeting is on 2024-05-17.",
        "born on 1990-02-30",  # no such day, and no label right before it
        "born in Leeds, 1850-01-01",  # out of range
        "born in 1990",  # a year is not a date
        "Invoice 2023-04-01, paid on 15/04/2023.",
        "Rechnung vom 3. Mai 2023, fällig am 17. Mai 2023.",
        "La réunion du 3 mai 2024 est annulée.",
        "Reunión el 12 de marzo de 2024.",
        "会议定于2024年5月17日。",
        "Né à Lyon. La réunion du 3 mai 2024.",
        "DOB: 31 février 1990",  # no such day
        "生年月日：1990年2月30日",  # no such day
        "DOB: 19901332",  # no such month
        "DOB: 20991231",  # not born yet
        "born 12 IIII 1985",
        "born 12 i 1985",  # Roman months are capitals
        "Geboren: Version 1.2.3.1990",
    ],
)
def test_birth_date_hard_negatives(text: str) -> None:
    assert spans(text) == []


def test_a_mistyped_date_right_after_a_birth_label_still_counts() -> None:
    # A value typed under "DOB:" is someone's birth date even when it fails validation.
    for text, value in [
        ("DOB: 1990-02-30", "1990-02-30"),
        ("applicant dob=1850-01-01 rejected", "1850-01-01"),
        ("Geburtsdatum: 31.04.1977", "31.04.1977"),
    ]:
        (finding,) = DateOfBirthDetector().detect(text)
        assert text[finding.start : finding.end] == value
        assert finding.score < 0.85
    assert spans("DOB: 1990-13-45") == []  # not even date-shaped
    assert spans("DOB on file. Renewal 2024-02-30") == []


@pytest.mark.parametrize(
    "text, date",
    [
        # The question on one line, the answer on the next: chats, calls, interviews.
        ("Agent: Can I have your date of birth?\nCaller: Sure, it's June 2, 1984.", "June 2, 1984"),
        ("rep: and your DOB please\ncustomer: 7/19/1990", "7/19/1990"),
        ("Bediener: Ihr Name und Geburtsdatum?\nKunde: Jonas Berg, 4.7.1979", "4.7.1979"),
        (
            "Operatore: nome e data di nascita, per favore.\nCliente: Anna Russo, 9 ottobre 1972",
            "9 ottobre 1972",
        ),
        ("Consultor: Qual é a sua data de nascimento?\nCliente: 14/08/1993", "14/08/1993"),
        (
            "担当：お名前と生年月日を教えてください。\nお客様：山田 花子、1985年3月9日です",
            "1985年3月9日",
        ),
        ("客服：请问您的出生日期？\n客户：李伟，1979年12月1日", "1979年12月1日"),
        ("상담원: 생년월일을 알려주세요.\n고객: 김민준, 1991년 2월 28일", "1991년 2월 28일"),
        ("Оператор: Назовите дату рождения.\nКлиент: Ольга Петрова, 3 июня 1986", "3 июня 1986"),
        ("Mhudumu: Tarehe yako ya kuzaliwa?\nMteja: Juma Ali, 21 Machi 1990", "21 Machi 1990"),
        # A label alone on its line, the value on the next (forms, pasted tables).
        ("Date of birth\n1990-04-12", "1990-04-12"),
        # Spoken days, the word after the date, the two-digit and six-digit forms
        ("Witness: my birthday is March twenty-first, 1979.", "March twenty-first, 1979"),
        ("born on the fourth of July 1976", "fourth of July 1976"),
        ("患者：佐藤 一郎（1952年7月3日生）", "1952年7月3日"),
        ("손님은 88년 3월 5일생이에요", "88년 3월 5일"),
        ("Иванов И.И., 12.04.1990 г.р.", "12.04.1990"),
        ("생년월일: 880305", "880305"),
        ("DOB 03121988", "03121988"),
        ("Data di nascita: 1988.III.05", "1988.III.05"),
        # Told in the first person
        ("Nací el 9 de enero de 1983 en Cádiz.", "9 de enero de 1983"),
        ("Urodziłem się 4.XI.1979 w Łodzi.", "4.XI.1979"),
        ("Nilizaliwa tarehe 7 Julai 1992.", "7 Julai 1992"),
        # Swedish "f." right before the date; passport data in a booking
        ("Remiss: Karl Berg, f. 1951-02-14. Yrsel.", "1951-02-14"),
        ("SSR DOCS YY HK1 P/GBR/123456789/GBR/14FEB81/M/02MAR31/SMITH/JOHN", "14FEB81"),
        ("01 SMITH/JOHN MR  12A  DOCS 1981-02-14", "1981-02-14"),
    ],
)
def test_birth_dates_in_dialogues_forms_and_spoken_forms(text: str, date: str) -> None:
    assert spans(text) == [date]


@pytest.mark.parametrize(
    "text, dates",
    [
        # A label that has its value does not reach the next field's date.
        ("Geburtsdatum: 12.03.1985\nEintritt: 01.04.2023", ["12.03.1985"]),
        ("Eintritt: 01.04.2023\nGeburtsdatum: 12.III.1985", ["12.III.1985"]),
        ("生年月日：1985年3月9日\n搭乗日：2025年8月1日", ["1985年3月9日"]),
        ("Passenger DOB: 19870612\nFlight: KL 835 on 02-07-2025", ["19870612"]),
        # Words that hold a birth word without meaning it
        ("障害の発生日 2025年3月12日、復旧済み。", []),
        ("事故发生日期：2024年5月17日", []),
        ("장애 발생일: 2024년 5월 17일", []),
        ("เหตุการณ์เกิดขึ้นเมื่อ 12 มีนาคม 2567", []),
        # "生" after a date that is not "born"
        ("2024年1月1日生效的规定", []),
        # A question about something else, answered two lines on
        (
            "Agent: when were you born, roughly?\nCustomer: one sec\nAgent: order of 2024-05-17",
            [],
        ),
    ],
)
def test_birth_words_that_do_not_reach_the_date(text: str, dates: list[str]) -> None:
    assert spans(text) == dates


def test_an_age_that_fits_the_year_is_weak_birth_context() -> None:
    # "(age 34)" beside a date 34 years ago: the date is the birth date (a weak finding).
    year = date.today().year - 34
    for text, value in [
        (f"Maria Lopez (age 34), {year}-03-12, admitted", f"{year}-03-12"),
        (f"Patient: Omar Haddad, 12/03/{year}, 34 y/o male", f"12/03/{year}"),
        (f"Herr Weber, 12.03.{year}, Alter: 34 Jahre", f"12.03.{year}"),
        (f"Mme Roux, 35 ans, 12/03/{year - 1}", f"12/03/{year - 1}"),
    ]:
        (finding,) = DateOfBirthDetector().detect(text)
        assert text[finding.start : finding.end] == value
        assert finding.score < 0.85
    # An age that does not fit the year says nothing about the date.
    assert spans(f"Patient, age 34, seen {date.today().year - 1}-03-12") == []
    assert spans("The page is 34 lines long, updated 2001-03-12.") == []


def test_compact_dates_need_birth_context() -> None:
    assert spans("Batch 19850312 shipped") == []
    assert spans("DOB 19850312") == ["19850312"]


def test_known_limit_any_birth_word_in_the_sentence_counts() -> None:
    # Context is a word window, not a parse: a birth word near an unrelated date still counts.
    assert spans("Born to run: the tour ended on 1992-08-17.") == ["1992-08-17"]


def test_date_spans_finds_every_real_date_without_context() -> None:
    text = (
        "Signed 3 mai 1985, paid 1999-12-31, then 12.III.1985, 14-Mar-1987, 1990年4月12日, "
        "19850312, 31/02/1990 and v1.2.3."
    )
    found = [text[a:b] for a, b in date_spans(text)]
    assert found == [
        "3 mai 1985",
        "1999-12-31",
        "12.III.1985",
        "14-Mar-1987",
        "1990年4月12日",
        "19850312",
    ]


@pytest.mark.parametrize(
    "value",
    [
        "1990-04-12",
        " 12/04/1990 ",
        "12 de março de 1987",
        "14-Mar-1987",
        "19900412",
        "1990年4月12日",
        "12 апреля 1990",
        "Abril 12, 1990",
        "12.III.1985",
        "870614",
        "1990-04-12T00:00:00Z",
        "ika-5 ng Hunyo 1988",
        "1990. ápr. 12.",
        "12 ноября 1990 г.",
        "5 maja 1980 r.",
        "12 d'abril de 1990",
        "12 ΑΠΡΙΛΙΟΥ 1990",
        "12 באפריל 1990",
        "12 كانون الثاني 1990",
        "12 ม.ค. 2533",
        "令和元年5月1日",
        "民國79年4月12日",
        "१२ अप्रैल १९९०",
        "04121990",
    ],
)
def test_is_date(value: str) -> None:
    assert is_date(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "1990",
        "1990-02-30",
        "1850-01-01",
        f"{date.today().year + 1}-01-01",  # a birth year is not in the future
        "12/04/1990 and 13/04/1990",
        "born 12/04/1990",
        "4111111111111111",
        "12345678",
        "99999999",
    ],
)
def test_is_not_date(value: str) -> None:
    assert not is_date(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kovács Anna (1987.05.03-án született) a jogi osztályon", ["1987.05.03-án"]),
        ("김하늘 씨는 1979. 4. 2.생으로 부산에 삽니다.", ["1979. 4. 2"]),
        ("تاریخ تولد: 1361/11/05", ["1361/11/05"]),  # Solar Hijri
        ("Trần Thu Trang, sinh ngày 3 tháng 5 năm 1994 tại Đà Nẵng.", ["ngày 3 tháng 5 năm 1994"]),
        ("oye, ¿tu cumple es el 9 de mayo de 1996?", ["9 de mayo de 1996"]),
        # No one is born after today, and another date field's value is no birth date.
        (f"date of birth of the campaign: {date.today() + timedelta(days=2)}", []),
        ('{"dob": "1969-02-17", "visit_date": "2021-11-03"}', ["1969-02-17"]),
    ],
)
def test_birth_dates_from_the_second_development_set(text: str, expected: list[str]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gäst Lars Nyberg (f. 14/3-71), två nätter.", ["14/3-71"]),
        ("Födelsedag: 9/11 1983", ["9/11 1983"]),
        ("Björn Ek, född 2 april -59, anställd sedan 1990.", ["2 april -59"]),
        ("user Ama Owusu (b. March 14th, '81) is locked out", ["March 14th, '81"]),
        ("Ingrid har bursdag 02.07.1990 – husk kake!", ["02.07.1990"]),
        ("Kaisa täyttää vuosia 3. toukokuuta 1985.", ["3. toukokuuta 1985"]),
        ("klara fyller år 19920412, tårta på fikat", ["19920412"]),
        # A birthday without its year, right after a birth word.
        ("quick note: Malik's birthday is Sep 21, cake at 3", ["Sep 21"]),
        ("my bday is 3/9 lol", ["3/9"]),
        ("Sag 77: Freja Holm (f. 4. marts) kan ikke logge på.", ["4. marts"]),
        # A timestamp near a birth word, and a year nobody living was born in.
        ("2024-05-03 11:22:09 WARN validator: dob missing for user 41", []),
        ("Systemet visar 1900-01-01 som födelsedatum för alla importer.", []),
    ],
)
def test_birth_dates_from_the_third_development_set(text: str, expected: list[str]) -> None:
    assert spans(text) == expected


def test_a_child_or_infant_service_request_carries_the_birth_date() -> None:
    text = " 3 SSR CHLD KL HK1 11MAR16-1.2\n 4 SSR INFT KL HK1 BAKKER/JOEP 07JUL25/P1\n"
    assert spans(text) == ["11MAR16", "07JUL25"]
    # A flight date in the same kind of line is no birth date.
    assert spans(" 2 KL 1002 AMSLHR 11MAR 0715 0735 HK2\n") == []


@pytest.mark.parametrize(
    "text",
    [
        "the project was born on 3 May 2015 as a hackathon idea",
        "Our company was born on 1 April 2009 in a garage in Leeds.",
        "my dog's birthday is 12 june, she's turning 6",
        "Il progetto è nato il 2 giugno 2016 da un'idea di un gruppo di studenti.",
        "Проект родился 3 мая 2015 года на хакатоне в Казани.",
        "Дата рождения проекта — 12.04.2015, дата окончания договора — 31.12.2026.",
        "Geboortedatum van de stichting: 1 januari 1990 (oprichting).",
        "we'll celebrate its 5th birthday on March 3, 2024 with pizza",
        "Rosa Parks was born on 4 February 1913; the boycott began in 1955.",
        "Martin Luther King Jr. was born January 15, 1929, in Atlanta, Georgia.",
        # The public figure as the subject before an apposition's commas, by a famous
        # surname alone, or named in the sentence before ("Born in ..., she").
        "Steve Jobs, born in San Francisco on 24 February 1955, called it a revolution.",
        "Lionel Messi, born in Rosario, Argentina, on 24 June 1987, joined Inter Miami.",
        "Frida Kahlo painted The Two Fridas in 1939. Kahlo was born on 6 July 1907 in Coyoacán.",
        "Queen Elizabeth II died at Balmoral Castle on 8 September 2022, aged 96. Born in "
        "Mayfair, London, on 21 April 1926, she acceded to the throne in 1952.",
        "Cristiano Ronaldo, nascido no Funchal em 5 de fevereiro de 1985, marcou outra vez.",
        "Zlatan Ibrahimović, född 3 oktober 1981 i Malmö, avslutade karriären i AC Milan.",
    ],
)
def test_a_birth_said_of_a_thing_an_animal_or_a_public_figure_is_no_date_of_birth(
    text: str,
) -> None:
    assert spans(text) == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The company's founder was born on 3 May 1985.", "3 May 1985"),
        ("Summarize the following for the team: Birthdate 02.06.2008, please", "02.06.2008"),
        ("Our new hire Jonas Berg was born on 14 March 1991.", "14 March 1991"),
        ("Date of birth of the patient: 1984-07-02", "1984-07-02"),
        # A public figure named nearby is not whose birth it is.
        (
            "Steve Jobs inspired him. My brother Tom, born 2 March 1990 in Leeds, codes.",
            "2 March 1990",
        ),
        ("Like Lionel Messi, my son Mateo was born on 24 June 2016.", "24 June 2016"),
        ("Lionel Messi fan here. I was born on 24 June 1987 too!", "24 June 1987"),
    ],
)
def test_a_persons_birth_beside_thing_words_is_still_found(text: str, value: str) -> None:
    assert spans(text) == [value]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A birthday without its year, the person named between the birth word and the date.
        ("el cumple de Lucía es el 3 de mayo, ¿le compramos algo?", ["3 de mayo"]),
        ("il compleanno di Giulia è il 22 settembre, regalo?", ["22 settembre"]),
        ("le anniv de Chloé c'est le 5 juin non ?", ["5 juin"]),
        ("Thijs' verjaardag is op 12 april, cadeau?", ["12 april"]),
        ("urodziny Kasi są 30 listopada, składamy się?", ["30 listopada"]),
        ("Elif'in doğum günü 14 Mart, hediye alalım", ["14 Mart"]),
        ("ultah Rina tgl 8 Desember ya, patungan?", ["8 Desember"]),
        ("o niver da Duda é dia 11 de julho", ["11 de julho"]),
        ("у Олечки др 5 марта, скидываемся?", ["5 марта"]),
        ("Idas födelsedag är den 2 oktober", ["2 oktober"]),
        # Month and day in Chinese, Japanese and Korean after the birthday word.
        ("小雨生日是11月3号吧？", ["11月3号"]),
        ("さくらの誕生日って4月9日だよね", ["4月9日"]),
        ("지민이 생일 7월 21일 맞지?", ["7월 21일"]),
        # A date the sentence says is no birthday stays out.
        ("el cumple de Lucía es el viernes; la reunión es el 3 de mayo", []),
        ("我的生日礼物11月3号到", []),
    ],
)
def test_a_birthday_without_its_year_after_the_persons_name(text: str, expected: list[str]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "köpeğimizin doğum günü 4 mayıs, pasta alalım",
        "kedimizin doğum günü 3 mart, iki yaşına giriyor",
        "うちの犬の誕生日は6月1日です",
        "我家猫咪的生日是9月9日",
        "우리 고양이 생일이 5월 2일이에요",
    ],
)
def test_a_pets_birthday_without_its_year_is_no_birth_date(text: str) -> None:
    assert spans(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mi abuela Carmen, que nació el 4 de marzo de 1941 en Cádiz", ["4 de marzo de 1941"]),
        ("minha avó nasceu em 12/05/1938 em Viseu", ["12/05/1938"]),
        ("il nonno nacque il 3 aprile 1936 a Bari", ["3 aprile 1936"]),
    ],
)
def test_born_in_the_third_person(text: str, expected: list[str]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "La aplicación nació el 5 de marzo de 2021 en Valencia.",
        "O movimento nasceu em 3 de abril de 2015 nas ruas de Recife.",
        "Gonçalves Dias nasceu em 10 de agosto de 1823 no Maranhão.",
    ],
)
def test_born_of_a_thing_or_long_ago_is_no_birth_date(text: str) -> None:
    assert spans(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("تاريخ الميلاد: ١٤ رجب ١٤١٠هـ\nرقم الهوية: 1087", ["١٤ رجب ١٤١٠هـ"]),
        ("الاسم: تركي\nتاريخ الميلاد: 1 محرم 1412 هـ", ["1 محرم 1412 هـ"]),
        # A Hijri date that is no birth date, and a year no living person was born in.
        ("موعد التسليم: ١٤ رجب ١٤٤٦هـ", []),
        ("تاريخ الميلاد: 1 محرم 1250 هـ", []),
    ],
)
def test_lunar_hijri_birth_dates(text: str, expected: list[str]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("氏名：森田 亮\n生年月日：平成元年十月十日\n住所：福岡県", ["平成元年十月十日"]),
        ("お客様：平成2年の3月30日です。", []),  # no birth word on the line: not a birth date
        ("係：生年月日をお願いします。\nお客様：平成2年の3月30日です。", ["平成2年の3月30日"]),
        ("出生日期：一九八八年三月五日", ["一九八八年三月五日"]),
        ("会社設立：平成元年十月十日", []),
    ],
)
def test_birth_dates_in_kanji_numerals(text: str, expected: list[str]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Vietnamese "sinh" right before the date; a pupil ("học sinh") or a cost that
        # arose ("phát sinh") is no birth.
        ("Bệnh nhân: Phạm Thị Xuân, sinh 05/06/1949", ["05/06/1949"]),
        ("Danh sách học sinh 05/06/2024 nhập học", []),
        ("chi phí phát sinh 05/06/2024", []),
    ],
)
def test_born_right_before_the_date_in_vietnamese(text: str, expected: list[str]) -> None:
    assert spans(text) == expected


def test_a_childs_or_infants_birth_date_in_an_airline_name_element() -> None:
    text = "3. TAKAHASHI/SORA MSTR (CHD 12MAR17)\n4. TAKAHASHI/RIN (INF 03JAN25)"
    assert spans(text) == ["12MAR17", "03JAN25"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sturzprotokoll: Herr Helmut Schäfer (* 02.06.1934) wurde gefunden", ["02.06.1934"]),
        ("Anna Schmidt * 12.05.1988, Berlin", ["12.05.1988"]),
        ("Termine:\n* 02.06.1994 Gründung\n  * 03.07.2004 Feier", []),
        ("total = 3 * 12.05.2020", []),
        # A death notice: the star opens its line, the cross the next.
        ("Vår älskade\nKarl-Erik Svensson\n* 12 maj 1931\n† 3 november 2024", ["12 maj 1931"]),
        ("Releases\n* 12.05.2020 v1\n* 03.07.2021 v2", []),
    ],
)
def test_the_genealogists_star_for_born(text: str, expected: list[str]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Clinical notes' abbreviations right before the date, and Korean "생" ending a line.
        ("Mme Zohra Benyahia, DDN 02.02.1939", ["02.02.1939"]),
        ("Utente: Domingos Kiala Manuel, DN 04/04/1961", ["04/04/1961"]),
        ("Пациент: Доржиев Баир Цыренович, д.р. 07.03.1961", ["07.03.1961"]),
        ("환자: 문철수 님, 1950.3.15생\n주호소: 흉통", ["1950.3.15"]),
        ("Пацієнт Василь Гнатюк, нар. 23.02.1958. Дружина поруч.", ["23.02.1958"]),
        ("Hasta Hatice Kaya, d.t. 14.08.1956. Oğlu refakatçi.", ["14.08.1956"]),
        # "DN" far from the date, or a date that does not follow it, says nothing.
        ("DN 40 pipe, delivered 04/04/2024", []),
        ("Router SN 12/12/2023 replaced", []),  # a serial number's "SN"
    ],
)
def test_birth_abbreviations_of_clinical_notes(text: str, expected: list[str]) -> None:
    assert spans(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A correction: the birth date as the form had it and as it should be.
        (
            "Fix my date of birth please: it says 1993-07-21 but should be 1992-07-21",
            ["1993-07-21", "1992-07-21"],
        ),
        # Day and month swapped between two systems.
        (
            "DOB 04/11/1979 in the CRM, the bank file has 11/04/1979 for the same client",
            ["04/11/1979", "11/04/1979"],
        ),
        # The same birth date again, further on.
        (
            "Patient born 1961-02-08. Allergies: none. Discharge summary for 1961-02-08, ward 4.",
            ["1961-02-08", "1961-02-08"],
        ),
    ],
)
def test_a_found_birth_dates_other_writings_are_birth_dates_too(
    text: str, expected: list[str]
) -> None:
    assert spans(text) == expected


def test_dates_unlike_a_found_birth_date_stay_dates() -> None:
    text = "Date of birth: 1984-03-09. Appointment on 2024-03-09, follow-up 1984-05-02."
    assert spans(text) == ["1984-03-09"]
