"""Names from the lexicon: pairs in any case and many cultures, titles, cues, East Asian names,
and what is not a private person's name."""

from __future__ import annotations

import pytest

from detectors.engine import resolve_overlaps
from detectors.name_lexicon import _TOKEN, NameLexiconDetector, name_words
from detectors.name_scorer import NameScorer
from detectors.registry import default_registry

DETECTOR = NameLexiconDetector()
# The rules without the learned second opinion (tests/detectors/test_name_scorer.py), for
# tests of what a rule proposes where the scorer, judging the whole text, decides otherwise.
RULES = NameLexiconDetector()
RULES._scorer = None


def names(text: str) -> list[str]:
    """What the engine keeps: overlapping findings settled, in order."""
    return [text[f.start : f.end] for f in resolve_overlaps(DETECTOR.detect(text))]


def proposed(text: str) -> list[str]:
    return [text[f.start : f.end] for f in resolve_overlaps(RULES.detect(text))]


def proposed_by(text: str, *rules: str) -> list[str]:
    """What the named rules propose ("talk", "mention"), in order, before the scorer."""
    return [
        text[f.start : f.end]
        for source, f in DETECTOR.proposed(text, list(_TOKEN.finditer(text)))
        if source.rstrip("0123456789") in rules
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PASSENGER OKAFOR/CHIDI MR booked seat 12A", ["OKAFOR/CHIDI"]),
        ("Please ask Thandiwe Mokoena to resend it.", ["Thandiwe Mokoena"]),
        ("Bapak Budi Santoso akan datang besok.", ["Budi Santoso"]),
        ("Ông Nguyễn Văn An đã gửi email.", ["Nguyễn Văn An"]),
        ("Bitte an Herrn Müller weiterleiten.", ["Müller"]),
        ("Hi Giulia, the invoice is attached.", ["Giulia"]),
        ("user: hi, i'm wang fang and i forgot my password", ["wang fang"]),
        ("[10:02] Aroha: bro whats ur address again", ["Aroha"]),
        ("Guten Tag, ich bin Anna Weber und rufe wegen", ["Anna Weber"]),
        ("I'm sorry, I am going home. Its fine.", []),
        ("Ludwig van Beethoven wrote nine symphonies", []),  # a public figure
        ("患者の佐藤太郎さんは", ["佐藤太郎"]),
        ("김민준 씨에게 연락하세요", ["김민준"]),
        ("王秀英女士的电话", ["王秀英"]),
        ("राहुल शर्मा ने कहा", ["राहुल शर्मा"]),
    ],
)
def test_names(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Parkinson's disease and Bayes' theorem",
        "Morbus Parkinson und die Gauß-Verteilung",
        "We met at the Paris office with the London team.",
        "Julia and Ruby are programming languages.",
        "Turn left on Coldharbour Lane after Fulton Street.",
        "Abraham Lincoln and Nelson Mandela changed history.",
        "The Caesar salad and Eggs Benedict were great.",
        "Jollibee Foods Corporation reported earnings.",
        "Hurricane Katrina and Hurricane Sandy: compare damage and rebuilding costs.",
        "El huracán Otis devastó Acapulco en octubre de 2023.",
        "Sturmtief Sabine hat im Februar den Bahnverkehr lahmgelegt.",
    ],
)
def test_not_private_persons(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("客户：我叫徐静。", ["徐静"]),
        ("ग्राहक: सुरेश कुमार।", ["सुरेश कुमार"]),
        ("対象者：石井 隼人（社員番号 30521）", ["石井 隼人"]),
        ("新しいバイトのグエン・ヴァン・ハイさん、連絡先", ["グエン・ヴァン・ハイ"]),
        ("胡阿姨的电话是", ["胡"]),
        ("황 사장님 010-5555-7723", ["황"]),
        ("Remiss klar. Dottern Maria nås på telefon.", ["Maria"]),
        ("Thanks for the update.\n— Colleen", ["Colleen"]),
    ],
)
def test_names_beyond_capitalised_pairs(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Date: 2024-05-01\nMobil: 0151 5551 2398\nAnhang: Vertrag.pdf",  # a form's labels
        "Wir treffen uns in der Calle Larios und danach am San Siro.",
        "王国的军队",
    ],
)
def test_labels_and_places_are_no_names(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Our menu: cacio e pepe, saltimbocca alla romana.",
        "He listened to Bach and read Kafka on the train to Tbilisi.",
        "New stock: Calvin Klein Boxer briefs, Peach Melba sorbet.",
        "唐氏综合征的筛查和勾股定理的证明",
    ],
)
def test_things_named_after_people_are_no_names(text: str) -> None:
    assert names(text) == []


def test_unknown_names_are_found_by_their_shape() -> None:
    from detectors.name_shapes import name_shapes

    shapes = name_shapes()
    assert shapes.looks_like_a_name("Alemayehu")
    assert not shapes.looks_like_a_name("Krankenhaus")
    assert not shapes.looks_like_a_name("Paperwhite")
    # Two unknown words side by side, each shaped like a name, and nothing else: the rule's
    # proposal (the scorer, which doubts names after "call" in its development data, sits near
    # its threshold on this one, so the test checks the rule).
    assert proposed("Please call Oluwadamilare Alemayehu tomorrow.") == ["Oluwadamilare Alemayehu"]
    assert names("Das Krankenhaus Paperwhite ist neu.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A greeting that opens a line, then a name no list needs to know.
        ("Kia ora Tamatea,\nthe quote is attached.", ["Tamatea"]),
        ("Hej Pornthip!\nDin tid är bokad.", ["Pornthip"]),
        ("Bonjour Anne-Sophie,\nvoici le devis.", ["Anne-Sophie"]),
        # The person spoken to, opening a message.
        ("Magda, podeślesz mi umowę?", ["Magda"]),
        ("[09:14] Lior: Tomasz, can you call the landlord?", ["Lior", "Tomasz"]),
        ("Hi Team,\nthe build is green.", []),
        ("Paris, France is lovely in May.", []),
        ("NASA, bitte melden.", []),
        # Lower-case names after a cue, as typed in chats.
        ("thanks priya, and tell venkat the demo moved", ["priya", "venkat"]),
        ("ok - dane osobowe w załączniku", []),
        # A timed chat's speakers, listed or not ("あや").
        ("[21:03] ゆうき: 電話番号わかる？\n[21:04] あや: まだだよ", ["ゆうき", "あや"]),
        ("[21:05] रोहन: नंबर भेज दो\n[21:06] नेहा: अभी भेजती हूँ", ["रोहन", "नेहा"]),
        ("[10:00] user: hi\n[10:01] assistant: hello", []),
        # An honorific after the name.
        ("Selin hanım yarın izinli.", ["Selin"]),
        ("आदरणीय वर्मा जी, आपका ऑर्डर", ["वर्मा"]),
        ("please ask rahim bhai to approve", ["rahim"]),
    ],
)
def test_greetings_vocatives_speakers_and_honorifics_after(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Fomos à Avenida Marechal Deodoro e depois à praça.",
        "Prova na Universitas Airlangga, gedung B.",
        "Koncert w Filharmonii im. Mieczysława Karłowicza.",
        "We met at the Desmond Tutu Square fountain.",
        "Treffpunkt: Konrad-Adenauer-Straße, vor dem Café.",
    ],
)
def test_streets_squares_and_institutions_named_after_someone(text: str) -> None:
    assert names(text) == []


def test_a_word_ending_like_a_place_word_is_no_place_word() -> None:
    # "mottagare" ends in "gare" (a station): the name after it is still a person's.
    assert names("betala till SE52 (mottagare Gunilla Ek).") == ["Gunilla Ek"]


@pytest.mark.parametrize(
    "text",
    [
        "user: who was Wisława Szymborska?",
        "Resuma a carreira de Ayrton Senna para o mural.",
        "Bitte fasse Helmut Schmidts Rede zusammen.",
        "pengguna: siapa Cut Nyak Dhien?",
        "Compare Haruki Murakami's novels with Kazuo Ishiguro's books.",
    ],
)
def test_a_person_named_as_the_topic_of_a_question_or_summary(text: str) -> None:
    assert names(text) == []


