"""Street addresses by pattern: each kind of address in its country's order, and the look-alikes
(places, versions, order numbers, log lines) that must stay unfound. Every example is made up."""

from __future__ import annotations

import pytest
import regex

from detectors.address import STREET_ADDRESS_PATTERNS, StreetAddressFinder, with_leading_parts

FINDER = StreetAddressFinder()


def best(text: str) -> str | None:
    """The longest address found, or None."""
    found = FINDER.find(text)
    if not found:
        return None
    start, end, _ = max(found, key=lambda f: (f[1] - f[0], f[2]))
    return text[start:end]


def everywhere(text: str) -> set[tuple[int, int, float]]:
    """What the patterns find run over the whole text, without the trigger regions (each with
    the unit or building before it, as the finder takes it)."""
    patterns = [(regex.compile(p, regex.MULTILINE), s) for _, p, s in STREET_ADDRESS_PATTERNS]
    return {
        (with_leading_parts(text, m.start()), m.end(), s)
        for p, s in patterns
        for m in p.finditer(text)
    }


@pytest.mark.parametrize(
    "address",
    [
        "807 Deborah Estate Apt. 573, Stephensshire, IA 02219",
        "22453 Hunter Spurs\nSouth Kent, MN 54883",
        "1600 Pennsylvania Avenue NW",
        "12 Baker Street, London NW1 6XE",
        "Flat 47z\nNathan Lane\nLake Dawn\nDE1 4WX",
        "346 Boyd Plaza Suite 069, Andrewshire, QC B6N 6T5",
        "USS Clark\nFPO AP 80563",
        "Melissa-Mohaupt-Platz 2\n57368 Rochlitz",
        "Mudeweg 104, 60865 Rosenheim",
        "H.-Dieter-Faust-Straße 18, 88871 Grafenau",
        "18, rue Manon Roux, 20215 Lelièvre",
        "boulevard Mallet, 20749 Perrot",
        "224, Issac Path\nSouth Dumdum 640562",
        "H.No. 34, Malhotra\nUluberia-796434",
        "P.O. Box 1234",
    ],
)
def test_street_addresses(address: str) -> None:
    text = f"Please ship it to {address} by Monday."
    assert best(text) == address


