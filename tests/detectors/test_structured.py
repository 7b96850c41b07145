"""Values whose key or column names the class: JSON, CSV, markdown, YAML, XML, logs, forms, SQL."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.structured import StructuredFieldDetector

DETECTOR = StructuredFieldDetector()


def found(text: str) -> list[tuple[str, str]]:
    return sorted((f.pii_class, text[f.start : f.end]) for f in DETECTOR.detect(text))


def test_nested_json_values_and_arrays() -> None:
    text = json.dumps(
        {
            "patient": {"full_name": "Ngozi Okonkwo-Adeyemi", "dob": "1984-07-02"},
            "card_number": "3782 822463 10005",
            "attendees": [["Chinonso Eze", "c.eze@example.com"], ["Ximena Ruiz", "x@example.com"]],
        },
        ensure_ascii=False,
    )
    assert found(text) == sorted(
        [
            ("name", "Ngozi Okonkwo-Adeyemi"),
            ("date_of_birth", "1984-07-02"),
            ("credit_card", "3782 822463 10005"),
            ("name", "Chinonso Eze"),
            ("name", "Ximena Ruiz"),
        ]
    )


def test_json_numbers_and_escapes() -> None:
    text = '{"cc": 4111111111111111, "name": "Jos\\u00e9 P\\u00e9rez", "dob": 19840702}'
    assert ("credit_card", "4111111111111111") in found(text)
    assert ("name", "Jos\\u00e9 P\\u00e9rez") in found(text)
    assert ("date_of_birth", "19840702") in found(text)


def test_csv_with_quotes_and_a_markdown_table() -> None:
    csv = (
        "name,email,birth_date,card\n"
        '"Tanaka, Hiroshi",h.tanaka@example.jp,1979-11-23,4111 1111 1111 1111\n'
        "Lê Thị Mai,mai@example.vn,02/03/1990,5500005555555559\n"
    )
    assert ("name", "Tanaka, Hiroshi") in found(csv)
    assert ("name", "Lê Thị Mai") in found(csv)
    assert ("date_of_birth", "02/03/1990") in found(csv)
    assert ("credit_card", "5500005555555559") in found(csv)
    table = "| Nombre | Fecha de nacimiento |\n|---|---|\n| José Pérez | 12/04/1985 |"
    assert found(table) == [("date_of_birth", "12/04/1985"), ("name", "José Pérez")]


def test_yaml_xml_logs_and_forms() -> None:
    yaml = "patient:\n  name: Aroha Ngata\n  address: 12 Kauri Road, Ponsonby, Auckland 1011\n"
    assert found(yaml) == [
        ("address", "12 Kauri Road, Ponsonby, Auckland 1011"),
        ("name", "Aroha Ngata"),
    ]
    xml = "<customer><name>Kwame Mensah</name><birthDate>1975-03-09</birthDate></customer>"
    assert found(xml) == [("date_of_birth", "1975-03-09"), ("name", "Kwame Mensah")]
    log = "ts=2024-01-02T10:00:00Z user=jdoe dob=19840702 client_ip=10.2.3.4 ssn=078-05-1120"
    assert found(log) == [
        ("date_of_birth", "19840702"),
        ("ip_address", "10.2.3.4"),
        ("ssn", "078-05-1120"),
    ]
    form = (
        "Passenger: OKAFOR/CHIDI MR\n氏名：山田 太郎\nCustomer Name: Siosaia Tupou, DOB: 1988-05-17"
    )
    assert found(form) == [
        ("date_of_birth", "1988-05-17"),
        ("name", "OKAFOR/CHIDI"),
        ("name", "Siosaia Tupou"),
        ("name", "山田 太郎"),
    ]


def test_code_literals() -> None:
    php = "$c = [['nombre' => 'Itzel Ramírez', 'tel' => '+52 55 5555 0192']];"
    assert found(php) == [("name", "Itzel Ramírez"), ("phone", "+52 55 5555 0192")]
    pnr = '{"passengers": [{"surname": "ROMERO", "given": "LUCIA", "dob": "1990-08-19"}]}'
    assert found(pnr) == [("date_of_birth", "1990-08-19"), ("name", "LUCIA"), ("name", "ROMERO")]


def test_sql_inserts() -> None:
    sql = (
        "INSERT INTO members (nom, prenom, ne_le, tel) VALUES "
        "('Lambert', 'Manon', '1991-12-03', '06 55 20 19 44');"
    )
    assert found(sql) == [
        ("date_of_birth", "1991-12-03"),
        ("name", "Lambert"),
        ("name", "Manon"),
        ("phone", "06 55 20 19 44"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        '{"card_number": "4111 1111 1111 1112"}',  # fails Luhn
        '{"dob": "next Tuesday"}',
        '{"name": "Hex Wrench Set Metric", "product_name": "Ada Lovelace"}',
        "Name: Product X\ncompany_name: Acme Foods",
        '{"ip_address": "2001:db8::12", "mac_address": "00:1a:2b:3c:4d:5e"}',
        "phone: n/a\nssn: pending",
        '{"address": "<ADDRESS_1>", "name": "<NAME_2>", "dob": "<DATE_OF_BIRTH_1>"}',
        '{"iban": "DE89 **** **** **** 3000", "card": "**** **** **** 4242"}',  # masked
        "https://example.com:8080/path?name=value",
    ],
)
def test_a_value_must_be_a_valid_value_of_the_class(text: str) -> None:
    assert [c for c, _ in found(text) if c != "ip_address"] == []


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("{}[]\"':=,|;\t\n ()<>/\\*-.#@0123456789aAzZéß名前生年月日")),
        max_size=120,
    ).map(lambda s: "name: " + s + '\n{"dob": "' + s + '", "iban": "' + s + '"}')
)
def test_no_input_makes_it_raise(text: str) -> None:
    for finding in DETECTOR.detect(text):
        assert 0 <= finding.start < finding.end <= len(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Сын: Игорь, тел. уточнить", [("name", "Игорь")]),
        ("Anhörig: Per Lindahl\nBedömning: stabil", [("name", "Per Lindahl")]),
        ("Kortinnehavare: MAJA EKSTRÖM", [("name", "MAJA EKSTRÖM")]),
        ("フリガナ：ヤマダ タロウ", [("name", "ヤマダ タロウ")]),
        (
            "From: Ewa Nowak\nTo: Tomasz\nSubject: umowa",
            [("name", "Ewa Nowak"), ("name", "Tomasz")],
        ),
        ("ad,soyad\nElif,Doğan", [("name", "Doğan"), ("name", "Elif")]),
        # The same keys with values that are no person's.
        ("From: the warehouse team\nTo: all staff", []),
        ("Сын: нет", []),
    ],
)
def test_kin_cardholder_and_mail_header_keys(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == sorted(expected)


@pytest.mark.parametrize(
    "text",
    [
        "UPDATE nhan_vien SET sinh_nhat = '1990-12-24' WHERE id = 4",
        "const ugyfel = { szul: '1988-02-03', tel: '+36 20 555 0199' };",
        "fodelsedatum=1979-11-30",
    ],
)
def test_birth_date_keys_without_diacritics_and_abbreviated(text: str) -> None:
    assert "date_of_birth" in [c for c, _ in found(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Straße: Lindenallee 4\nPLZ/Ort: 04109 Leipzig\n", ["Lindenallee 4", "04109 Leipzig"]),
        ("Postcode + woonplaats: 9711 LM Groningen", ["9711 LM Groningen"]),
        # A postal code alone names a district, not someone's address.
        ("postcode: SW1A 1AA", []),
    ],
)
def test_a_postal_code_with_its_place_is_an_address(text: str, expected: list[str]) -> None:
    found = StructuredFieldDetector().detect(text)
    assert [text[f.start : f.end] for f in found if f.pii_class == "address"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A key that names a person only sometimes: a public figure or a brand is no person.
        ("isbn,title,author\n978-0-14-143951-8,Pride and Prejudice,Jane Austen", []),
        ('{"products": [{"name": "Tommy Hilfiger Polo", "sku": "TH-POLO-M"}]}', []),
        ('{"name": "Ana Lima", "author": "Chinua Achebe"}', [("name", "Ana Lima")]),
        # A key that always names a person keeps its value, famous or not.
        ("passenger_name: Nelson Mandela", [("name", "Nelson Mandela")]),
    ],
)
def test_an_ambiguous_key_holding_a_public_figure_or_brand(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert found(text) == expected


def test_an_ambiguous_key_holding_a_place_or_famous_surname_alone() -> None:
    assert found('{"name": "Jordan", "region": "MENA"}\nrooms:\n  - name: Kafka') == []
    assert found("first_name: Jordan") == [("name", "Jordan")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # People's roles as keys: the value must still look like a name.
        ('<reviewer role="second">Ville Korhonen</reviewer>', [("name", "Ville Korhonen")]),
        (
            "interviewer: Aroha Ngata\nsupervisor: Chidi Okeke",
            [("name", "Aroha Ngata"), ("name", "Chidi Okeke")],
        ),
        (
            '{"instructor": "Bongani Dlamini", "coordinator": "Room 4B"}',
            [("name", "Bongani Dlamini")],
        ),
        ('{"reviewer": "ci-bot", "mentor": "Platform Team"}', []),
        # Hyphenated given names count by their parts ("Min-jun": "min", "jun").
        ("owner: Min-jun Han", [("name", "Min-jun Han")]),
    ],
)
def test_role_keys_and_hyphenated_given_names(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == sorted(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # More people's roles and name parts as keys, in several languages; the value must
        # still look like a name, and a browser's "agent" is none.
        (
            "<given>Mele</given><family>Havili Taufa</family>",
            [("name", "Mele"), ("name", "Havili Taufa")],
        ),
        ("oncall_secondary: Olivia Grant", [("name", "Olivia Grant")]),
        ('{"guest_name_kana": "ヤマモト ケンタ"}', [("name", "ヤマモト ケンタ")]),
        ("예약자: Viktor Petrenko\n연락처: 미정", [("name", "Viktor Petrenko")]),
        ('{"영문명": "OH SEJIN"}', [("name", "OH SEJIN")]),
        ('{"拼音": "Ma Haiyan"}', [("name", "Ma Haiyan")]),
        ('{"nickname": "浩浩"}', [("name", "浩浩")]),
        ("Lead: TAMA TE WHIU", [("name", "TAMA TE WHIU")]),
        ("候选人：阿依木呷", [("name", "阿依木呷")]),
        ("agent: Tigist Bekele\ntopic: billing", [("name", "Tigist Bekele")]),
        ("User-Agent: Mozilla Firefox\nagent: Chrome", []),
        ("agent: Mozilla Firefox\noncall: SRE Rotation", []),
        ('{"ho": "Giàng", "ten": "Thị Mỷ"}', [("name", "Thị Mỷ")]),
        # Other names of the same person: one in use, one in another script, its reading.
        ("通称名=松本 明", [("name", "松本 明")]),
        ("한글표기: 아지즈 라흐모노프", [("name", "아지즈 라흐모노프")]),
        ("よみがな：まつもと あきら", [("name", "まつもと あきら")]),
    ],
)
def test_more_role_and_name_part_keys(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == sorted(expected)


def test_xml_tags_in_any_script() -> None:
    text = "<читатель>\n  <фамилия>Саввинова</фамилия>\n</читатель>\n<氏名>佐藤 花子</氏名>"
    assert found(text) == [("name", "Саввинова"), ("name", "佐藤 花子")]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Pracownik: Ołeksandr Kowalenko\nKierownik: Piotr Sowa", "Ołeksandr Kowalenko"),
        ("Сотрудник: Ильдар Хайруллин", "Ильдар Хайруллин"),
        ("Employee: Nuwan Jayasuriya\nManager: Claire Hughes", "Claire Hughes"),
        ('患者:\n  监护人: "欧阳晓"', "欧阳晓"),
        ("Atasan: Linda Kusumawati", "Linda Kusumawati"),
    ],
)
def test_staff_user_guest_and_guardian_keys_in_many_languages(text: str, name: str) -> None:
    assert ("name", name) in found(text)


def test_a_manager_or_user_key_holding_no_name() -> None:
    assert found("user: admin\nManager: Data Platform") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A row with an SSN and a date of birth is a person's, whoever else bears the name.
        (
            "emp_id\tname\tssn\n40117\tTyler Nguyen\t623-14-8807\n"
            "40119\tLuis Hernández\t457-92-1146",
            ["Luis Hernández", "Tyler Nguyen"],
        ),
        # The same key names people in the list's other items.
        (
            'volunteers:\n  - name: Hope Carrington\n    phone: "07714 302 558"\n'
            '  - name: Will Danby\n    phone: "07951 226 730"',
            ["Hope Carrington", "Will Danby"],
        ),
        # ... and not where no item is a private person's, or the words are a thing's.
        ("speakers:\n  - name: Linus Torvalds\n  - name: Grace Hopper", []),
        ('[{"name": "Amara Osei", "dob": "1990-02-03"}, {"name": "San Juan"}]', ["Amara Osei"]),
    ],
)
def test_a_doubted_full_name_among_people(text: str, expected: list[str]) -> None:
    assert [v for c, v in found(text) if c == "name"] == expected


def test_a_sentence_after_a_roles_label_in_korean_is_no_name() -> None:
    text = "팀장: 다음 주 일정 확인할게요.\n기획: 네.\n팀장: 마케팅 쪽은 이벤트랑 묶는다고 했어요."
    assert found(text) == []
    assert found("팀장: 김 민지") == [("name", "김 민지")]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("氏名：山田 太郎（やまだ たろう）", ("name", "山田 太郎")),
        ("用户：张伟，电话 138 1027 4493", ("name", "张伟")),
        ("利用者：シルバ・ケンジ（kenji.silva@example.jp）", ("name", "シルバ・ケンジ")),
        ("住所：東京都新宿区西新宿2-8-1（都庁）", ("address", "東京都新宿区西新宿2-8-1")),
    ],
)
def test_full_width_punctuation_ends_a_forms_value(text: str, value: tuple[str, str]) -> None:
    assert value in found(text)


def test_values_in_a_url_query_string_are_read_decoded() -> None:
    log = '10.0.0.1 - - "GET /api/profile?name=Dagny%20Solberg&lang=nb HTTP/1.1" 200'
    assert found(log) == [("name", "Dagny%20Solberg")]
    form = "POST /signup?first_name=Aurelio&last_name=Buendia+Iguaran&dob=1990-04-02"
    assert sorted(found(form)) == [
        ("date_of_birth", "1990-04-02"),
        ("name", "Aurelio"),
        ("name", "Buendia+Iguaran"),
    ]
    assert found("callback?email=ines.m%40example.org&ok=1") == [("email", "ines.m%40example.org")]
    assert found("GET /search?q=london+hotels&page=2&name=Widget+Pro") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("languages:\n  - name: Julia\n    paradigm: multiple dispatch\n  - name: Ada\n", []),
        ("INSERT INTO storms (name, year) VALUES ('Andrew', 1992), ('Wilma', 2005);", []),
        ('{"products": [{"name": "Julia", "sku": "J-1"}]}', []),
        # People's collections, and a value after a collection of things has closed.
        (
            "INSERT INTO customers (name, city) VALUES ('Andrew Okafor', 'Lagos');",
            ["Andrew Okafor"],
        ),
        ("employees:\n  - name: Ingrid Solberg\n    role: lead\n", ["Ingrid Solberg"]),
        ('{"products": [{"name": "Julia"}], "owner": {"name": "Priya Raman"}}', ["Priya Raman"]),
        # Characters and holidays, in the collection's own language and script.
        ("figuren:\n  - name: Frank Thiel\n    rolle: Hauptkommissar\n", []),
        ('{"기념일": [{"이름": "한글날", "날짜": "10-09"}]}', []),
        ('{"helger": [{"namn": "Gustav Adolfsdagen", "datum": "11-06"}]}', []),
        ("storm_names:\n  - name: Milton\n  - name: Helene\n", []),
    ],
)
def test_a_name_in_a_collection_of_things_is_a_things(text: str, expected: list[str]) -> None:
    assert [value for _, value in found(text)] == expected


def test_a_lone_word_in_a_column_of_names_is_a_name_too() -> None:
    table = "| Day | Owner |\n|---|---|\n| Mon | Priya Raman |\n| Tue | Yokasta |\n"
    assert ("name", "Yokasta") in found(table)
    # A column whose cells name no person says nothing of a word no list knows.
    teams = "| Day | Owner |\n|---|---|\n| Mon | Platform |\n| Tue | Yokasta |\n"
    assert ("name", "Yokasta") not in found(teams)


def test_a_blank_forms_address_field_names_its_parts() -> None:
    blank = "Vorname: __________\nGeburtsdatum: TT.MM.JJJJ\nAnschrift: Straße, Hausnummer, PLZ, Ort"
    assert found(blank) == []
    # Filled in, the form's address has a number; one without a number stands outside a form.
    filled = "Vorname: Jonas\nAnschrift: Lindenweg 4, 79100 Freiburg\nTelefon: __________"
    assert ("address", "Lindenweg 4, 79100 Freiburg") in found(filled)
    assert found("Address: Centro, Belo Horizonte, Minas Gerais") == [
        ("address", "Centro, Belo Horizonte, Minas Gerais")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Present: Ana Lima, K. Osei and Tomás Ruiz\nAgenda: budget",
            ["Ana Lima", "K. Osei", "Tomás Ruiz"],
        ),
        ("出席者：グエン・ヴァン・ナム、佐藤 健\n議題：安全", ["グエン・ヴァン・ナム", "佐藤 健"]),
        (
            "Obecni: Ołena Hryhorenko, Grzegorz Szczepański",
            ["Ołena Hryhorenko", "Grzegorz Szczepański"],
        ),
        ("الحضور: محمد عبد الفتاح، جويس ريس", ["محمد عبد الفتاح", "جويس ريس"]),
        ("Present: 3 of 5 board members; quorum reached", []),
        ("Participants: Sales, Marketing and Finance teams", []),
        # A remark on how one attends is no part of the name; a name that is also a word
        # ("Uwe", "Park") is a name beside the others.
        (
            "Anwesend: Katrin Höfelmann, Tomasz Wójcik, Uwe (zugeschaltet)",
            ["Katrin Höfelmann", "Tomasz Wójcik", "Uwe"],
        ),
        ("参会人：王总、刘思琪、艾力·买买提（线上）", ["王总", "刘思琪", "艾力·买买提"]),
        # Markdown's bold key.
        ("**Attendees:** Folasade Adeyemi, Jiwoo Park", ["Folasade Adeyemi", "Jiwoo Park"]),
        ("Present: all", []),
    ],
)
def test_each_person_a_list_of_attendees_names(text: str, expected: list[str]) -> None:
    assert [value for _, value in found(text)] == sorted(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Utente: mrossetti\nStato: bloccato", ["mrossetti"]),
        ("Пользователь: e.kuznetsova", ["e.kuznetsova"]),
        ("用户：sunlili", ["sunlili"]),
        ("사용자: jhpark", ["jhpark"]),
        ("username: hoang.nv", ["hoang.nv"]),
        # A name and the initials after it; initials and a surname with its particle.
        ("사용자: kimsj", ["kimsj"]),
        ("username: pdeboer", ["pdeboer"]),
        # Service accounts, words and packages are no person's login.
        ("user: chartjs", []),
        ("user: lodash", []),
        ("user: kubectl", []),
        ("user: netops", []),
        # A person's key holding their login; a tool's name under "nombre" is none.
        ("assignee: cnolan\nreviewer: pemba.sherpa", ["cnolan", "pemba.sherpa"]),
        ('{"nombre": "reservar_mesa"}', []),
        ("username: admin", []),
        ("login: deploy-bot", []),
        ("user: jenkins", []),
        ("author: pallets", []),
        ("ansible_user: deploy", []),
        ("user: ubuntu", []),
        ("user: billing", []),
        ("name: billing", []),
    ],
)
def test_a_persons_login_under_a_user_key(text: str, expected: list[str]) -> None:
    assert [value for _, value in found(text)] == expected


def test_logins_in_system_logs_yaml_member_lists_and_code_host_keys() -> None:
    log = (
        "sshd[22841]: Accepted publickey for jkowalczyk from 10.0.0.5 port 52144 ssh2\n"
        "sshd[22841]: pam_unix(sshd:session): session opened for user jkowalczyk(uid=1001)\n"
        "sshd[22902]: Failed password for invalid user oracle from 203.0.113.9 port 4242\n"
        "sshd[22903]: Accepted password for deploy from 10.0.0.2 port 50022 ssh2"
    )
    assert found(log) == [("name", "jkowalczyk"), ("name", "jkowalczyk")]
    members = "team: data\nmembers:\n  - ciaran.g\n  - sophie.turner\n  - infra\nrepo: x\n"
    assert found(members) == [("name", "ciaran.g"), ("name", "sophie.turner")]
    assert found("maintainers:\n  - github: onurkaya\n  - github: pallets\n") == [
        ("name", "onurkaya")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Keys written in Latin letters for Russian and Hindi words.
        (
            '{"imya": "Баир", "familiya": "Цыренов", "data_rozhdeniya": "1990-08-15"}',
            [("date_of_birth", "1990-08-15"), ("name", "Баир"), ("name", "Цыренов")],
        ),
        ('{"upnaam": "Pasupuleti"}', [("name", "Pasupuleti")]),
    ],
)
def test_transliterated_keys(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An element or an object naming a thing holds a thing's name.
        ("<product><code>RMN-9</code><name>カップヌードル しお</name></product>", []),
        ('{"release": {"name": "Aurora", "tag": "v5.0.0"}}', []),
        ("pet_name\tspecies\nRex\tdog\nLuna\tcat", []),
        # ... and one naming a person a person's.
        ("<customer><id>7</id><name>Ana Lima</name></customer>", [("name", "Ana Lima")]),
        ('{"customer": {"name": "Ana Lima"}}', [("name", "Ana Lima")]),
    ],
)
def test_a_things_name_by_its_parent_or_its_key(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Storms are named like people: by their collection in any script, or by the word.
        "<태풍><이름>힌남노</이름><연도>2022</연도></태풍>",
        "<chakravat><naam>बिपरजॉय</naam><varsh>2023</varsh></chakravat>",
        "<eintrag><name>Sturmtief Sabine</name><jahr>2020</jahr></eintrag>",
    ],
)
def test_storms_named_like_people(text: str) -> None:
    assert found(text) == []


def test_a_spaced_dash_parts_the_fields_of_a_line() -> None:
    text = "Visa — Surname: PAPADOPOULOU — Given name: ELENI — Date of birth: 30/04/1986"
    assert ("name", "PAPADOPOULOU") in found(text)
    # An address keeps its dashes; a responsible team is no person.
    address = "Centro – Belo Horizonte – MG"
    assert found(f"Bairro/Cidade: {address}") == [("address", address)]
    assert found("Time responsável: Pagamentos Instantâneos – plantão") == []


def test_a_field_after_a_spaced_dash_and_a_value_ending_at_a_full_stop() -> None:
    text = "Visa application — Surname: PAPADOPOULOU — Given name: ELENI — Nationality: GR"
    assert ("name", "ELENI") in found(text)
    assert found("Lead: TAMA TE WHIU. Mobile to follow.") == [("name", "TAMA TE WHIU")]
    assert found("Guest: Ana Lima. Arrives late.") == [("name", "Ana Lima")]
    # Not after an initial or an abbreviation, nor one word ("Thanks.").
    assert found("Pasien: Ny. Sri Wahyuni, kamar 4") == [("name", "Ny. Sri Wahyuni")]
    assert found("Employee: Danke. Und die Karte endet auf 4421") == []


def test_an_irish_o_in_a_name_in_capitals() -> None:
    assert found("GUEST: PADRAIG O SUILLEABHAIN") == [("name", "PADRAIG O SUILLEABHAIN")]
    assert found("name: Product X") == []


def test_accounts_in_audit_logs_home_directories_cron_and_merged_branches() -> None:
    log = "audit: role_change actor=aalmazrouei target=mhassan old=viewer new=admin"
    assert found(log) == [("name", "aalmazrouei"), ("name", "mhassan")]
    # An account key's value is a person's only as a login made of names.
    assert found('{"actor": "Emma Watson", "target": "production"}') == []
    cron = "cron[881]: (tadeyemi) CMD (/home/tadeyemi/backup.sh)"
    assert found(cron) == [("name", "tadeyemi"), ("name", "tadeyemi")]
    assert found("Merge pull request #812 from blerimhoxha/fix-timezone") == [
        ("name", "blerimhoxha")
    ]
    assert found("Merge pull request #81 from acme-corp/fix") == []
    assert found(r"C:\Users\mkowalski\AppData\Local") == [("name", "mkowalski")]
    assert found("/home/ubuntu/app") == []


def test_one_han_character_under_a_family_name_key_is_a_known_family_name() -> None:
    text = '{"客户": {"姓": "孙", "名": "丽华"}}'
    assert found(text) == [("name", "丽华"), ("name", "孙")]
    assert found('{"姓": "的"}') == []


def test_birth_keys_abbreviated_in_portuguese_and_turkish() -> None:
    assert ("date_of_birth", "07/09/1962") in found("responsavel=Sebastião Moura\nnasc=07/09/1962")
    assert ("date_of_birth", "17/IV/1956") in found("Hasta: Fatma Şahin, D.T.: 17/IV/1956")


def test_one_unknown_word_under_a_name_key_in_a_persons_form() -> None:
    form = "Nazwisko: Kavaliou\nImię: Aliaksandr\nData urodzenia: 1993-05-07"
    assert ("name", "Aliaksandr") in found(form)
    assert ("name", "Сардана") in found(
        "Фамилия: Иванова\nИмя: Сардана\nДата рождения: 5 мая 1979 г."
    )
    # Alone, or in a record of things, one word no list knows is no name.
    assert found("Имя: Сардана") == []
    assert found('{"dob": "2019-04-02", "pet": {"name": "Mochi", "species": "cat"}}') == [
        ("date_of_birth", "2019-04-02")
    ]


def test_a_qualifier_in_brackets_after_the_key() -> None:
    assert found("성명(한글): 제넬린 레예스") == [("name", "제넬린 레예스")]
    assert found("氏名（カナ）：シュレスタ ラジュ") == [("name", "シュレスタ ラジュ")]
    assert found("Prénom(s) : Nourdine\nNom de naissance : SAID ALI") == [
        ("name", "Nourdine"),
        ("name", "SAID ALI"),
    ]
    assert found("print(foo(bar): 1)") == []


def test_balinese_names_an_honorific_and_a_remark_after_the_name() -> None:
    assert found("Karyawan: I Made Suarjana") == [("name", "I Made Suarjana")]
    assert found("Tamu: Ni Luh Putu Ayu") == [("name", "Ni Luh Putu Ayu")]
    assert found("代表者：伊藤 誠 様") == [("name", "伊藤 誠")]
    assert found('{"employee": "Ana Lima (ana.lima@example.com)"}') == [("name", "Ana Lima")]
    assert found("Noodcontact: Jurmaine Baptiste") == [("name", "Jurmaine Baptiste")]
    assert found("Guest: I Love Lucy") == []


def test_a_name_key_holding_known_names_typed_in_lower_case() -> None:
    assert ("name", "zhou xin") in found("name: zhou xin\nphone: +86 186 2301 7745")
    assert found("name: hello world") == []
    # Lower case through and through: a holiday or a bread roll is none.
    assert found("INSERT INTO holidays (name, day) VALUES ('Eid al-Adha', '2026-05-27');") == []
    assert found("{ id: 'prd_01', name: 'Kaiser roll', price: 0.79 }") == []


def test_a_stand_in_key() -> None:
    assert found("Vervanging: Daan") == [("name", "Daan")]
    assert found("Cover: none") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Nacida el: veintiuno de marzo de dos mil cuatro", "veintiuno de marzo de dos mil cuatro"),
        (
            "Född: den tjugonde november tjugohundrasjutton",
            "den tjugonde november tjugohundrasjutton",
        ),
        ("Doğum tarihi: on yedi Mayıs iki bin on beş", "on yedi Mayıs iki bin on beş"),
        (
            "Lahir: tanggal dua belas Januari dua ribu enam belas",
            "tanggal dua belas Januari dua ribu enam belas",
        ),
    ],
)
def test_a_birth_keys_date_written_out_in_words(text: str, value: str) -> None:
    assert found(text) == [("date_of_birth", value)]


def test_a_birth_keys_value_in_words_without_a_month_is_none() -> None:
    assert found("Geburtsdatum: unbekannt, ca. Mai") == []
    assert found("Nacido en: Sevilla") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("const ugyfel = { nev: 'Szabó Bence', szul: new Date('1992-10-30') };", "1992-10-30"),
        ('p = Pacient(jmeno="Tereza Dvořáková", narozena=date(1959, 7, 4))', "1959, 7, 4"),
        ('DataUrodzenia = DateOnly.ParseExact("21.04.1983", "dd.MM.yyyy"),', "21.04.1983"),
    ],
)
def test_a_birth_date_made_by_a_call_in_code(text: str, value: str) -> None:
    assert ("date_of_birth", value) in found(text)


def test_a_things_birthday_key() -> None:
    assert found("PROJECT_BORN = date(2015, 5, 3)  # first commit") == []
    assert found("pet_dob: 2019-04-02") == []
    assert found('dob = parse("yesterday")') == []


@pytest.mark.parametrize(
    "text",
    [
        "public class User {\n    private Long id;\n    private String firstName;\n"
        "    private String lastName;\n}",
        "Reporter: QA Automation\nComponent: Onboarding",
        "Purchased from: John Lewis, Oxford Street\nDate of purchase: 29/11/2023",
        "Flight: BA 117\nFrom: London Heathrow (LHR) T5\nTo: New York JFK T8",
        '{"flight": "6E2134", "airline": "IndiGo", "from": "DEL", "to": "BLR"}',
    ],
)
def test_no_name_in_a_declaration_a_team_a_shop_or_a_journeys_ends(text: str) -> None:
    assert found(text) == []


def test_mail_and_shift_keys_still_name_people() -> None:
    assert found("From: Ana Lima\nTo: Bruno Costa\nSubject: Q3") == [
        ("name", "Ana Lima"),
        ("name", "Bruno Costa"),
    ]
    assert found('{"event":"shift_swap","from":"Jone","to":"Kafui"}') == [
        ("name", "Jone"),
        ("name", "Kafui"),
    ]
    assert found("Return to: Oliver Pike") == [("name", "Oliver Pike")]


def test_a_hindi_birth_key_in_latin_letters() -> None:
    text = 'kirayedar:\n  naam: Rustom Daruwalla\n  janm: "06/06/1958"\n'
    assert ("date_of_birth", "06/06/1958") in found(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Assignee: will\nStatus: open", [("name", "will")]),
        ("Requester: Bill (facilities)", [("name", "Bill")]),
        ("reviewer: bill, approver: hope", [("name", "bill"), ("name", "hope")]),
        ("[WARN] user=hyunwoo failed login x3", [("name", "hyunwoo")]),
        # A chat's turn, a system's account, a product's name: no person.
        ("Agent: Lovely, thanks for waiting.", []),
        ("sshd: Accepted key for user=pi from host", []),
        ("plan:\n  name: Summer\n  price: 9", []),
    ],
)
def test_one_given_name_under_a_persons_role_key(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert [(c, v) for c, v in found(text) if c == "name"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "| # | Who | Task |\n|---|-----|------|\n| 1 | Aroha Ngata | fix printer |",
            "Aroha Ngata",
        ),
        ("Assigned to: Tavita Leiataua\nStatus: open", "Tavita Leiataua"),
        ("Time | Candidate | Interviewers\n10:00 | Yoon Ji-woo | Sam, Priya", "Sam, Priya"),
        ("Speaker: Oluwaseun Adeyemi\nTopic: cost of cloud", "Oluwaseun Adeyemi"),
    ],
)
def test_more_of_a_persons_keys_and_headers(text: str, expected: str) -> None:
    assert ("name", expected) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        # A bare "name" key in a record whose other keys describe a thing: its own name.
        "# service catalog entry\nname: atlas-ingest\nowner: team-data-platform\ntier: 1\n"
        "language: go\nrepo: github.com/example/atlas-ingest",
        "Wine label data\nName: Château Margaux\nVintage: 2015\nAppellation: Margaux AOC",
        'Product.create!(name: "Juno Lantern", sku: "JL-0007", price: 24.90)',
        '{"id": 3, "name": "Vesta", "type": "asteroid", "discovered": "1807-03-29"}',
        "Productinformatie\nNaam: Stroopwafels Jumbo Pak\nMerk: Daelmans\nPrijs: 3,49",
        # An identifier or a type, not a person's name.
        "@dataclass\nclass Customer:\n    first_name: str\n    last_name: str",
        "- name: phoenix.rules\n  rules:\n    - alert: PhoenixHighErrorRate",
        "username: alice-test\nrole: viewer",
        # Firms under a person's key.
        "invoice,customer,issued\nINV-1,Wayne Enterprises,2024-01-18\nINV-2,Northwind Traders,"
        "2024-01-19",
        "train_no,train_name,from,to\n12951,Mumbai Rajdhani,MMCT,NDLS",
    ],
)
def test_a_things_record_an_identifier_a_stand_in_or_a_firm(text: str) -> None:
    assert [value for cls, value in found(text) if cls == "name"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A person's record keeps its name, things beside it or not.
        ("name: Ana Lima\nemail: ana.lima@example.com\nversion: 2", "Ana Lima"),
        ("Customer: Ana Lima\nProduct: Router X2\nVersion: 2.1", "Ana Lima"),
        ("name: Tunde Adeyemi\ndob: 1990-04-02\nlanguage: yo", "Tunde Adeyemi"),
        ("username: linnea.berg\nrole: viewer", "linnea.berg"),
        # A list of people under a thing's record: the item's own keys decide.
        (
            "maintainers:\n  - name: Kim Tae-hyung\n    github: taehyung-kim\n"
            "  - name: Lee Soo-jin\n    github: soojin-dev\nlicense: MIT",
            "soojin-dev",
        ),
        ("First name: Johnny\nLast name: Doerr", "Johnny"),
    ],
)
def test_a_persons_record_keeps_its_name(text: str, expected: str) -> None:
    assert expected in [value for cls, value in found(text) if cls == "name"]


def test_one_key_a_line_with_an_equals_sign_runs_to_the_lines_end() -> None:
    text = "الاسم=أسماء بن سالم\nتاريخ_الولادة=17 جانفي 1992\nمكان_الولادة=صفاقس"
    assert found(text) == [("date_of_birth", "17 جانفي 1992"), ("name", "أسماء بن سالم")]
    # A log line's pairs end at white space.
    line = "2024-03-12 user=anon route=/checkout name=Ana dob=1990-01-02"
    assert ("date_of_birth", "1990-01-02") in found(line)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        # A birth year and month, or a year alone, under a key that names it.
        ("出生年月：1951年9月\n入院诊断：肺炎", "1951年9月"),
        ("个人简历\n出生年月：1998.07\n电话：138-0013-8000", "1998.07"),
        ("Họ tên: Đinh Văn Khải\nNăm sinh: 1961\nDân tộc: Tày", "1961"),
        ("Geburtsjahr: 1958, Wohnort: Kassel", "1958"),
        ("year_of_birth=1974 city=Leeds", "1974"),
        # A birth date in the Hijri calendar.
        ("الاسم=ريم الشهري\nتاريخ_الميلاد=1412/03/19هـ", "1412/03/19هـ"),
        ('{"dob_hijri": "1409-11-02", "nationality": "SA"}', "1409-11-02"),
        # Keys: Iraqi forms' "births", Vietnamese "born", a Russian abbreviation.
        ("الاسم: حيدر كاظم\nالمواليد: ٣/٤/١٩٩٩", "٣/٤/١٩٩٩"),
        ('chu_ho:\n  ho_ten: Mai Văn Lộc\n  sinh: "21/06/1977"', "21/06/1977"),
        ('арендатор:\n  фио: Исаев Руслан\n  рожд: "02.10.1983"', "02.10.1983"),
    ],
)
def test_birth_years_months_hijri_dates_and_more_birth_keys(text: str, value: str) -> None:
    assert ("date_of_birth", value) in found(text)


@pytest.mark.parametrize(
    "text",
    [
        # A year under another key, a founding year, a month and year of a contract.
        "Founded: 1961\nHeadquarters: Porto",
        "Năm thành lập: 1961",
        "contract_start: 1998.07",
        '{"release_year": 1974, "title": "Rock Bottom"}',
        "aniversario_empresa: 1985",
    ],
)
def test_a_year_or_month_under_another_key_is_no_birth_date(text: str) -> None:
    assert [c for c, _ in found(text) if c == "date_of_birth"] == []


def test_sql_server_unicode_strings_are_values_of_their_columns() -> None:
    text = (
        "INSERT INTO khach_hang (ho_ten, dob, sdt) VALUES\n"
        "(N'Trần Thị Hoa', '1990-04-12', N'0912 345 678'),\n"
        "(N'Lê Minh Quân', '1985-11-30', N'0987 654 321');"
    )
    values = found(text)
    assert ("date_of_birth", "1990-04-12") in values
    assert ("date_of_birth", "1985-11-30") in values
    assert ("name", "Trần Thị Hoa") in values


def test_a_birth_year_in_devanagari_digits_under_a_birth_key() -> None:
    assert ("date_of_birth", "१९६१") in found("नाम: रमेश कुमार\nजन्म वर्ष: १९६१\nमोबाइल: 98765 43210")