def test_a_title_or_cue_keeps_a_topic_phrase_a_person() -> None:
    assert names("who is Mr. Okonkwo? He called twice.") == ["Okonkwo"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quick note that Oluwaseun's birthday is Oct 9", ["Oluwaseun"]),
        ("Sigrid fyller år den 3 maj, tårta kl 15", ["Sigrid"]),
        (
            "Pt Tamatoa Teriierooiterai (born 04-MAR-1971) presents with",
            ["Tamatoa Teriierooiterai"],
        ),
        ("Työntekijä Tuulikki Rähkönen (s. 1984-02-11) aloittaa", ["Tuulikki Rähkönen"]),
        # Whose birth it is must be a person: no field name, no common or lower-case word.
        ("Tempat/Tgl Lahir: Denpasar, 12-03-1989", []),
        ("firman fyller 25 år den 14 juni", []),
        ("Natura Cosméticos S.A. was born in 1969", []),
    ],
)
def test_whose_birth_a_phrase_states(text: str, expected: list[str]) -> None:
    # The rules alone: the scorer takes a lower-case given name opening an "x fyller år"
    # message as a person ("firman" too), as such messages mostly are.
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("grete is off today, can tomasz take her calls?", ["grete", "tomasz"]),
        ("@here svetlana moved to the lisbon office", ["svetlana"]),
        ("ok so fatima said the invoice went out friday", ["fatima"]),
        # Capitalised prose is no lower-case message: no lower-case rule fires; the scorer's
        # wider net takes both names there.
        ("The report from Grete is late. Tomasz will check it.", ["Grete", "Tomasz"]),
    ],
)
def test_a_known_name_alone_in_a_message_typed_in_lower_case(
    text: str, expected: list[str]
) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the julia notebook crashed again",  # an article before it: a thing
        "pulled image acme/api@sha256:e7f6c0 ok",  # glued to code
        "npm install jasmine karma --save-dev",  # a command line
        'retries=3 task=sherlock.tasks.reindex user="ok"',
        "ska vi fika eller inte",  # "eller" is a surname somewhere, and a Swedish word
    ],
)
def test_lower_case_words_of_code_or_language_are_no_names(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Dear Mr. Hoffmann, please pass the signed form to Agnieszka by Friday.",
            ["Hoffmann", "Agnieszka"],
        ),
        (
            "Od: Ewa Zielińska. Fakturę wyśle jutro Bartłomiej z księgowości.",
            ["Ewa Zielińska", "Bartłomiej"],
        ),
        # Without a person named elsewhere no rule takes a lone given name; the scorer does.
        ("Please pass the signed form to Agnieszka by Friday.", ["Agnieszka"]),
        # Places, frequent English words, sentence starts and capitalised neighbours.
        (
            "Notes from Tomas Berglund: the Austin office and Ford fleet renew in May.",
            ["Tomas Berglund"],
        ),
        # A sentence's start: no rule takes it, the scorer's wider net does.
        ("Anna Kowalska called. Agnieszka will call back.", ["Anna Kowalska", "Agnieszka"]),
        ("Kirsi Mäkinen recommends Peach Melba on Via Giuseppe Garibaldi.", ["Kirsi Mäkinen"]),
    ],
)
def test_a_lone_given_name_in_a_text_that_names_a_person(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Scripts without case: a known given name alone, in a text that names a person;
        # the words after a titled name ("ने", a postposition) are no part of it.
        ("श्रीमती सुनीता वर्मा ने फ़ाइल भेजी, अब दीपक जवाब देगा।", ["सुनीता वर्मा", "दीपक"]),
        ("قال السيد خالد العمري إن ريم ستتصل غداً.", ["خالد العمري", "ريم"]),
        ("وستتصل بكم ريم غداً.", []),  # no person named: a cue is needed
    ],
)
def test_a_lone_given_name_in_a_script_without_case(text: str, expected: list[str]) -> None:
    # What the rules propose: on these short texts, with nothing else in them, the scorer's
    # call is close either way; the evaluation sets measure it.
    assert proposed(text) == expected


def test_pairs_in_capitals() -> None:
    text = "MEETING NOTES: JOHN SMITH AND MARY JONES"
    # What the rules propose: a text in capitals alone, as here, sits on the scorer's
    # threshold, and retraining moves it; the evaluation sets measure the scorer.
    assert proposed(text) == ["JOHN SMITH", "MARY JONES"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A surname and a one-character given name that spell no word, nor with a neighbour.
        ("王磊说他明天不来，记得通知李娜一声。", ["王磊", "李娜"]),
        ("周末我们去爬山，马上出发。", []),  # 周末 (weekend), 马上 (at once): words
        # Familiar forms with 小/老/阿, unless they spell a word (小时, 老师, 阿姨).
        ("老刘和小王都到了，阿姨也来了。", ["老刘", "小王"]),
        ("小时候我是老师。", []),
        # Korean vocative and dative after a given name; Japanese hiragana names before くん.
        ("수빈아 준호한테 연락해줘", ["수빈", "준호"]),
        ("친구야 하늘이 예쁘다", []),
        ("はるとくん、あおいちゃんに資料送って", ["はると", "あおい"]),
        ("おばあちゃんとあかちゃん", []),
    ],
)
def test_east_asian_given_names_without_a_surname_list_pair(text: str, expected: list[str]) -> None:
    # What the rules propose: "小王" alone in a short text sits on the scorer's threshold,
    # and retraining moves it; the evaluation sets measure the scorer.
    assert proposed(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Wisława Szymborska i Czesław Miłosz są na liście lektur.",
        "We discussed Chinua Achebe and Ngũgĩ wa Thiong'o in class.",
        "村上春樹の新刊を読んだ",
    ],
)
def test_people_the_world_knows_by_name_are_no_private_persons(text: str) -> None:
    assert names(text) == []