# (text, the address in it). Each kind of address once or twice, in its own language's order.
KINDS = {
    # English-speaking countries: numbered streets, directions, units, city lines.
    "us_numbered_street": (
        "Lease signed for 350 W 42nd St, Apt 5B, New York, NY 10036 from May.",
        "350 W 42nd St, Apt 5B, New York, NY 10036",
    ),
    "nigeria_plot": (
        "Deliver to Plot 27, Admiralty Way, Lekki, Lagos tomorrow.",
        "Plot 27, Admiralty Way, Lekki, Lagos",
    ),
    "kenya_house_close": (
        "She moved to House No. 14, Muthithi Close, Westlands, Nairobi last year.",
        "House No. 14, Muthithi Close, Westlands, Nairobi",
    ),
    "india_flat_sector": (
        "Courier to Flat No. 302, Shanti Apartments, Sector 21, Noida - 201301 please.",
        "Flat No. 302, Shanti Apartments, Sector 21, Noida - 201301",
    ),
    "india_marg": (
        "Office at 17, Tilak Marg, New Delhi 110001 opens at nine.",
        "17, Tilak Marg, New Delhi 110001",
    ),
    "us_saint_city": (
        "Mail it to 4418 Gravois Ave, St. Louis, MO 63116 this week.",
        "4418 Gravois Ave, St. Louis, MO 63116",
    ),
    "singapore_block": (
        "Deliver to Blk 123 Ang Mo Kio Ave 6, #08-45, Singapore 560123 on Monday.",
        "Blk 123 Ang Mo Kio Ave 6, #08-45, Singapore 560123",
    ),
    "bangladesh_house_road": (
        "Our office: House 12, Road 5, Dhanmondi, Dhaka 1209. Call ahead.",
        "House 12, Road 5, Dhanmondi, Dhaka 1209",
    ),
    "en_lowercase_unit": (
        "I moved to 2240 Fulton Street, apartment 3 last week.",
        "2240 Fulton Street, apartment 3",
    ),
    "israel_rehov": (
        "Her flat is at Rehov Ben Yehuda 32, Apt 4, Tel Aviv 6380501 now.",
        "Rehov Ben Yehuda 32, Apt 4, Tel Aviv 6380501",
    ),
    # German-speaking: compounds and separate street words, Austrian stair/door numbers.
    "de_separate_word": (
        "Bitte an Berliner Straße 12a, 10715 Berlin schicken.",
        "Berliner Straße 12a, 10715 Berlin",
    ),
    "at_stair_door": (
        "Neue Adresse: ab Mai wohne ich in der Mariahilfer Straße 45/3/12, 1060 Wien.",
        "Mariahilfer Straße 45/3/12, 1060 Wien",
    ),
    "ch_strasse": (
        "Die Rechnung geht an Bahnhofstrasse 7, 8001 Zürich, wie immer.",
        "Bahnhofstrasse 7, 8001 Zürich",
    ),
    "de_block": (
        "Absender:\nLindenweg 3\n04103 Leipzig\n\nSehr geehrte Damen und Herren,",
        "Lindenweg 3\n04103 Leipzig",
    ),
    "de_particle_city": (
        "Er wohnt Am Lindenplatz 4, 60599 Frankfurt am Main seit 2019.",
        "Am Lindenplatz 4, 60599 Frankfurt am Main",
    ),
    # Dutch: postcode 1234 AB, floors after the number, particles in the name.
    "nl_gracht": (
        "Stuur het naar Oudegracht 118, 3511 AX Utrecht graag.",
        "Oudegracht 118, 3511 AX Utrecht",
    ),
    "nl_floor": (
        "Ons nieuwe adres: Herengracht 207-III, 1016 BE Amsterdam.",
        "Herengracht 207-III, 1016 BE Amsterdam",
    ),
    "nl_particle": (
        "Bezorgen op Jan van Goyenkade 12A, 1075 HP Amsterdam alstublieft.",
        "Jan van Goyenkade 12A, 1075 HP Amsterdam",
    ),
    # French, Belgian, Swiss: number first, or street word first and number after.
    "fr_bis": (
        "Livraison au 12 bis avenue des Lilas, 69003 Lyon avant midi.",
        "12 bis avenue des Lilas, 69003 Lyon",
    ),
    "be_bte": (
        "Mon adresse : Avenue Brugmann 150 bte 4, 1190 Forest. Merci !",
        "Avenue Brugmann 150 bte 4, 1190 Forest",
    ),
    "ca_french_unit": (
        "Écrivez-moi au 4520 rue Saint-Denis, app. 3, Montréal (Québec) H2J 2L3 svp.",
        "4520 rue Saint-Denis, app. 3, Montréal (Québec) H2J 2L3",
    ),
    "ch_chemin": (
        "Envoyez le contrat à Chemin des Vignes 8, 1009 Pully svp.",
        "Chemin des Vignes 8, 1009 Pully",
    ),
    # Spanish: floor and door, C/, s/n, Colombian and Mexican forms.
    "es_piso": (
        "Vivo en Calle de Alcalá 121, 3º B, 28009 Madrid desde enero.",
        "Calle de Alcalá 121, 3º B, 28009 Madrid",
    ),
    "es_floor_side": (
        "Escríbeme a C/ Gran Vía 28, 5º izq., 28013 Madrid cuando puedas.",
        "C/ Gran Vía 28, 5º izq., 28013 Madrid",
    ),
    "es_c_slash": (
        "La tienda está en C/ Mayor, 14, 46001 Valencia y abre a las diez.",
        "C/ Mayor, 14, 46001 Valencia",
    ),
    "co_calle_numeral": (
        "El paquete llega a Calle 45 # 12-30, Apto 502, Bogotá mañana.",
        "Calle 45 # 12-30, Apto 502, Bogotá",
    ),
    "mx_colonia": (
        "Domicilio fiscal en Av. Reforma 222, Col. Juárez, 06600 Ciudad de México, gracias.",
        "Av. Reforma 222, Col. Juárez, 06600 Ciudad de México",
    ),
    "pe_jiron": (
        "Recoja el sobre en Jr. Junín 455, Cercado de Lima, Lima 15001 por favor.",
        "Jr. Junín 455, Cercado de Lima, Lima 15001",
    ),
    # Portuguese and Brazilian.
    "pt_rua": (
        "A encomenda vai para Rua Augusta 27, 1100-048 Lisboa esta semana.",
        "Rua Augusta 27, 1100-048 Lisboa",
    ),
    "br_bairro_uf": (
        "Entregar na Rua Oscar Freire, 900 - Jardins, São Paulo - SP, 01426-001 até sexta.",
        "Rua Oscar Freire, 900 - Jardins, São Paulo - SP, 01426-001",
    ),
    "pt_travessa": (
        "Moro na Travessa do Carmo 5, 4050-164 Porto há dois anos.",
        "Travessa do Carmo 5, 4050-164 Porto",
    ),
    # Italian: particles, lower-case "via" after "in", province in brackets.
    "it_via": (
        "Spedire a Via Garibaldi 14, 16124 Genova entro venerdì.",
        "Via Garibaldi 14, 16124 Genova",
    ),
    "it_corso_province": (
        "Sede legale: Corso Buenos Aires 33, 20124 Milano (MI). Grazie.",
        "Corso Buenos Aires 33, 20124 Milano (MI)",
    ),
    "it_lowercase_via": (
        "Il sottoscritto, residente in via Manzoni 7, chiede il rimborso.",
        "via Manzoni 7",
    ),
    # Nordic: Swedish, Danish, Norwegian, Finnish.
    "se_gatan_lgh": (
        "Min nya adress är Linnégatan 3 lgh 1201, 413 04 Göteborg från juni.",
        "Linnégatan 3 lgh 1201, 413 04 Göteborg",
    ),
    "se_torget": (
        "Vi ses på kontoret, Hötorget 8, 111 57 Stockholm.",
        "Hötorget 8, 111 57 Stockholm",
    ),
    "dk_floor_side": (
        "Send pakken til Vesterbrogade 31, 4. th, 1620 København V. Tak.",
        "Vesterbrogade 31, 4. th, 1620 København V",
    ),
    "no_gate": (
        "Fakturaen sendes til Thorvald Meyers gate 40, 0555 Oslo som avtalt.",
        "Thorvald Meyers gate 40, 0555 Oslo",
    ),
    "fi_stair_flat": (
        "Uusi osoite: Mannerheimintie 12 B 7, 00100 Helsinki alkaen maanantaista.",
        "Mannerheimintie 12 B 7, 00100 Helsinki",
    ),
    # Polish: ul./al./os., flat after m. or a slash, postcode 00-000.
    "pl_ul": (
        "Proszę wysłać na ul. Floriańska 15/3, 31-019 Kraków do piątku.",
        "ul. Floriańska 15/3, 31-019 Kraków",
    ),
    "pl_al_m": (
        "Biuro mieści się przy al. Niepodległości 221 m. 4, 02-087 Warszawa.",
        "al. Niepodległości 221 m. 4, 02-087 Warszawa",
    ),
    "cz_no_street_word": (
        "Pošlete to na Vinohradská 1511/230, 100 00 Praha 10 prosím.",
        "Vinohradská 1511/230, 100 00 Praha 10",
    ),
    # No street word and a four-digit postcode (NO, DK, AT, CH, BE, SI, HU, AU, ...).
    "no_no_street_word": (
        "Pakken går til Torgallmenningen 7, 5014 Bergen i morgen.",
        "Torgallmenningen 7, 5014 Bergen",
    ),
    "si_no_street_word": (
        "Please deliver to Trubarjeva cesta 21, 1000 Ljubljana before noon.",
        "Trubarjeva cesta 21, 1000 Ljubljana",
    ),
    # Romanian, Hungarian, Latvian, Lithuanian.
    "ro_strada": (
        "Coletul ajunge la Str. Lipscani 12, București 030031 mâine.",
        "Str. Lipscani 12, București 030031",
    ),
    "hu_utca": (
        "A számlát a Váci utca 18, 1052 Budapest címre kérem.",
        "Váci utca 18, 1052 Budapest",
    ),
    "lv_iela": (
        "Sūtiet uz Brīvības iela 55, Rīga, LV-1010 lūdzu.",
        "Brīvības iela 55, Rīga, LV-1010",
    ),
    "lt_gatve": (
        "Siuntinį pristatykite Vilniaus g. 12, 01402 Vilnius rytoj.",
        "Vilniaus g. 12, 01402 Vilnius",
    ),
    # Russian and Ukrainian: ул./пр./вул., д., кв., postcode last or first.
    "ru_ul": (
        "Доставка: ул. Арбат, д. 10, кв. 3, Москва, 119002. Спасибо.",
        "ул. Арбат, д. 10, кв. 3, Москва, 119002",
    ),
    "ru_suffix_abbreviation": (
        "Я живу: Ленинский пр., д. 30, кв. 112, Москва уже год.",
        "Ленинский пр., д. 30, кв. 112, Москва",
    ),
    "ru_postcode_first": (
        "Отправьте по адресу 119002, г. Москва, ул. Арбат, д. 10 до пятницы.",
        "119002, г. Москва, ул. Арбат, д. 10",
    ),
    "ru_declined": (
        "Живу на улице Пушкина, д. 10 уже пять лет.",
        "улице Пушкина, д. 10",
    ),
    "pl_declined": (
        "Mieszkam przy ulicy Długiej 5/2, 80-831 Gdańsk od lat.",
        "ulicy Długiej 5/2, 80-831 Gdańsk",
    ),
    "ua_vul": (
        "Надішліть на вул. Хрещатик, 22, Київ, 01001 будь ласка.",
        "вул. Хрещатик, 22, Київ, 01001",
    ),
    # Turkish: Mah./Cad./Sok., No:, D:, postcode and district/city.
    "tr_cad": (
        "Teslimat adresi Cumhuriyet Cad. No: 41 D: 7, 34367 Şişli/İstanbul olarak güncellendi.",
        "Cumhuriyet Cad. No: 41 D: 7, 34367 Şişli/İstanbul",
    ),
    "tr_mah_sok": (
        "Yeni ofis Kızılay Mah. 512. Sok. No: 9/3, 06420 Çankaya/Ankara adresinde.",
        "Kızılay Mah. 512. Sok. No: 9/3, 06420 Çankaya/Ankara",
    ),
    "tr_bulvari": (
        "Yeni evim İnönü Bulvarı No: 12 Daire 4, Konak/İzmir tarafında.",
        "İnönü Bulvarı No: 12 Daire 4, Konak/İzmir",
    ),
    # Indonesian and Malaysian: Jl./Gg., No., RT/RW, Kel., city and postcode.
    "id_jl_rt_rw": (
        "Kirim ke Jl. Gatot Subroto No. 12, RT 02/RW 07, Kel. Kuningan, Jakarta Selatan 12950 ya.",
        "Jl. Gatot Subroto No. 12, RT 02/RW 07, Kel. Kuningan, Jakarta Selatan 12950",
    ),
    "id_gang": (
        "Rumah saya di Gg. Mawar No. 3, Bandung 40115 dekat masjid.",
        "Gg. Mawar No. 3, Bandung 40115",
    ),
    "my_number_first": (
        "Please deliver to No. 5, Jalan Ampang, 50450 Kuala Lumpur before noon.",
        "No. 5, Jalan Ampang, 50450 Kuala Lumpur",
    ),
    "id_perumahan_blok": (
        "Alamat baru: Perumahan Taman Sari Blok B4 No. 11, Depok 16412 mulai bulan ini.",
        "Perumahan Taman Sari Blok B4 No. 11, Depok 16412",
    ),
    # Vietnamese: Số/Ngõ/Phố, Phường, Quận.
    "vi_so_ngo": (
        "Giao hàng tới Số 18 Ngõ 95 Phố Chùa Bộc, Phường Trung Liệt, Quận Đống Đa, Hà Nội nhé.",
        "Số 18 Ngõ 95 Phố Chùa Bộc, Phường Trung Liệt, Quận Đống Đa, Hà Nội",
    ),
    "vi_number_ward": (
        "Văn phòng ở 27 Nguyễn Trãi, Phường 2, Quận 5, TP. Hồ Chí Minh nhé.",
        "27 Nguyễn Trãi, Phường 2, Quận 5, TP. Hồ Chí Minh",
    ),
    # Swahili: Mtaa wa / Barabara ya, Nyumba Na.
    "sw_mtaa": (
        "Mzigo upelekwe Mtaa wa Moi Na. 23, Arusha kesho.",
        "Mtaa wa Moi Na. 23, Arusha",
    ),
    "sw_nyumba": (
        "Anaishi Nyumba Na. 9, Barabara ya Kenyatta, Mwanza sasa.",
        "Nyumba Na. 9, Barabara ya Kenyatta, Mwanza",
    ),
    # Japanese: 〒 postcode, prefecture, chōme and block numbers, building and room.
    "ja_postcode": (
        "お届け先は〒150-0041 東京都渋谷区神南1-2-3 渋谷ハイツ203号室です。",
        "〒150-0041 東京都渋谷区神南1-2-3 渋谷ハイツ203号室",
    ),
    "ja_chome": (
        "住所は北海道札幌市北区北8条西5丁目2-4です。",
        "北海道札幌市北区北8条西5丁目2-4",
    ),
    "ja_no_in_name": (
        "本社は〒100-0005 東京都千代田区丸の内一丁目9番2号にあります。",
        "〒100-0005 東京都千代田区丸の内一丁目9番2号",
    ),
    "ja_prefecture": (
        "新しい事務所は大阪府大阪市中央区難波5-1-60にあります。",
        "大阪府大阪市中央区難波5-1-60",
    ),
    # Chinese: province, city, district, road and number, building and room.
    "zh_building": (
        "请寄到广东省深圳市南山区科技园路12号创业大厦B座1506室，谢谢。",
        "广东省深圳市南山区科技园路12号创业大厦B座1506室",
    ),
    "zh_street": ("我住在北京市海淀区中关村大街27号，欢迎来玩。", "北京市海淀区中关村大街27号"),
    "zh_tw_section": (
        "收件地址：台中市西屯區台灣大道三段99號8樓",
        "台中市西屯區台灣大道三段99號8樓",
    ),
    # Korean: road-name address, building and unit.
    "ko_road": (
        "배송지는 서울특별시 강남구 테헤란로 152, 12동 304호입니다.",
        "서울특별시 강남구 테헤란로 152, 12동 304호",
    ),
    "ko_gil": (
        "사무실 주소는 경기도 수원시 팔달구 효원로 241 입니다.",
        "경기도 수원시 팔달구 효원로 241",
    ),
    # Hindi: house/flat number, नगर/सेक्टर, city - PIN.
    "hi_makan": (
        "कृपया पार्सल मकान नं. 18, गांधी नगर, जयपुर - 302015 पर भेजें।",
        "मकान नं. 18, गांधी नगर, जयपुर - 302015",
    ),
    "hi_flat_sector": (
        "मेरा पता फ्लैट नं. 7, सेक्टर 9, रोहिणी, दिल्ली - 110085 है।",
        "फ्लैट नं. 7, सेक्टर 9, रोहिणी, दिल्ली - 110085",
    ),
    # Arabic: شارع / حي, building, floor, flat, city and postcode; Hebrew script.
    "ar_street_number": (
        "يرجى الإرسال إلى شارع الجمهورية 14، الطابق 2، عمان 11181 في أقرب وقت.",
        "شارع الجمهورية 14، الطابق 2، عمان 11181",
    ),
    "ar_number_first": (
        "العنوان الجديد: 23 شارع النيل، العجوزة، الجيزة.",
        "23 شارع النيل، العجوزة، الجيزة",
    ),
    "ar_district_building": (
        "أسكن في حي النزهة، عمارة 7، شقة 3، الرباط.",
        "حي النزهة، عمارة 7، شقة 3، الرباط",
    ),
    "he_rehov": ("הכתובת שלי היא רחוב הרצל 15, חיפה.", "רחוב הרצל 15, חיפה"),
}