def test_a_famous_name_that_is_a_common_private_name_is_still_a_name() -> None:
    # "Imran Khan" and "Gordon Brown" are famous, and also what many private persons are called.
    # The rules' proposal: the scorer doubts "Gordon Brown" opening a clause (docs/pii.md).
    assert proposed("Imran Khan called about the refund; Gordon Brown signed the lease.") == [
        "Imran Khan",
        "Gordon Brown",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Given names that are stop words somewhere ("sara", "mia", "uwe") do not split a name.
        ("Ersättare: Sara Johansson.", ["Sara Johansson"]),
        ("Mia Hansen og Uwe Koch kommer.", ["Mia Hansen", "Uwe Koch"]),
        # ... and alone they are still the words they are.
        ("la mia casa è bella", []),
    ],
)
def test_given_names_that_are_stop_words(text: str, expected: list[str]) -> None:
    # The rules' proposals: the scorer doubts "Mia Hansen" opening a message (docs/pii.md).
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "SPEAKER_1 (Tavita): let's start.\nSPEAKER_2 (Oyelaran): fine by me.",
            ["Tavita", "Oyelaran"],
        ),
        ("Ragnhild → tauno: send me the draft tonight", ["Ragnhild", "tauno"]),
        ("user -> assistant: hello", []),  # roles, not people
    ],
)
def test_diarised_speakers_and_messages_from_one_person_to_another(
    text: str, expected: list[str]
) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Names in a case ending, where the language declines them.
        ("Kasia, podeślesz Grzegorzowi te faktury?", ["Kasia", "Grzegorzowi"]),
        ("Иван Петров: Саша, скинь Наташе презентацию", ["Иван Петров", "Саша", "Наташе"]),
        (
            "Ivana Horvat: Bence, szólnál Dórának, hogy csúszik?",
            ["Ivana Horvat", "Bence", "Dórának"],
        ),
        # One Latin letter is no case ending of a name alone: "Medan" is a city.
        ("Anna Kowalska: besok terbang ke Medan.", ["Anna Kowalska"]),
    ],
)
def test_names_in_a_case_ending(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_the_one_a_speaker_addresses_is_proposed() -> None:
    assert "Bence" in proposed("Ivana Horvat: Bence, szólnál Dórának, hogy csúszik?")


def test_lower_case_given_names_that_are_frequent_because_they_are_names() -> None:
    # "viktor" and "oskar" are among Scandinavian words' 2,000 most frequent, as names.
    assert names("ok so i told viktor and oskar about it") == ["viktor", "oskar"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Vietnamese names: syllables that are everyday words, after a common family name.
        ("Nhân viên Lê Minh Tâm được thăng chức.", ["Lê Minh Tâm"]),
        ("Người liên hệ: con trai Đặng Quốc Bảo, 0912 555 010", ["Đặng Quốc Bảo"]),
        # Streets and cities named so are places.
        ("Cửa hàng ở 45 Trần Phú, phường Hải Châu, Hà Nội.", []),
    ],
)
def test_vietnamese_names(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("田中が今日休みなので、代わりに誰か入れる？", ["田中"]),
        ("お世話になっております。木村から引き継ぎました吉田です。", ["木村", "吉田"]),
        ("健太と美咲に共有しといて。あと大翔にも", ["健太", "美咲", "大翔"]),
        # Places and words before the same particles are no one.
        ("今日は東京と大阪に行きます。", []),
        ("会議室の予約は済んでいます。", []),
        # Chinese shares the characters and the commas, not the particles: no kana, no rule.
        ("这个季节健太、美咲都很忙。", []),
    ],
)
def test_a_japanese_name_alone_before_a_particle(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


def test_a_katakana_name_before_an_honorific_is_kept_whatever_the_model_says() -> None:
    text = "新しいバイトのグエン・ヴァン・ハイさん、連絡先"
    candidates, _ = DETECTOR.described(text)
    doubter = NameScorer(name_words(), {"bias": -10.0}, 0.5, 0.5)
    kept = doubter.judge([c for c in candidates if c[2]], [[] for c in candidates if c[2]])
    assert [text[f.start : f.end] for f, _ in kept] == ["グエン・ヴァン・ハイ"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("민수가 오늘 아파서 못 온대요", ["민수"]),
        # The joining 이 is said of people, even when the name is also a word ("sky").
        ("하늘이가 오늘 아파서 못 온대", ["하늘"]),
        ("내일 소풍 지우는 빠진대", ["지우"]),
        ("회의가 길어져서 늦어요", []),
        ("하늘이 맑아요", []),
    ],
)
def test_a_korean_given_name_as_a_subject_or_topic(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A chat's mention: a given name or a login made of a person's names.
        ("giulia: @mrossi did you push the fix for the invoice rounding?", ["giulia", "mrossi"]),
        ("ngozi_e: @chinedu call me when you're free", ["chinedu"]),
        ("@here please review, cc @devops and @channel", []),
        # A system's user, made of names or with the person's name in brackets after it.
        ("Ticket 40177: user sgowda (Shivakumar Gowda) VPN login nahi", ["sgowda"]),
        ("문의 #30911: 사용자 jhkwon(권지훈)이 로그인이 안 된다고", ["jhkwon"]),
        ("the user account is locked; user admin (root) tried", []),
        # A chat line's speaker in lower case, and the one spoken to after it.
        ("deshawn: yo toya did the client ever send the signed SOW", ["deshawn", "toya"]),
        ("sione: bro josaia where u at, the van's leaving", ["sione", "josaia"]),
        # A data line's key and value are no speaker and no one spoken to.
        ("language: ruby\nqueue: kafka", []),
        ("algorithms:\n  shortest_path: dijkstra\n  hashing: murmur3", []),
        ("me: is it valid?\ndev: nope, fails the checksum", []),
    ],
)
def test_lower_case_chat_names_mentions_and_logins(text: str, expected: list[str]) -> None:
    assert list(dict.fromkeys(proposed_by(text, "turn", "mention", "user"))) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Words before the name are joined by spaces too: the name is still read whole.
        ("営業部\u3000鈴木 一郎様\n\nいつもお世話になっております。", ["鈴木 一郎"]),
        ("201号室 伊藤 ハナ様、夜間に2回起床あり。", ["伊藤 ハナ"]),
        ("差出人は 吉田 さくら、住所は次のとおりです。", ["吉田 さくら"]),
    ],
)
def test_a_spaced_japanese_name_after_other_spaced_words(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A job title or form of address after a full name the lexicon lacks.
        ("상담원: 박룡철 고객님, 배송지가 맞으신가요?", ["박룡철"]),
        ("월요일부터 김춘화 과장이 합류합니다", ["김춘화"]),
        ("견적서를 서상철 대표님께 보내 주시겠어요?", ["서상철"]),
        # A team, a department or a title alone before a title is no name.
        ("영업팀 과장에게 전달해 주세요", []),
        ("대표님께 보고드렸습니다", []),
        ("우장춘 박사와 씨 없는 수박 이야기를 해 주셨다", []),
        # The copula after a word asking whose name it is.
        ("신청인은 오유진이고 주소는 아래와 같아", ["오유진"]),
        ("안녕하세요, 저는 박룡철입니다.", ["박룡철"]),
        # The 이 a given name ending in a consonant takes when spoken of.
        ("지훈이 번호 바뀌었어?", ["지훈"]),
        ("하은이 생일 맞지? 하은에게는 비밀!", ["하은", "하은"]),
        ("사람이 많다. 하늘이 맑다.", []),
    ],
)
def test_a_korean_name_by_what_follows_it(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A customer or member addressed with 님 is no name; a person is.
        ("고객님, 주문하신 상품이 발송되었습니다. 회원님 감사합니다", []),
        ("김지수님, 주문하신 상품이 발송되었습니다", ["김지수"]),
        # Characters right after a number are its unit ("5万円", "3万人"), no name.
        ("予算は5万円です。参加者は3万人でした。", []),
    ],
)
def test_east_asian_roles_and_units_are_no_names(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Wir fliegen nach Milan und dann weiter.",
        "Our offices in Bilbao and Lisboa are closed on Friday.",
    ],
)
def test_a_famous_surname_or_a_place_alone_is_no_name(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Schrijf een verjaardagsgedicht voor onze hond Sjaak, hij wordt tien.",
        "Écris une petite histoire sur mon chien Minou qui adore dormir.",
        "Napisz wierszyk o tym, jak mój kot Filemon łapie muchy.",
        "hamara kutta Sheru roz subah bhaunkta hai, koi tip?",
        "Our puppy, Biscuit, keeps chewing the chargers.",
    ],
)
def test_a_pets_name_is_no_persons(text: str) -> None:
    assert names(text) == []


def test_a_name_after_the_word_chat_is_a_person() -> None:
    assert names("in the team chat Priya Raghunathan called in sick today") == ["Priya Raghunathan"]


def test_a_countrys_name_in_a_european_language_is_a_place_first() -> None:
    from detectors.name_lexicon import alone_ambiguous

    # "la Libia", "Grecia", "Alemania": given names somewhere too, but countries first.
    assert {"libia", "grecia", "alemania", "francia"} <= alone_ambiguous()
    # ... unless a country counts them among its most frequent given names.
    assert not {"mauricio", "dominique"} & alone_ambiguous()


def test_a_hiragana_name_after_a_particle_and_a_reading_in_brackets() -> None:
    # The particle after a kanji name is not the next name's first sound.
    assert names("木村とあおいちゃんが来た") == ["木村", "あおい"]
    assert names("知念のおばさんの番号教えて") == []
    # A name's reading in hiragana, in brackets after it, is the same person.
    assert names("担当：松本 美香（まつもと みか）さん") == ["松本 美香", "まつもと みか"]


def test_an_unlisted_given_name_before_an_honorific() -> None:
    # A given name no list holds, between a known surname and an honorific: the rule
    # proposes it, the scorer judges it with the rest of the text.
    assert proposed("麻烦把报价单发给梁家伟先生，他的邮箱在下面") == ["梁家伟"]
    assert names("感谢各位老师的支持") == []  # 各位 (everyone) is a word, no given name


@pytest.mark.parametrize(
    "text",
    [
        "Les bureaux seront fermés le vendredi 1er novembre (Toussaint), merci de prévoir.",
        "Mohon kirimkan undangan buka puasa bersama kantor: Jumat, 21 Maret, pukul 17.30.",
        "hatırlatma: Ramazan Bayramı tatili nedeniyle ofis kapalı olacak",
    ],
)
def test_a_holiday_or_weekday_is_no_name(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A title in lower case before a name no list need know (inflected, rare).
        ("Konsultant: Dziękuję, pani Ewo.", ["Ewo"]),
        ("Medewerker: Vervelend, meneer Zwart. Ik blokkeer hem direct.", ["Zwart"]),
        ("Operatore: Grazie signora De Luca.", ["De Luca"]),
        ("Υπάλληλος: Κύριε Παπαδόπουλε, έγινε μια χρέωση", ["Παπαδόπουλε"]),
        ("Zapytaj pani Bank Polski o kredyt", []),  # an organisation's word ends it
        # A known name speaking in a transcript whose other speaker is a role.
        ("Intervjuare: Och när är du född?\nMats: Jag är född i Umeå.", ["Mats"]),
    ],
)
def test_a_name_after_a_title_in_lower_case_or_a_role_speaking(
    text: str, expected: list[str]
) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INC-44710 | Reporter: dmitri.volkov | Assignee: anna.s", ["dmitri.volkov", "anna.s"]),
        ("PR review request: @andrei.popescu please review", ["andrei.popescu"]),
        ("/src/payments/  @mikko-laine @sanna-h", ["mikko-laine", "sanna-h"]),
    ],
)
def test_user_names_made_of_names_are_proposed(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "reply to jake.kok+vader@mail.example.com",  # an address's local part: email's
        "rule=geo-block count=118; .max-width { max-width: 10px }",
        "INSERT INTO nhan_vien (ho_ten) VALUES ('x')",
        'f.put("ada-lovelace"); // a public figure',
        "the anak-anak want to play",
    ],
)
def test_words_joined_like_user_names_are_not_proposed(text: str) -> None:
    assert [text[f.start : f.end] for f in RULES._handles(text)] == []


def test_a_timed_chats_bots_and_teams_are_no_speakers() -> None:
    text = (
        "[09:14] ops-bot: deploy started\n[09:16] on-call-sre: nice\n"
        "[09:17] qa-team: ok\n[09:18] frontend-lead: thanks"
    )
    assert proposed(text) == []
    # A role's short label is no speaker's name, though "Dev" is someone's too: teams
    # write their notes by role ("Dev:", "QA:", "Lead:") more often than Devs speak.
    text = "[09:14] Dev: deploy started\n[09:16] minji: nice"
    assert proposed(text) == ["minji"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # One speaker a known name: the others are people, known or not.
        (
            "Sjoerd: de nieuwe heftruck komt pas in juni.\nRadjesh: dan huren we er eentje bij",
            ["Sjoerd", "Radjesh"],
        ),
        (
            "[00:00:04] Tomasz Wójcik: Kostas is dialling in.\n[00:00:19] Ben Ashworth: Morning.",
            ["Tomasz Wójcik", "Ben Ashworth"],
        ),
        ("参会人：刘思琪\n刘思琪：货周三发出。\n艾力：收到。", ["刘思琪", "艾力"]),
        # A form's labels, roles and words that are no names' shape are no speakers.
        ("Name: Ana Lima\nDate: 2024-03-01\nStatus: open", []),
        ("Judge: Please state your name.\nWitness: Maria Lopes.", []),
        ("Sjoerd: klaar?\nAnalyst: ja", ["Sjoerd"]),
        # "I" and family words label a family chat's turns: who speaks, not a name.
        ("Mam: Pakjesavond bij oma?\nIk: Prima.\nPap: Alleen als het mag\nIk: Oké", []),
        ("Tía: ¿Van a ir al museo?\nYo: Sí, y después al desfile\nTía: Traigan pan", []),
    ],
)
def test_the_speakers_of_a_conversation_known_or_not(text: str, expected: list[str]) -> None:
    assert list(dict.fromkeys(proposed_by(text, "talk"))) == expected


@pytest.mark.parametrize(
    "text",
    [
        "[08:10] Recepción: llegó el mensajero\n[08:12] Almacén: que pase por la puerta 2",
        "[14:00] 経理部: 請求書を確認しました\n[14:05] 人事部: ありがとうございます",
        "[09:30] 영업팀: 견적서 보냈어요\n[09:31] 물류팀: 확인했습니다",
        "[11:00] Magazyn: dostawa jest\n[11:02] Recepcja: dzięki",
    ],
)
def test_a_timed_chat_between_departments_names_no_one(text: str) -> None:
    assert proposed(text) == []


def test_a_guest_in_a_transcript_is_a_role() -> None:
    text = "Moderator: Willkommen zum Podcast.\nGast: Am 9. November 1989 fiel die Mauer.\n"
    assert "Gast" not in proposed(text)


@pytest.mark.parametrize(
    "text",
    [
        "tienda=Mercadona Valencia Ruzafa caja=3 ticket=2210",
        "loja=Pingo Doce Lisboa Saldanha caixa=12",
        '{"dept": "Backend Valencia", "version": "1.12.4"}',
        "store,qty\nZara Centro,4\nMango Sol,2",
        "kho=Bình Dương 2026-12-02T01:30:23Z WARN",
    ],
)
def test_a_value_under_a_key_that_names_a_place_or_shop_is_no_name(text: str) -> None:
    assert proposed(text) == []


def test_a_key_in_prose_or_a_name_key_still_lets_a_name_through() -> None:
    assert proposed("name: Ana Lima, store: Zara") == ["Ana Lima"]
    assert proposed("We called the company: Maria Souza answered.") == ["Maria Souza"]


@pytest.mark.parametrize(
    "text",
    [
        "plant,latin_name,named_after\nFuchsia,Fuchsia magellanica,Leonhart Fuchs",
        "| Algorithm | Inventor |\n|---|---|\n| Quicksort | Tony Hoare |",
        "P = F * P * F.T + Q  # Named after Rudolf Kálmán, used in Apollo navigation",
    ],
)
def test_the_person_a_thing_is_named_after_is_no_private_name(text: str) -> None:
    assert proposed(text) == []


def test_a_word_under_a_things_name_key_is_screened_as_a_thing() -> None:
    from detectors.not_persons import used_as_thing

    text = "Storm name: Eunice\nMax gust: 122 mph"
    start = text.index("Eunice")
    assert used_as_thing(text, start, start + len("Eunice"))
    text = "Guest name: Eunice\nRoom: 12"
    assert not used_as_thing(text, text.index("Eunice"), text.index("Eunice") + 6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The one speaking is a person too ("Leyla:", one speaker's line).
        (
            "Leyla: nee, bin beim Arzt. Sag Jürgen bitte, dass ich ab 14 Uhr online bin",
            ["Leyla", "Jürgen"],
        ),
        ("Et n'oublie pas, dis à Hugo que le judo est à 18h", ["Hugo"]),
        ("ok, pregúntale a Marisol si viene mañana", ["Marisol"]),
    ],
)
def test_tell_and_ask_in_other_languages_cue_a_name(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bonjour Maître Lefebvre,\n\nSuite à notre rendez-vous", ["Lefebvre"]),
        ("Gentile dott. Ferraresi,\n\nle invio l'IBAN", ["Ferraresi"]),
        ("Operatore: Verifico subito, signora Lo Presti. Mi conferma?", ["Lo Presti"]),
        ("Atendente: Seu Edson, pra confirmar, sua data de nascimento?", ["Edson"]),
        ("Seu pedido foi enviado.", []),
    ],
)
def test_more_titles_and_particles(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Partner Wilfredo present. Birth plan: water birth.", ["Wilfredo"]),
        ("Telehealth note. Pt Mekdes reports migraines 3x/week.", ["Mekdes"]),
        ("Grandmother Rayén to bring the inhaler to school.", ["Rayén"]),
        ("We need a partner like Deloitte for this.", []),
    ],
)
def test_kin_and_record_roles_cue_a_name(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "La pizza fu dedicata alla regina Margherita di Savoia nel 1889.",
        "Das Schloss ließ König Ludwig bauen.",
        "कहते हैं कबाब नवाब वाजिद अली शाह के ज़माने से चले आ रहे हैं",
        "Lowongan: Staf Payroll, penempatan Tangerang",
        "Serwis Schindler przyjedzie w czwartek",
    ],
)
def test_royalty_saints_and_teams_are_no_private_names(text: str) -> None:
    assert proposed(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Customer Losa says the app logs her out every few minutes", ["Losa"]),
        ("DOB mismatch for applicant Divya Subramanian (form=1992-06-08)", ["Divya Subramanian"]),
        ("ada nomor bang Togar gak? yg lama udah ganti", ["Togar"]),
        ("Hai Rani,\n\ntolong kirim penawaran", ["Rani"]),
        ("[Agent Ifeoma] Hi, can you confirm the delivery address?", ["Ifeoma"]),
        ("Customer Service will call; the customer portal is down", []),
    ],
)
def test_whom_a_ticket_is_about_and_address_forms(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Interviewer: And why are you leaving?\nMalia: Honestly, closer to family.", ["Malia"]),
        ("Mesa para 5 el sábado a las 14:30 a nombre de Ortiz, teléfono 944 15 62 30.", ["Ortiz"]),
        ("Table pour 4, samedi 20h, au nom de Bonnet, tél 04 91 55 20 17.", ["Bonnet"]),
    ],
)
def test_a_speaker_beside_a_role_and_a_bookings_name(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Write a toast for Iwan's 50th birthday. He's mad about rugby.", ["Iwan"]),
        ("just family, and James's brother Owen as best man.", ["James", "Owen"]),
        ("Parkinson's disease and Avogadro's number", []),
    ],
)
def test_whose_kin_or_birthday_follows_is_a_person(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("학부모님께,\n\n세종초등학교는 12월 23일에 행사를 합니다", []),
        ("민수님께 연락 부탁드립니다", ["민수"]),
        ("Pesanan telah dikirim\n\nHalo Kak,\n\nTerima kasih", []),
        ("Halo Kak Dinda, pesanannya sudah sampai", ["Dinda"]),
        ("Subject: storm season\n\nDear Homeowner,\n\nThe season begins on June 1.", []),
        ("Dear Valued Member,\nThis month at the Pilgrim's Rest", []),
        ("Dear Homeowner,\nI am Ingrid, your new adviser", ["Ingrid"]),
    ],
)
def test_whom_a_business_greets_is_no_name(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Erik: Ja, om jag får skjuts. Kör Oskar?\nAnna: Fråga honom", ["Erik", "Oskar", "Anna"]),
        ("Dear Ms Costa, thanks. Ask Maria about the invoice.", ["Costa", "Maria"]),
        ("Dear Ms Costa, we met in San Francisco and Via Giuseppe Garibaldi.", ["Costa"]),
    ],
)
def test_a_given_name_after_a_sentences_first_word(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("浩浩妈妈：明天有家长会吗？\n佳怡爸爸：收到", ["浩浩", "佳怡"]),
        ("我的妈妈和爸爸都在家。孩子妈妈说好的", []),
    ],
)
def test_a_childs_name_before_a_parents_word(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "けんじ: 結婚式の住所わかる？\nまさと: ホテルだよ\nけんじ: さんきゅ",
            ["けんじ", "まさと"],
        ),
        ("わたし：はーい\nおかあ：ごはんできたよ", []),
    ],
)
def test_friends_chat_names_in_hiragana(text: str, expected: list[str]) -> None:
    assert list(dict.fromkeys(proposed_by(text, "talk"))) == expected