@pytest.mark.parametrize(("text", "address"), list(KINDS.values()), ids=list(KINDS))
def test_addresses_of_many_countries(text: str, address: str) -> None:
    assert best(text) == address


@pytest.mark.parametrize(
    "text",
    [
        "The 3 key points from the review are below.",
        "Port 23073 is open on the load balancer.",
        "ZIP 94105-6082 is outside the zone.",
        "We walked along the rue for an hour.",
        "Run 5 Monitoring jobs every hour.",
        "Version 2 is out.",
    ],
)
def test_street_hard_negatives(text: str) -> None:
    assert best(text) is None


@pytest.mark.parametrize(
    "text",
    [
        # A city, district or street named as a place, without a house number.
        "Our Berlin office moves next year.",
        "We met on Oxford Street last week.",
        "The shop in Königstraße is closed on Sundays.",
        "Meet me at Drottninggatan tomorrow, by the fountain.",
        "Via Roma is busy at noon.",
        "Spacer po ul. Długiej był miły.",
        "La Calle Mayor es preciosa en otoño.",
        "Phường Bến Nghé là trung tâm của Quận 1.",
        "شارع التحرير مزدحم دائما.",
        "東京都の人口は約1400万人です。",
        "大阪府の予算は3兆円です。",
        "这条路有3公里长。",
        "앞으로 2주 동안 이메일로 3번 보냈습니다.",
        "서울시 강남구로 3번 출장을 갔습니다.",
        "我知道3号会下雨，频道5号也说了。",
        "根据交通运输部第12号令，今天起执行。",
        "Theo Nghị định Số 15 Chính Phủ ban hành năm 2020.",
        "Il corso Python 3 inizia lunedì.",
        "لا يزال حي 3 أيام بعد الحادث.",
        # Versions, products, counts and words that end like a street word.
        "The Spring 2024 release notes are attached.",
        "Upgrade to String 3 and Offering 12 before the audit.",
        "The Firewall 2 appliance and Notepad 3 are installed.",
        "Sent via Slack 2 days ago, then via Zoom 3 times.",
        "As shown by Smith et al. Nature 2019, the effect holds.",
        "Martin Luther King Jr. Day 2025 is a holiday.",
        "Please place Order 3 before Friday.",
        "Click Place Order 3 times if it fails.",
        # Order numbers, tickets, timetables, logs and tables.
        "Order 44120: terminal refuses cards since update 2.8.1.",
        "Storing 44120: betaalterminal weigert kaarten.",
        "Train 9014, London St Pancras to Paris Gare du Nord, coach 11, seat 64.",
        "Réservation : voiture 14, place 82, départ 07h37.",
        "sshd[2219]: Failed password from 45.155.205.233 port 41822 ssh2",
        "accepted user=deploy from=192.0.2.44 port=52114",
        "T-000918,2024-10-01,Shell 4471,58.20,USD\nT-000919,2024-10-01,Cafe,112.73,USD",
        "2024-07-02,SALARY JULY,BACS-771920,,3120.00,4324.33",
        "Chapter 12, 10115 words, Berlin edition.",
        "Invoice 2024, 12345 Euros due by May.",
        "Step 3 Main Street Crossing is next in the tutorial.",
        "Sie lag nach dem Rennen auf Platz 3 der Wertung.",
        "Ich fahre über die Brücke 3 Mal am Tag.",
        "Season 3, 12000 Viewers watched the finale.",
        "Tallinn ja Tartu on 186 km kaugusel.",
        # A date, a year and a count beside a four-digit number: no postcode.
        "Signed on March 14, 1987 Lisbon hosted the talks.",
        "Edition 3, 2019 Reprint is out of stock.",
        "Basic 2019, Team 2020 and Enterprise licences renew in May.",
        "Stage 4, 1200 Riders started in Lyon.",
    ],
)
def test_places_and_look_alikes_are_not_addresses(text: str) -> None:
    assert best(text) is None


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # The city line ends where the next sentence starts.
        (
            "Mentzelstraße 17/38, 62919 Saarbrücken Please confirm the date.",
            "Mentzelstraße 17/38, 62919 Saarbrücken",
        ),
        (
            "9, chemin Klein, 47435 Pascalnec Can you check it?",
            "9, chemin Klein, 47435 Pascalnec",
        ),
        # "St" before a name is Saint, not Street: the street ends before it.
        ("Meet at 12 Baker Street, then St Pancras.", "12 Baker Street"),
    ],
)
def test_address_boundaries(text: str, address: str) -> None:
    assert best(text) == address


@pytest.mark.parametrize(
    ("text", "address"),
    [
        # Lines broken by HTML are lines.
        (
            "<td>Deliver to</td><td>Rosenweg 12<br>24103 Kiel</td>",
            "Rosenweg 12<br>24103 Kiel",
        ),
        (
            "<address>Kåre Lund<br/>Storgata 9<br />0155 Oslo</address>",
            "Storgata 9<br />0155 Oslo",
        ),
        # A UK postcode's letters are no US state's ("CF" of "CF10 3AT").
        (
            "Post it to 4 Heol y Felin, Caerdydd CF10 3AT please.",
            "4 Heol y Felin, Caerdydd CF10 3AT",
        ),
        # "14-bis" as "14 bis"; a Portuguese floor with its dot ("3.º Esq."); a German floor
        # and side ("2. OG rechts").
        ("Adres: Molenweg 8-bis, 2011 AB Haarlem.", "Molenweg 8-bis, 2011 AB Haarlem"),
        (
            "Morada: Rua do Salitre 12, 3.º Esq., 1250-198 Lisboa.",
            "Rua do Salitre 12, 3.º Esq., 1250-198 Lisboa",
        ),
        (
            "Lieferung an Gartenstraße 3, 2. OG rechts, 70173 Stuttgart bitte.",
            "Gartenstraße 3, 2. OG rechts, 70173 Stuttgart",
        ),
        # The unit or building before the street is part of the address.
        (
            "Return it to Flat 9, Harbour House, 14 Dock Road, Leith EH6 6RA.",
            "Flat 9, Harbour House, 14 Dock Road, Leith EH6 6RA",
        ),
        (
            "Livraison : Bât. C, 12 allée des Érables, 35000 Rennes.",
            "Bât. C, 12 allée des Érables, 35000 Rennes",
        ),
        ("Send to 3/2, 77 Byres Road, Glasgow G11 5HW.", "3/2, 77 Byres Road, Glasgow G11 5HW"),
        (
            "Giao tới Tầng 8, 15 Lê Lợi, phường Bến Thành, Quận 1.",
            "Tầng 8, 15 Lê Lợi, phường Bến Thành, Quận 1",
        ),
    ],
)
def test_whole_addresses_with_their_lines_units_and_postcodes(text: str, address: str) -> None:
    assert best(text) == address