def test_a_family_chats_labels_are_no_names_its_given_names_are() -> None:
    text = "mamma: har Ebba med sig gympapåsen?\npappa: ja, och Vilgot är hos Alvin till fem"
    assert proposed(text) == ["Ebba", "Vilgot", "Alvin"]


def test_the_last_word_of_a_public_figures_name_is_screened_as_a_thing() -> None:
    from detectors.not_persons import used_as_thing

    text = "Tinha exposição da Tarsila do Amaral, fila enorme."
    start = text.index("Amaral")
    assert used_as_thing(text, start, start + len("Amaral"))
    text = "Maria Vega called about her order"
    start = text.index("Vega")
    assert not used_as_thing(text, start, start + len("Vega"))


@pytest.mark.parametrize("text", ["Mamie demande si on vient pour la galette", "Nan says hi"])
def test_family_words_alone_are_no_names(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[LINE] ともみ先輩：明日の送別会", ["ともみ"]),
        ("さやかさんに電話して", ["さやか"]),
        ("みなさん、こんにちは", []),
        ("はなやさんで買った", []),
        ("おつかれさんでした", []),
    ],
)
def test_hiragana_names_before_san_and_senpai(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Пропуск выдан на имя Орловой Веры Павловны.", ["Орловой Веры Павловны"]),
        ("Позвоните Геннадию Аркадьевичу завтра.", ["Геннадию Аркадьевичу"]),
        ("Со вторника к нам выходит Дина Рустамовна.", ["Дина Рустамовна"]),
        ("Заявку подала Олеся Петрівна Коваль.", ["Олеся Петрівна Коваль"]),
        ("Ivan Petrovich called about the invoice.", ["Ivan Petrovich"]),
        ("Основна Мета проекту: зменшити витрати.", []),
    ],
)
def test_a_given_name_with_its_patronymic_in_any_case(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ответственный: К.В. Дорофеев", ["К.В. Дорофеев"]),
        ("Выписку подписала Смирнова Е.А., врач-терапевт.", ["Смирнова Е.А."]),
        ("Present: K. Papadopoulos, L. Antoniou.", ["K. Papadopoulos", "L. Antoniou"]),
        ("Signed: J.R. Okonkwo", ["J.R. Okonkwo"]),
        ("Reviewed by Dr. R. Iyer yesterday.", ["R. Iyer"]),
        # One initial needs a surname a list knows; a place or a common word is none.
        ("Shirts from J. Crew and rings from H. Samuel.", []),
        ("We met in Washington D.C. in May.", []),
        ("See section B. Results for the figures.", []),
    ],
)
def test_a_surname_with_initials(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


def test_a_timed_chats_speakers_are_proposed_known_names_or_not() -> None:
    # The scorer doubts a speaker no list knows (on the development set most are bots and
    # roles); the rule proposes it.
    assert proposed("[21:03] ゆうき: 電話番号わかる？\n[21:04] あや: まだだよ") == [
        "ゆうき",
        "あや",
    ]


def test_a_self_introduction_in_lower_case_is_proposed() -> None:
    # The scorer's belief in it sits at its threshold (few lower-case introductions in the
    # development set); the rule proposes it.
    assert proposed("hey its jose cruz taitano, i need a new card") == ["jose cruz taitano"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[10:02] tuan.le: the one on file is wrong\n[10:03] jen_m: ok", ["tuan.le", "jen_m"]),
        ("wei.zhang: the bill is up\npieter.vdm: can you take it", ["wei.zhang", "pieter.vdm"]),
        ("app.config: true\nlog.level: debug\nserver.port: 8080", []),
    ],
)
def test_chat_speakers_by_login(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kees van de buitendienst, bij ons beter bekend als Keesje, stopt.", ["Keesje"]),
        ("仓库的刘建国，大家都叫他“国子”。", ["刘建国", "国子"]),
        ("Our new lead, known as Bongani to everyone, starts today.", ["Bongani"]),
        ("New York, known as the Big Apple, is busy.", []),
    ],
)
def test_a_nickname_after_the_words_that_give_it(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    "cue",
    [
        "known as", "calls him", "nicknamed", "aka", "a.k.a.", "goes by", "genannt",
        "nennen ihn", "bekannt als", "bekend als", "noemen hem", "surnommé", "apodado",
        "le dicen", "conocido como", "apelidado", "conhecida como", "chamam de",
        "soprannominato", "lo chiamano", "zwany", "nazywana", "mówią na niego",
        "по прозвищу", "все зовут", "lakaplı", "dipanggil", "kallad", "kallas", "gọi là",
        "biệt danh", "الملقب", "يلقب", "उर्फ",
    ],
)  # fmt: skip
def test_every_nickname_cue_is_looked_for(cue: str) -> None:
    # The cheap substring check before the pattern must let each of its cues through.
    assert proposed(f"Our colleague, {cue} Zebulon, retires.") == ["Zebulon"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("同事都叫他“阿强”。", ["阿强"]),
        ("他的外号是“大熊”。", ["大熊"]),
        ("同僚の松本、あだ名は「まっちゃん」です。", ["松本", "まっちゃん"]),
        ("営業の田中、通称「タナケン」。", ["田中", "タナケン"]),
        ("그의 별명은 '곰돌이'예요.", ["곰돌이"]),
    ],
)
def test_nickname_cues_in_chinese_japanese_and_korean(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The same person's name in brackets beside a name found, in another script.
        ("氏名：Emily Carter（エミリー・カーター）\n生年月日：1992年6月30日", "エミリー・カーター"),
        ("성명: Jessica Miller (제시카 밀러)", "제시카 밀러"),
        ("社員情報\n氏名：渡辺 由紀子（ワタナベ ユキコ）", "ワタナベ ユキコ"),
    ],
)
def test_a_name_in_brackets_beside_a_name_found(text: str, expected: str) -> None:
    engine = default_registry().build_engine({"kind": kind} for kind in ("structured",))
    earlier = engine.scan_fast(text, frozenset({"name"}))
    assert expected in [text[f.start : f.end] for f in DETECTOR.detect(text, earlier)]