def test_a_dates_digits_before_an_address_are_no_unit() -> None:
    text = "Re: Mr Tunde Bello, DOB 14/03/1958, 22 Dock Road, Leith EH6 6RA."
    assert best(text) == "22 Dock Road, Leith EH6 6RA"


def test_a_unit_word_alone_before_an_address_is_not_taken() -> None:
    # "Floor" ends a sentence here; no unit number follows it.
    assert (
        best("Meet on the top floor. 14 Dock Road, Leith EH6 6RA") == "14 Dock Road, Leith EH6 6RA"
    )


def test_street_and_city_lines_of_a_form() -> None:
    # The label of the second line ends the first address; its city line is one of its own.
    text = "Street: 2710 Mission St\nCity/State/ZIP: San Francisco, CA 94110\nCell: 415-555-0166"
    found = {text[start:end] for start, end, _ in FINDER.find(text)}
    assert found == {"2710 Mission St", "San Francisco, CA 94110"}


def test_trigger_regions_find_what_the_patterns_find_on_addresses() -> None:
    text = (
        "Send it to 52559 Evans Lane Apt. 092\nVincentview, IA 43464 or to "
        "Sagerring 6, 05755 Wittmund, or 95, Puri Nagar, Allahabad 755947."
    )
    assert set(FINDER.find(text)) == everywhere(text)