@pytest.mark.parametrize(
    "text",
    [
        "Ngozi Adeyemi (late) and Tunde Bakare (Sales) joined the call",
        "氏名：홍길동 (예시)",
    ],
)
def test_a_remark_in_brackets_beside_a_name_is_no_name(text: str) -> None:
    engine = default_registry().build_engine({"kind": kind} for kind in ("structured",))
    earlier = engine.scan_fast(text, frozenset({"name"}))
    found = [text[f.start : f.end] for f in DETECTOR.detect(text, earlier)]
    assert not {"late", "Sales", "예시"} & set(found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The one a turn speaks to, first in it before a comma: known or not, or the one who
        # answers; a Slavic vocative without its ending.
        ("Лена: Серёж, ты придёшь к Ане?\nСерёжа: конечно", ["Серёж"]),
        ("[08:31] Sanne: Mo, heb jij de sleutels?\n[08:32] Mo: ja", ["Mo"]),
        ("Handläggare: Okej Hodan, kan du bekräfta?\nKund: ja", ["Hodan"]),
        # A data file's lines and a script's are no conversation; a common word is no one.
        ("recipe: Caesar salad\norigin: Tijuana, Mexico", []),
        ("WATSON: And Moriarty?\nHOLMES: Moriarty, my dear Watson, is always on his way.", []),
        ("Agent: Yes, I can help.\nCaller: Thanks, Monday works", []),
    ],
)
def test_the_one_a_turn_speaks_to(text: str, expected: list[str]) -> None:
    assert proposed_by(text, "addr") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An Arabic kunya: "father of" or "mother of" and a given name, a proclitic before.
        (
            "هدية التقاعد يجمعها أبو سامر؛ سلّموا المبلغ لأبي سامر قبل الخميس",
            ["أبو سامر", "أبي سامر"],
        ),
        ("اتصلت أم خالد صباحاً", ["أم خالد"]),
        # Places, a dessert and a famous singer named so are none.
        ("سافرنا إلى أبو ظبي الأسبوع الماضي", []),
        ("الحلوى اليوم أم علي بالمكسرات، والأغنية لأم كلثوم", []),
    ],
)
def test_an_arabic_kunya(text: str, expected: list[str]) -> None:
    assert proposed_by(text, "kunya") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A Japanese given name in kanji alone before an honorific.
        ("長男の健一さんに電話で状況を報告", ["健一"]),
        ("拓也さん、見積書を送ってもらえますか", ["拓也"]),
        # Family words and roles before one are none.
        ("息子さんと娘さんによろしく。お客様、店長さん", []),
    ],
)
def test_a_japanese_given_name_in_kanji_before_an_honorific(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A name spelled letter by letter, and the word it spells.
        (
            "Medewerker: Kunt u uw achternaam spellen?\nBeller: Wouters. W-O-U-T-E-R-S.",
            ["Wouters", "W-O-U-T-E-R-S"],
        ),
        (
            "Anrufer: Ja, Schulze, also S – C – H – U – L – Z – E, mit E am Ende.",
            ["Schulze", "S – C – H – U – L – Z – E"],
        ),
        # Part of the word spelled ("dois T" is two T's): still its letters.
        (
            "Cliente: Bittencourt. B, I, dois T, E, N, C, O, U, R, T.",
            ["Bittencourt", "T, E, N, C, O, U, R, T"],
        ),
        # Letters that spell no word before them, where the text asks to spell.
        ("お客様：カタカナでワ・タ・ナ・ベです。", ["ワ・タ・ナ・ベ"]),
        # Initials, options, compass points and acronyms spell no name.
        ("Pick A, B, C or D. The N-S-E-W axis; J. R. R. Tolkien; Busan, U.S.A.", []),
        ("Run the test. Test: T-E-S-T", []),
    ],
)
def test_spelled_names(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_irc_style_speakers_are_people_markup_is_not() -> None:
    chat = (
        "<mcgregor_i> who broke the build\n<siobhan> wasn't me this time\n"
        "<deploy-bot> rollback done\n<rhys_e> in my defense it was friday"
    )
    assert proposed_by(chat, "irc") == ["mcgregor_i", "siobhan", "rhys_e"]
    assert proposed_by("<div> hello\n<span> there\n<p> more", "irc") == []
    # One line is no conversation.
    assert proposed_by("<raj_k> anyone know why staging is 502ing", "irc") == []


def test_a_department_in_brackets_is_no_alias() -> None:
    assert names("الاسم: فاطمة (الموارد البشرية)") == ["فاطمة"]


@pytest.mark.parametrize(
    "text",
    [
        "Menu du jour : crêpes Suzette ou pêche Melba, 24,90 €.",
        "Menù: carpaccio, pizza Margherita, tiramisù.",
        "Il medicane Daniel ha colpito la Libia nel 2023.",
    ],
)
def test_dishes_and_storms_named_after_people(text: str) -> None:
    assert names(text) == []


def test_a_labelled_han_name_is_four_characters_at_most() -> None:
    # An order's items after a colon are no name; a spaced label and name still are.
    order = "订单号 DD2025041288：李宁跑鞋一双，王老吉一箱。"
    assert "李宁跑鞋一双" not in proposed_by(order, "east")
    assert "唐悦" in " ".join(names("审批通过：申请人 唐悦，审批人 宋建国"))


def test_a_case_ending_after_an_apostrophe_ends_a_name() -> None:
    text = "Sınavda Orhan Pamuk'un Kara Kitap romanı sorulacak."
    assert "Kara" not in " ".join(proposed(text))


@pytest.mark.parametrize(
    "text",
    [
        "A Natura foi fundada em 1969 por Luiz Seabra, numa pequena loja.",
        "Philips werd op 15 mei 1891 in Eindhoven opgericht door Gerard en Frederik Philips.",
        "Les frères André et Édouard Michelin ont fondé la Manufacture en 1889.",
        "Yandex официально зарегистрирована в 2000 году; основатели — Аркадий Волож и Илья "
        "Сегалович.",
    ],
)
def test_a_companys_founders_in_its_history_are_no_private_people(text: str) -> None:
    assert names(text) == []


def test_a_private_founding_keeps_its_people() -> None:
    # The writer's own family's shop, and an employee's record beside a founding day.
    assert names("Our bakery was founded in 1998 by my mother, Rosa Almeida.") == ["Rosa Almeida"]
    assert "菊地 亮太" in names("社員 菊地 亮太、生年月日 1992年7月8日、創立記念日 6月18日。")
    # A contact in the founding sentence's other clause, or far from its words: the rules
    # propose them (whether the scorer keeps a pair is its judgement, not this rule's).
    text = "Företaget grundades 1998 i Umeå; kontaktperson för avtalet är numera Lars Berglund."
    assert proposed(text) == ["Lars Berglund"]


def test_a_korean_family_name_alone_before_a_job_title() -> None:
    text = "[오전 9:10] 박지은: 김 대리님 오늘 출근하셨어요?\n[오전 9:12] 최 과장: 외근이래요."
    assert {"김", "최"} <= set(proposed_by(text, "east"))
    # "전 팀장" is the former team leader, "모 과장" some manager: no family names.
    assert proposed_by("전 팀장님이 모 과장과 통화했어요.", "east") == []


def test_a_law_named_after_a_person_is_no_person() -> None:
    assert names("김영란법 시행 이후 명절 선물 문화가 많이 바뀌었다.") == []


def test_a_title_before_a_surname_with_its_particles() -> None:
    assert names("Beste meneer de Vries,\n\nWilt u de borg overmaken?") == ["Vries"]
    assert names("Wir danken Herrn Dr. von Weizsäcker für die Zusage.") != []


def test_a_full_stop_after_a_short_name_ends_it() -> None:
    # "Lima." ends a sentence; "Dr." and an initial do not.
    assert proposed_by("Seen by Dr. Ana Lima. Room 4 is free.", "run") == ["Ana Lima"]
    assert proposed("Report by J. R. Okafor today.") == ["J. R. Okafor"]


def test_a_very_common_word_of_a_name_found_is_the_person_again_mid_sentence() -> None:
    engine = default_registry().build_engine([{"kind": "name_lexicon"}])
    text = "Farewell note: Mark Okafor retires on Friday. Cards for Mark are at reception."
    found = [text[f.start : f.end] for f in engine.scan(text, frozenset({"name"}))]
    assert found == ["Mark Okafor", "Mark"]
    # At a sentence's start, the word is the word.
    text = "Farewell note: Mark Okafor retires on Friday. Mark the date in your calendar."
    found = [text[f.start : f.end] for f in engine.scan(text, frozenset({"name"}))]
    assert found == ["Mark Okafor"]


def test_capitalised_mentions_and_caption_speakers() -> None:
    assert proposed_by("hey @Sasha can you cover my on-call?", "mention") == ["Sasha"]
    assert proposed_by("ping @Here and @DevOps", "mention") == []
    text = ">> SENTHIL: Quick update from Chennai.\n>> VENKAT: Nice. And the backlog?"
    assert proposed_by(text, "talk") == ["SENTHIL", "VENKAT"]
    # Capitals without a caption's marker are a form's labels.
    assert proposed_by("NAME: Jan Kowalski\nCITY: Warszawa", "talk") == []


def test_arabic_titles_without_the_article_and_the_vocative() -> None:
    assert proposed_by("الموظف: شكراً يا أستاذ أحمد. رقم للتواصل؟", "run") == ["أحمد"]
    assert names("يا نور ابعتيلي الملف لو سمحتي") == ["نور"]
    # The vocative before a word for a group ("folks") names no one.
    assert names("يا جماعة الاجتماع بعد العصر إن شاء الله") == []


def test_vietnamese_names_by_their_middle_name_and_kinship_titles() -> None:
    assert proposed_by("[Nhóm kho] Nông Thị Dung: hàng về chưa?", "viet") == ["Nông Thị Dung"]
    assert proposed_by("Kính gửi thầy Lò Văn Chiến,", "viet") == ["Lò Văn Chiến"]
    assert proposed_by("Su: bác Ba ơi, anh Khoa có nhà không ạ?", "run") == ["Ba", "Khoa"]


def test_an_arabic_proclitic_joined_by_a_stroke() -> None:
    text = "[٩:١٥ ص] نورة: هل اتصلت بـفاطمة؟\n[٩:١٧ ص] سلطان: لا"
    assert proposed_by(text, "lone") == ["فاطمة"]


def test_a_turkish_case_ending_after_the_apostrophe_is_no_part_of_the_name() -> None:
    text = "[09:30] Ayşe: Zeynep'e dosyayı gönderdin mi?\n[09:31] Can: evet"
    assert "Zeynep" in names(text)
    # English contractions keep their words.
    assert proposed("Don't ask me.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Paketet ska till min mormor Ingrid, Vasagatan 7B.", ["Ingrid"]),
        ("Manda a encomenda para casa da minha tia Lurdes.", ["Lurdes"]),
        ("Het pakje mag naar mijn nonkel Jef.", ["Jef"]),
        ("Сын Виктор просил перезвонить.", ["Виктор"]),
    ],
)
def test_a_relative_or_colleague_word_before_a_name(text: str, expected: list[str]) -> None:
    assert proposed(text) == expected