@pytest.mark.parametrize(("text", "address"), list(KINDS.values()), ids=list(KINDS))
def test_trigger_regions_miss_nothing_the_patterns_find(text: str, address: str) -> None:
    assert set(FINDER.find(text)) == everywhere(text)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("التوصيل إلى: فيلا 7، شارع 41أ، حي النهضة 3، الشارقة. شكراً.",
         "فيلا 7، شارع 41أ، حي النهضة 3، الشارقة"),
        ("عنوان الفواتير: بناية السلام، الطابق الثاني، شارع بلس، الحمرا، بيروت",
         "بناية السلام، الطابق الثاني، شارع بلس، الحمرا، بيروت"),
        ("المراسلات: ص.ب. 2231، الرمز البريدي 130، العذيبة، مسقط",
         "ص.ب. 2231، الرمز البريدي 130، العذيبة، مسقط"),
        ("Billing: Villa 31, Street 912, Zone 52, Al Gharrafa, Doha",
         "Villa 31, Street 912, Zone 52, Al Gharrafa, Doha"),
        ("Indirizzo: Via Zamboni, civico 33/B, 40126 Bologna.",
         "Via Zamboni, civico 33/B, 40126 Bologna"),
    ],
)  # fmt: skip
def test_buildings_first_numbered_streets_and_civico(text: str, address: str) -> None:
    assert best(text) == address


@pytest.mark.parametrize(
    "text",
    ["Street 15 is closed for the parade.", "Meet at Building 4 after lunch.", "حي النهضة جميل"],
)
def test_a_numbered_street_or_a_building_alone_is_no_address(text: str) -> None:
    assert best(text) is None


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Cliente: Corso Garibaldi n. 14, 20121 Milano (MI)",
         "Corso Garibaldi n. 14, 20121 Milano (MI)"),
        ("العميل: حي الروضة، شارع الأمير سلطان، مبنى رقم 4412، جدة 23432",
         "حي الروضة، شارع الأمير سلطان، مبنى رقم 4412، جدة 23432"),
        ("Клиент: Тверская улица, дом 7, корпус 2, квартира 15",
         "Тверская улица, дом 7, корпус 2, квартира 15"),
    ],
)  # fmt: skip
def test_numbers_and_units_spelled_out(text: str, address: str) -> None:
    assert best(text) == address


@pytest.mark.parametrize(
    ("text", "street"),
    [
        # Welsh and Irish street words before the name, with their particles ("y", "na").
        ("Please send it to 3 Heol y Deri, Cardiff CF14 6HA by Friday.", "3 Heol y Deri"),
        ("Address: 17 Stryd y Castell, Conwy LL32 8AY", "17 Stryd y Castell"),
        ("Bryn Awel, 3 Ffordd y Môr, Aberdaron LL53 8BG", "3 Ffordd y Môr"),
        ("He lives at 7 Bóthar na Trá, Salthill, Galway H91 X4K2", "7 Bóthar na Trá"),
    ],
)
def test_welsh_and_irish_streets(text: str, street: str) -> None:
    found = best(text)
    assert found is not None and found.startswith(street)


def test_a_welsh_street_without_a_number_is_a_place() -> None:
    assert best("The Heol y Deri bus stop is closed.") is None