def test_a_known_name_after_a_sentence_ending_in_a_capitalised_word_is_judged() -> None:
    # "October." ends a sentence: "Derek" starts the next, no run with it; the scorer
    # judges it as it does any known name. After an abbreviation it is a run's word.
    def wider(text: str) -> list[str]:
        candidates, _ = DETECTOR.described(text, screened=False)
        return [text[f.start : f.end] for _, f, by_rule in candidates if not by_rule]

    assert wider("Three absences in October. Derek explained that he was ill.") == ["Derek"]
    assert "Derek" not in wider("Seen by Dr. Derek Okafor at noon.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the customer Park Seo-yeon says she was double-charged", ["Park Seo-yeon"]),
        ("/* @author Kim Seo-jun */", ["Kim Seo-jun"]),
        ("TODO(Wang Lei): remove this", ["Wang Lei"]),
        ("We met Zhang Xiaoming in Beijing.", ["Zhang Xiaoming"]),
        # Places, ideas and bands of the same syllables.
        ("Flights to Hong Kong and a feng shui consultant: Feng Shui Today.", []),
        ("Park Avenue and Park Lane", []),
    ],
)
def test_romanised_chinese_and_korean_names(text: str, expected: list[str]) -> None:
    assert proposed_by(text, "roman") == expected


def test_a_name_that_is_a_frequent_word_somewhere_is_judged_in_lower_case() -> None:
    # "kemal" is frequent in Turkish text because it is a name: the scorer judges it.
    text = "morning kemal, did the PO get approved?"
    candidates, _ = DETECTOR.described(text, screened=False)
    assert [(source, text[f.start : f.end]) for source, f, _ in candidates] == [("wloww", "kemal")]


def test_a_job_before_a_name_and_a_mornings_greeting() -> None:
    text = "Pangnirtung clinic. Nurse Hannah present on site."
    assert proposed_by(text, "run") == ["Hannah"]
    assert proposed_by("[00:00:19] Ben Ashworth: Morning Kostas.", "run") == ["Kostas"]


def test_roles_speak_in_retros_and_time_zones_are_no_airline_names() -> None:
    retro = (
        "[14:01] Dev: The Kafka upgrade landed.\n[14:02] QA: And the flaky suite?\n"
        "[14:03] Lead: What did not go well?"
    )
    assert proposed_by(retro, "talk", "speaker") == []
    assert proposed_by("Lima,Peru,10883000,America/Lima", "run") == []


def test_a_chat_exports_time_after_the_speaker() -> None:
    text = "Steffi 14:02: hast du Basti schon erreicht?\nJonas 14:05: nein, noch nicht"
    assert proposed_by(text, "talk") == ["Steffi", "Jonas"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("The file is at Hämeenkatu 14 B 22, 33100 Tampere.\n\nBr, Minna", "Minna"),
        ("Flat 2, 19 Cathedral Road, Cardiff CF11 9HA? Ta, Gaz", "Gaz"),
        ("Please use the link I sent.\n\nNgā mihi,\nRebecca", "Rebecca"),
        ("kiitos viestistä.\nTerveisin Markku", "Markku"),
    ],
)
def test_a_given_name_after_a_short_closing(text: str, name: str) -> None:
    assert name in proposed(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("لو مش موجود كلّم مراتي هبة أو ابني يوسف.", "يوسف"),
        ("تم إبلاغ ابنها خالد هاتفيًا وسيزورها غدًا", "خالد"),
        ("नानी कमला पूछ रही थीं", "कमला"),
    ],
)
def test_a_given_name_in_a_script_without_case_after_a_relative(text: str, name: str) -> None:
    assert name in proposed(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("पिंकी: गुड्डू कहाँ है? मम्मी बुला रही हैं\nमुन्ना: छत पे पतंग उड़ा रहा है", "गुड्डू"),
        ("Сашенька, не забудь позвонить бабушке!", "Сашенька"),
    ],
)
def test_pet_names_and_diminutives(text: str, name: str) -> None:
    assert name in names(text)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hodans fadder blir Johan på måndag", "Hodans"),
        ("Idas födelsedag är 18 oktober va?", "Idas"),
        ("Kirstine har du set Oskars jakke? den blå fra Name It", "Oskars"),
    ],
)
def test_a_given_name_in_the_scandinavian_genitive(text: str, name: str) -> None:
    assert name in proposed_by(text, "gen")


@pytest.mark.parametrize(
    "text",
    [
        "Annars ring min sambo Frida.",  # "otherwise", a frequent word
        "Remiss klar. Dottern Maria nås på telefon.",  # a referral: "remis" is a rare name
        "Hans bil är röd.",  # "his": "han" is a word
        "Idas Festival",  # no word in lower case after it
    ],
)
def test_no_genitive_name_in_a_frequent_word(text: str) -> None:
    assert proposed_by(text, "gen") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nizhoni: can someone grab the keys from the front desk?", ["Nizhoni"]),
        # A famous character's or a thing's line is a quote, not a colleague's message.
        ("Gandalf: You shall not pass!", []),
        ("Alexa: playing your morning playlist", []),
    ],
)
def test_one_speakers_lines_under_a_given_name(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A kin word after a possessive (or opening a list item) names the people after it,
        # names or not, ordinary words or not; the ones coordinated with them too.
        (
            "She is survived by her husband Kalani, her sons Mikaere and Tevita, and six "
            "grandchildren.",
            ["Kalani", "Mikaere", "Tevita"],
        ),
        (
            "The boat carried Ioane Teraoi and his nephew Bwebwe back to Abaiang.",
            ["Bwebwe"],
        ),
        ("Ioane's wife, Nei Tekarau, waited at the wharf.", ["Ioane", "Nei Tekarau"]),
        ("Mis primas Yusleidys y Yoandri guardan su guitarra.", ["Yusleidys", "Yoandri"]),
        ("Present at the visit: daughter Faith, son Will.", ["Faith", "Will"]),
        (
            "Beloved wife of the late Dunstan, mother of Savio, Lourdes and Neville.",
            ["Dunstan", "Savio", "Lourdes", "Neville"],
        ),
        ("my younger brother Tavita starts school on Monday", ["Tavita"]),
        # No name after the kin word: a thing, a place, an ordinary sentence.
        ("My son The Hobbit fan wants the book.", []),
        ("Her daughter In March moved out.", []),
        ("his sister Apple Inc. hired her", []),
        ("Angehörige: Tochter Katja, Tel. +49 351 4472918", ["Katja"]),
        ("Relationship: father   Phone: +996 555 821 340", []),
        ("help me write a tribute for my uncle Emeka Nwosu's 70th", ["Emeka Nwosu"]),
        # A public figure's kin are public too; one's own are not.
        ("Serena Williams won 23 titles. Her sister Venus won seven.", []),
    ],
)
def test_people_named_beside_their_kin(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # A shop's, a team's or a bot's name, though a person's name is in it.
        "[18:40] Você: meu pedido já saiu?\n[18:40] Loja Aurora (bot): Olá! Seu pedido foi "
        "postado hoje.\n[18:41] Você: valeu",
        "Team Quizteama Aguilera: 1889\nTeam Agatha Quiztie: 1887\nHost: 1889 is right.",
        "Avaliação ★★★★☆ – Restaurante Dona Lucinha, Belo Horizonte. Comida mineira de verdade.",
        "[10:12] Ty: kiedy otwierają muzeum?\n[10:12] Asystent: Od wtorku do niedzieli.\n"
        "[10:13] Ty: a bilety?",
    ],
)
def test_shops_teams_bots_and_you_are_no_ones_names(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A speaker whose name is hyphenated in capitals ("Yu-Ting Chen") is a speaker too.
        (
            "Yu-Ting Chen: Hey! My number for the trip is below\n"
            "Adam: cool, I'll message you. Is the hostel near the station?",
            ["Yu-Ting Chen", "Adam"],
        ),
        # One speaker's own notes, about themselves: a given name that says "my" and "I".
        (
            "Diane: Ok here's everything the bank asked for:\n"
            "Diane: my cell is below, DOB on the form\nDiane: I'm sending the W-2s separately",
            ["Diane", "Diane", "Diane"],
        ),
    ],
)
def test_speakers_hyphenated_or_alone_with_their_own_words(text: str, expected: list[str]) -> None:
    assert proposed_by(text, "talk") == expected


def test_speakers_of_a_chat_exported_in_columns() -> None:
    text = (
        "[LINE] 「佐藤家」のトーク履歴\n2024/03/14(木)\n19:42\t母\tゆうちゃん、夕飯いる？\n"
        "19:45\t佐藤 悠斗\tいらない、残業\n19:46\t母\t美咲ちゃんにも聞いといて\n"
        "19:50\t佐藤 悠斗\tわかった"
    )
    assert proposed_by(text, "talk") == ["佐藤 悠斗", "佐藤 悠斗"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # KakaoTalk's and others' "[speaker] [time] message" export.
        (
            "[동건] [오후 4:44] 세영아 택배 왔는데 주소 맞지?\n[세영] [오후 4:50] 응 맞아 고마워",
            ["동건", "세영"],
        ),
        (
            "[Jocke] 22:01 Vaknar ni? Tessan har fått bebis!!!\n[Lina] 22:02 NEJ VAD SÖTT!",
            ["Jocke", "Lina"],
        ),
        # A speaker's kin word, title or team before the name, an initial or an emoji after.
        (
            "[31/12/2023 23:58] Tia Nice: feliz ano novo família!!!\n"
            "[01/01/2024 00:03] Kayode Santana: feliz ano novo tia!",
            ["Nice", "Kayode Santana"],
        ),
        (
            "[07:55] Emre: Chefen, jag är sen 10 min\n[07:56] Catarina L.: Ok Emre, Viktor öppnar",
            ["Emre", "Catarina L."],
        ),
        (
            "Bruna 🌸: amiga vc tem o zap da Thaís?\nFernanda: tenho, me liga",
            ["Bruna", "Fernanda"],
        ),
        # A log's levels in brackets are no speakers.
        ("[INFO] 10:22 server started\n[WARN] 10:23 disk at 91%", []),
    ],
)
def test_more_chat_exports_and_speakers_labelled_with_more_than_a_name(
    text: str, expected: list[str]
) -> None:
    assert proposed_by(text, "talk") == expected


@pytest.mark.parametrize(
    "text",
    [
        "डॉ. भीमराव अंबेडकर मार्ग पर आज भारी जाम है।",
        "श्री अरविंद मार्ग से मेट्रो स्टेशन पास है।",
        "Our office is on Dr. Radhakrishnan Salai, opposite the bank.",
        "Turn left at Sir Mokshagundam Visvesvaraya Road.",
    ],
)
def test_a_road_named_after_a_titled_person_is_no_name(text: str) -> None:
    assert names(text) == []


def test_a_titled_person_named_like_a_street_word_is_still_a_name() -> None:
    # "Lane" and "Street" are surnames as well as street words; "Road" and "Marg" are not.
    assert names("Dr. Sarah Lane will see you at ten.") == ["Sarah Lane"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ferry manifest 14:30\nHAUGEN, ERLEND    M  03/05/1977  car", ["HAUGEN, ERLEND"]),
        ("LAB REQ :: DOYLE, CIARAN :: 04/17/1958 :: HbA1c", ["DOYLE, CIARAN"]),
        (
            "Attendees: Kowalczyk, Agnieszka; Tanaka, Haruto",
            ["Kowalczyk, Agnieszka", "Tanaka, Haruto"],
        ),
        ("patient\tMENDOZA, ROSARIO\tward 4", ["MENDOZA, ROSARIO"]),
    ],
)
def test_a_surname_comma_given_name_in_a_field_is_a_name(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "We drove from Paris, Texas to Lincoln, Nebraska last summer.",
        "Sales rose in Victoria, Queensland and Tasmania.",
        "Offices: Chester, Kent; Bristol, Somerset",
    ],
)
def test_a_place_comma_its_region_is_no_inverted_name(text: str) -> None:
    assert names(text) == []


def test_a_list_of_given_names_is_no_inverted_name() -> None:
    text = "release names follow storms: Andrew, Katrina, Sandy. pick something calmer"
    assert "Andrew, Katrina" not in names(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("楼下王阿姨的女儿婷婷下个月结婚。", ["婷婷"]),
        ("我外公姓沈，外婆叫秀珍。", ["秀珍"]),
        ("不在の時は妻のあゆみが受け取ります。", ["あゆみ"]),
        ("夏休みは祖母のキヨの家で過ごした。", ["キヨ"]),
    ],
)
def test_a_given_name_after_a_kin_word_in_chinese_or_japanese(
    text: str, expected: list[str]
) -> None:
    assert [n for n in names(text) if n in expected] == expected


@pytest.mark.parametrize(
    "text",
    ["我儿子大学毕业了，女儿今年上高中。", "妻子和我都很忙。", "祖母の家に行った。"],
)
def test_a_kin_word_before_an_ordinary_word_names_no_one(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("お電話ありがとうございます、予約窓口の中村でございます。", ["中村"]),
        ("もしもし、近藤と申しますが、注文の件で", ["近藤"]),
        ("経理部の山本です。請求書の件でご連絡しました。", ["山本"]),
        ("あの、高橋 和子と申します。", ["高橋 和子"]),
    ],
)
def test_ones_own_name_said_in_japanese_is_a_name(text: str, expected: list[str]) -> None:
    assert names(text) == expected


@pytest.mark.parametrize(
    "text", ["人事部の方針です。", "営業部の目標です。", "センターの案内です。"]
)
def test_a_departments_thing_said_with_desu_is_no_name(text: str) -> None:
    assert names(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A name in Latin letters before a Japanese or Korean honorific, and no further.
        ("Anna Schmidt さんから連絡がありました。", ["Anna Schmidt"]),
        ("Müller 様、いつもお世話になっております。", ["Müller"]),
        ("Nadia 씨가 다음 주 통역을 맡습니다.", ["Nadia"]),
        # A child's name right before a parent's word, after a verb ("请").
        ("胡老师：明天家长会，请乐乐妈妈准时到。", ["胡", "乐乐"]),
    ],
)
def test_names_beside_east_asian_honorifics_and_parents_words(
    text: str, expected: list[str]
) -> None:
    assert names(text) == expected


def test_a_firm_before_an_honorific_is_no_name() -> None:
    assert names("Apple さんの新製品について") == []
