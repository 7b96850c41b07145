"""Field names that say what their value is: ``birth_date``, ``Geburtsdatum``, ``生年月日``.

A key, column header or form label is normalised (``key_words``: lower case, accents kept,
``snake_case``, ``camelCase``, dots and dashes split into words) and its last one to four words
are looked up in ``FIELD_CLASSES``: the longest that is known decides. A phrase mapped to
``None`` names something that is not personal ("ip address" is not a postal address, "file
name" not a person's name), so it shadows the shorter phrase inside it.

``AMBIGUOUS_NAME_KEYS`` are keys that name a person only sometimes (``name`` of a product,
``user`` as an id): their values must look like a person's name before they are taken.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_PHRASES: dict[str | None, str] = {
    "date_of_birth": """
        dob | d o b | birth | birthdate | birth date | date of birth | birthday | born | bday
        | b day | date birth | birth dt | dt birth | dt of birth | dob date | birth day
        | fecha de nacimiento | fecha nacimiento | f nac | fec nac | fecha nac | nacimiento
        | nacido | nacida | nacido el | nacida el | fnac | f nac | fec nacim
        | data de nascimento | data nasc
        | data nascimento | dt nascimento | nascimento | nasc | d t
        | nascido em | nascida em | data di nascita | data nascita | nato il | nata il | nascita
        | date de naissance | date naissance | né le | née le | ne le | nee le | né e le
        | date naiss | naissance | geburtsdatum
        | geburtstag | geboren | geboren am | geb | geb datum | geboortedatum | geboren op
        | data urodzenia | urodzony | urodzona | data ur | ur | doğum tarihi | dogum tarihi | doğum
        | dogum | tanggal lahir | tgl lahir | tgl lhr | lahir | hari lahir | tempat tgl lahir
        | födelsedatum | född | fødselsdato | fodd | fodelsedatum | fodselsdato | szul | szül
        | szul dat | szül dat | szuletesi datum | szuletett | narozeni | rodjen | sinh nhat
        | sinh nhật | janm | janam | जन्म | janm tithi | janm tarikh | jnm tithi | dob dt
        | birth dt | bdate | dtnasc
        | data nasc | fecnac | f nacimiento
        | født | fødselsdag | föddes | fødd | fødselsdato | fodelsedag | födelsedag | bursdag
        | syntymäaika | syntymäpäivä | syntynyt | születési dátum
        | születési idő | született | születési | data nașterii | data nasterii | născut | nascut
        | datum narození | datum narozeni | narozen | narozena | dátum narodenia
        | дата рождения | дата народження | д р | ημερομηνία γέννησης | ngày sinh | sinh ngày
        | ngay sinh | 生年月日 | 出生日期 | 出生年月日 | 出生年月 | 生日 | 誕生日 | 생년월일 | 생일
        | जन्म तिथि | जन्मतिथि | जन्म दिनांक | تاريخ الميلاد | تاريخ الولادة | تولد | tarehe ya kuzaliwa
        | kuzaliwa | petsa ng kapanganakan | kaarawan | kapanganakan | tarikh lahir
        | data rozhdeniya | data rozhdenia | data rozhd | den rozhdeniya | tarikh al milad
        | المواليد | مواليد | sinh | рожд | aniversário | dob hijri | dob gregorian
        | birth date hijri | birthdate hijri | date of birth hijri | dob lunar
        | year of birth | birth year | birthyear | yob | geburtsjahr | año de nacimiento
        | ano de nascimento | anno di nascita | année de naissance | rok urodzenia
        | doğum yılı | год рождения | tahun lahir | 出生年份 | 出生年 | 生年 | 출생년도
        | 출생연도 | سنة الميلاد | जन्म वर्ष | födelseår | fødselsår | geboortejaar
        | syntymävuosi | năm sinh | nam sinh
    """,
    "name": """
        name | nom | nombre | full name | fullname | first name | firstname | first | last
        | given | nev
        | given name | given names
        | givenname | forename | forenames | last name | lastname | surname | surnames
        | family name | familyname | middle name | maiden name | birth name | nom de naissance
        | nom de jeune fille | apellido de soltera | nome de solteira | cognome da nubile
        | legal name | person name
        | customer name | client name | patient name | employee name | member name
        | contact name | holder name | account holder | card holder | cardholder | holder
        | cardholder name | name on card | beneficiary | beneficiary name | passenger
        | passenger name | pax | pax name | guest | guest name | patient | employee | applicant
        | candidate | recipient name | sender name | emergency contact | next of kin | spouse
        | mother name | father name | insured | policyholder | policy holder | driver name
        | student name | traveler | traveller | attendee | attendees | passengers | guests
        | participants | members | contacts | signatory | nombre completo
        | nombre y apellidos | nombres | apellido | apellidos | primer apellido | segundo apellido
        | titular | paciente | pasajero | pasajera | empleado | empleada | nome completo | nome
        | sobrenome | apelido | cognome | nominativo | passeggero | dipendente | nom complet
        | prénom | prenom | nom de famille | patronyme | passager | employé | titulaire
        | vorname | nachname | familienname | vollständiger name | geburtsname | fahrgast
        | mitarbeiter | mitarbeiterin | patientin | inhaber | karteninhaber | voornaam
        | achternaam | volledige naam | naam | imię | imie | nazwisko | imię i nazwisko
        | imie i nazwisko | pacjent | pasażer | soyad | soyadı | ad soyad | adı soyadı
        | adı | isim | hasta | yolcu | nama | nama lengkap | nama depan | nama belakang | pasien
        | penumpang | namn | förnamn | efternamn | fullständigt namn | navn | fornavn | etternavn
        | efternavn | nimi | etunimi | sukunimi | név | vezetéknév | keresztnév | teljes név
        | nume | prenume | nume complet | jméno | příjmení | jmeno | prijmeni | meno | priezvisko
        | имя | фамилия | отчество | фио | ф и о | полное имя | пациент | пассажир | ім'я | імя
        | прізвище | по батькові | піб | όνομα | επώνυμο | ονοματεπώνυμο | họ tên | họ và tên
        | tên | ho ten | họ | imya | familiya | otchestvo | upnaam | pura naam | 氏名 | 名前
        | 姓名 | 名字 | 姓 | 名 | お名前 | 患者名 | 乘客
        | 乘客姓名
        | 通称名 | 本名 | 旧姓 | 曾用名 | 中文名 | 中文姓名 | 漢字氏名 | 한글표기 | 한글 표기
        | 한글이름 | 한글 이름 | 한국 이름 | 한자 이름 | 한자이름
        | 이름 | 성명 | 성 | 환자명 | नाम | पूरा नाम | उपनाम | मरीज़ | الاسم | اسم | الاسم الكامل
        | اسم العائلة | الاسم الأول | jina | jina kamili | pangalan | buong pangalan | apelyido
        | name of patient | name of employee | name of applicant | surname name
        | child | parent | guardian | parent guardian | mother | father | wife | husband | son
        | daughter | host | visitor | tenant | landlord | owner | customer | client | contact
        | caller | requester | reporter | assignee | author | approver | signed by | prepared by
        | approved by | reviewed by | referred by | referring physician | physician | doctor
        | nurse | student | pupil | member | subscriber | account name | driver | rider | buyer
        | seller | sender | recipient | consignee | witness | interpreter | cliente | kunde
        | klant | müşteri | pelanggan | kund | contacto | contato | contatto | kontakt
        | patiente | paziente | médico | arzt | ärztin | médecin | medico | dokter | madre
        | padre | mutter | vater | mère | père | mãe | pai | esposa | esposo | ehefrau | ehemann
        | épouse | époux | moglie | marito | marido | inquilino | mieter | locataire | pt | pat
    """,
    "name_ambiguous": """
        | relative | next of kin contact | kin | hijo | hija | filho | filha | figlio | figlia
        | fils | fille | sohn | tochter | zoon | dochter | syn | córka | oğlu | kızı | eşi
        | yakını | anhörig | anhöriga | närstående | pårørende | omainen | ndugu | mzazi
        | сын | дочь | жена | муж | мать | отец | родственник | родственница | контактное лицо
        | син | донька | дружина | чоловік | 家属 | 儿子 | 女儿 | 丈夫 | 妻子 | 紧急联系人 | 家族
        | 続柄 | 緊急連絡先 | 보호자 | 아들 | 딸 | 남편 | 아내 | बेटा | बेटी | पति | पत्नी | परिजन
        | ابن | ابنة | ابنته | ابنه | زوج | زوجة | ولي الأمر | con trai | con gái | vợ | chồng
        | người nhà | người thân | anak | istri | suami | wali | keluarga pasien | angehörige
        | angehöriger | naaste | parente | familiar | responsável | responsable | tuteur
        | tutor | opiekun | vasi | kortinnehavare | titular da conta | titular de la tarjeta
        | titulaire de la carte | intestatario | kaarthouder | posiadacz karty | kart sahibi
        | reviewer | reviewers | interviewer | interviewee | organizer | organiser | coordinator
        | supervisor | instructor | teacher | coach | mentor | mentee | presenter | colleague
        | technician | courier | return to | deliver to | substitute | stand-in | standin
        | cover | vervanging
        | vertretung | vertreter | vertreterin | remplaçant | remplaçante | sostituto
        | sostituta | sustituto | sustituta | substituto | substituta | zastępstwo
        | complainant | respondent | representative | companion | 代表者 | 同行者 | 同伴者 | 同行人
        | 대표자 | 동행자 | noodcontact | contact bij nood | contactpersoon bij nood
        | держатель карты | 持卡人 | 카드 소유자 | pemegang kartu | chủ thẻ | フリガナ | ふりがな
        | カナ | 성함 | from | to | cc | bcc | till | från | fra | til | von | aan | kimden
        | kime | dari | kepada | от | кому | 发件人 | 收件人 | 抄送 | 差出人 | 宛先 | 보낸 사람
        | 받는 사람 | من | إلى | מאת | אל | người gửi | người nhận | attn | attention
        | ad | ism | isim soyisim | ad soyadı | ime | prezime | ime i prezime | nome e cognome
        | nombre completo del titular | contact person | ansprechpartner | personne de contact
        | person | staff | assigned | assigned to | speaker | speakers | participant | winner
        | dri | payee | buddy | interviewers | volunteer | teammate | rep | sales rep
        | who | wer | qui | quién | quem | chi | kto | vem | кто | siapa | 誰 | 누가 | कौन
        | resident | hosted by | chair | facilitator | note taker | scribe | requested by
        | submitted by | owners | assignees | approvers | authors | drivers | hosts
        | persona de contacto | persona di contatto | contactpersoon | osoba kontaktowa
        | karyawan | pegawai | pracownik | pracownica | сотрудник | сотрудница | работник
        | nhân viên | कर्मचारी | 직원 | 従業員 | 社員 | 员工 | 职员 | موظف | الموظف | الموظفة
        | funcionário | funcionária | colaborador | colaboradora | medewerkster | anställd
        | ansatt | työntekijä | çalışan | personel | zaměstnanec | alkalmazott | angajat
        | user | 利用者 | 사용자 | người dùng | 用户 | 使用者 | пользователь | usuario | usuário
        | utente | utilisateur | benutzer | gebruiker | użytkownik | kullanıcı | pengguna
        | användare | 入住人 | 入住者 | 宿泊者 | 투숙객 | khách | tamu | misafir | gość | гость
        | huésped | hóspede | 监护人 | 保護者 | опекун | الوصي | अभिभावक | người giám hộ
        | username | user name | login | ユーザー | ユーザー名 | utilizador | المستخدم
        | اسم المستخدم | 用户名 | 사용자명 | имя пользователя | benutzername | nom d'utilisateur
        | nombre de usuario | nome utente | gebruikersnaam | nazwa użytkownika
        | kullanıcı adı | nama pengguna | användarnamn | tên đăng nhập
        | 担当者 | 対象者 | 作成者 | 申請者 | 담당자 | 대상자 | 평가자 | 작성자 | 신청자
        | 负责人 | 申请人 | 联系人 | 经办人
        | manager | kierownik | kierowniczka | руководитель | начальник | quản lý | मैनेजर
        | प्रबंधक | 팀장 | 과장 | 부장 | 上司 | 担当者 | 负责人 | 主管 | atasan | gestor | gestora
        | responsabile | leidinggevende | yönetici | vedoucí | esimies | مدير | المدير
        | المسؤول | المسؤولة | مشرف | chef d'équipe | vorgesetzter | vorgesetzte
        | family | nickname | nick name | apodo | surnom | spitzname | bijnaam | ksywa
        | takma ad | lakap | nama panggilan | panggilan | smeknamn | kallenavn | прозвище
        | biệt danh | 昵称 | 外号 | 小名 | あだ名 | ニックネーム | 별명 | 닉네임
        | لقب | اللقب | marga
        | watcher | watchers | oncall | on call | oncall primary | oncall secondary
        | primary oncall | secondary oncall | agent | operator | midwife | carer | caregiver
        | therapist | dentist | surgeon | hebamme | sage femme | matrona | ostetrica
        | verloskundige | położna | ebe | bidan | barnmorska | акушерка | referente
        | noodcontact | nødkontakt | nödkontakt | notfallkontakt | contacto de emergencia
        | contato de emergência | contatto di emergenza | contact d'urgence | acil durum kişisi
        | kontak darurat | экстренный контакт | liên hệ khẩn cấp | 비상 연락처 | 비상연락처
        | आपातकालीन संपर्क | جهة اتصال الطوارئ | 候选人 | 応募者 | 候補者 | 지원자 | candidato
        | candidata | candidat | kandidat | kandydat | kandydatka | aday | кандидат
        | ứng viên | उम्मीदवार | المرشح | المرشحة | 面试官 | 面接官 | 면접관 | entrevistador
        | entrevistadora | intervistatore | intervistatrice | rekruter | mülakatçı | pewawancara
        | интервьюер | người phỏng vấn | المقابل | المقابِل | 예약자 | 预订人 | 订房人
        | 予約者 | booker | booked by | reserved by | reservado por | réservé par | gebucht von
        | prenotato da | geboekt door | pemesan | bokad av | người đặt | lead | lead passenger
        | lead guest | lead traveller | lead traveler | lead name | main guest | primary guest
        | 영문명 | 영문 이름 | 영문이름 | 英文名 | 英文姓名 | 拼音 | 拼音姓名
        | 読み仮名 | よみがな
        | ローマ字 | ローマ字氏名
        | kana | name kana | furigana | ho | ten | khata dharak | khatadhar | account holder name
    """,
    # The last line: a postal code with its place ("PLZ/Ort: 79098 Freiburg"); a postal code
    # alone is a district's, no one's address.
    "address": """
        address | addr | street | street address | street addr | address line | address1
        | address 1 | address2 | address 2 | home address | postal address | mailing address
        | billing address | shipping address | delivery address | residential address
        | residence | permanent address | current address | address of residence | domicile
        | dirección | direccion | domicilio | calle | dirección postal | endereço | endereco
        | morada | logradouro | indirizzo | residenza | domicilio fiscale | adresse | anschrift
        | wohnadresse | wohnort | straße | strasse | adres | adres zamieszkania | ulica | ikamet
        | ikametgah | alamat | alamat rumah | adress | gatuadress | bostadsadress | osoite
        | lakcím | cím | adresă | adresa | bydliště | адрес | адрес проживания | адреса
        | διεύθυνση | địa chỉ | dia chi | 住所 | 地址 | 住址 | 联系地址 | 주소 | पता | العنوان
        | عنوان | anwani | tirahan
        | plz ort | plz und ort | plz wohnort | plz stadt | postcode woonplaats
        | postcode plaats | postcode en woonplaats | code postal ville | cp ville | cap città
        | cap citta | kod pocztowy miejscowość | postnummer ort | postnummer og sted
        | postinumero ja toimipaikka | bairro cidade
    """,
    "phone": """
        phone | phone number | phone no | telephone | tel | tel no | telephone number | mobile
        | mobile number | mobile no | cell | cell phone | cellphone | fax | contact number
        | contact phone | home phone | work phone | msisdn | whatsapp | teléfono | telefono
        | tel móvil | móvil | movil | celular | telefone | telemóvel | telemovel | téléphone
        | telephone portable | portable | numéro de téléphone | telefon | telefonnummer | handy
        | mobilnummer | mobil | mobiel | telefoonnummer | numer telefonu | nr telefonu | komórka
        | telefon numarası | cep telefonu | cep | telepon | nomor telepon | no telepon | no hp
        | nomor hp | ponsel | hp | mobiltelefon | puhelin | puhelinnumero | telefonszám
        | număr de telefon | telefonní číslo | телефон | тел | моб | мобильный | номер телефона
        | τηλέφωνο | điện thoại | số điện thoại | sđt | sdt | 電話 | 電話番号 | 携帯 | 携帯電話
        | 电话 | 电话号码 | 手机 | 手机号 | 联系电话 | 전화 | 전화번호 | 휴대폰 | 연락처 | फ़ोन
        | फोन | मोबाइल | هاتف | الهاتف | جوال | رقم الهاتف | simu | namba ya simu | telepono
    """,
    "email": """
        email | e mail | email address | e mail address | mail | correo | correo electrónico
        | courriel | posta elettronica | e posta | surel | epost | sähköposti | почта
        | электронная почта | 邮箱 | 电子邮件 | メール | メールアドレス | 이메일 | البريد الإلكتروني
    """,
    "credit_card": """
        card | card number | card no | card num | cardnumber | card nr | cc | ccn | cc number
        | cc no | credit card | credit card number | debit card | pan | primary account number
        | payment card | kartennummer | kreditkarte | kreditkartennummer | numéro de carte
        | carte bancaire | carte | número de tarjeta | tarjeta | nº tarjeta | cartão
        | número do cartão | numero do cartao | carta | numero carta | numero di carta
        | kaartnummer | creditcard | numer karty | karta | kart numarası | kart no | kredi kartı
        | nomor kartu | kartu kredit | kortnummer | kort | kortti | kártyaszám | număr card
        | číslo karty | номер карты | карта | αριθμός κάρτας | số thẻ | カード番号 | 卡号
        | 银行卡号 | 信用卡号 | 카드번호 | कार्ड नंबर | رقم البطاقة | namba ya kadi
    """,
    "ssn": """
        ssn | social security | social security number | social security no | ss | ss no
        | ssn number | soc sec | soc sec no | social sec | social sec no | ssn tin | us ssn
    """,
    "iban": """
        iban | iban number | account iban | bank iban | iban no | iban nr
    """,
    "ip_address": """
        ip | ip address | ip addr | ipaddr | ipv4 | ipv6 | client ip | remote ip | remote addr
        | remote address | source ip | src ip | dest ip | dst ip | peer ip | x forwarded for
        | user ip | host ip | ipv4 address | ipv6 address | ip v4 | ip v6 | server ip
    """,
    # Phrases that end like a class's phrase but name something else: they shadow it.
    None: """
        file name | filename | host name | hostname | domain name
        | user agent | useragent | http user agent | agent string | agent version | agent id
        | display | company name | company | org name | organization name | organisation name
        | product name | project name | app name | service name | model name | tool name
        | function name | table name | column name | field name | key name | bucket name
        | brand name | street name | city name | country name | event name | team name
        | group name | role name | branch name | bank name | store name | shop name | hotel name
        | venue name | device name | server name | db name | database name | queue name
        | topic name | class name | type name | mac address | mac addr | web address
        | email address type | wallet address | server address | bind address | listen address
        | memory address | base address | contract address | node address | url | uri | link
        | card type | card brand | card expiry | card exp | card last4 | card last 4 | last4
        | card holder id | card id | card token | card status | carte grise | pan size
        | pan id | ip version | dob verified | birth place | place of birth | birthplace
        | country of birth | lugar de nacimiento | lieu de naissance | geburtsort | luogo di nascita
        | local de nascimento | doğum yeri | tempat lahir | место рождения | 出生地 | 出身地
        | phone type | phone verified | phone country | tel type | cell type | mail server
        | mail host | mail type | ss code | ssn last4 | ssn last 4 | name space | namespace
        | first seen | first run | first page | first line | address type | address id
        | address family | address space | address verified | guest count | guest wifi
        | employee count | employee id | patient id | passenger count | passenger id
        | passenger type | pax count | holder id | candidate id | applicant id | name id
        | 会社名 | 社名 | 製品名 | 商品名 | 店名 | ファイル名 | ユーザー名 | 公司名称 | 公司名
        | 产品名称 | 文件名 | 用户名 | 회사명 | 파일명 | 사용자명
    """,
}


def _phrases() -> dict[str, str | None]:
    table: dict[str, str | None] = {}
    for pii_class, text in _PHRASES.items():
        for phrase in text.split("|"):
            words = " ".join(key_words(phrase))
            if words:
                table[words] = "name" if pii_class == "name_ambiguous" else pii_class
    return table


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SPLIT = re.compile(r"[\s_\-./:#()\[\]*'\"`+&]+")


def key_words(key: str) -> list[str]:
    """``"Patient.birthDate"`` -> ``["patient", "birth", "date"]``."""
    key = unicodedata.normalize("NFC", _CAMEL.sub(" ", key.strip()))
    return [word for word in _SPLIT.split(key.lower()) if word]


FIELD_CLASSES: dict[str, str | None] = _phrases()
LONGEST_PHRASE = max(len(phrase.split()) for phrase in FIELD_CLASSES)

# A mail's header keys: the whole key, in a mail ("From: Ana Lima <ana@...>"); a flight's
# "From: London Heathrow" is none.
MAIL_HEADER_KEYS = frozenset(
    "from|to|cc|bcc|till|från|fra|til|von|aan|kimden|kime|dari|kepada|от|кому|发件人|收件人|"
    "抄送|差出人|宛先|보낸 사람|받는 사람|من|إلى|מאת|אל|người gửi|người nhận".split("|")
)


# Keys whose values are people's names only sometimes: the value must look like one.
_AMBIGUOUS_PHRASES = (
    "parent/guardian|emergency contact|next of kin|signed by|prepared by|approved by|"
    "reviewed by|referred by|referring physician|account name|account holder|card holder|"
    "contact name|holder name"
).split("|") + _PHRASES["name_ambiguous"].split("|")
_AMBIGUOUS_WORDS = (
    "name nombre nome nom naam navn namn nimi név nume jméno meno imię isim adı "
    "nama имя tên 名前 名 姓 이름 नाम اسم الاسم jina pangalan first guest patient employee "
    "holder beneficiary applicant candidate attendee attendees traveler traveller passenger "
    "last given nev "
    "passengers pax guests participants members contacts child parent guardian mother father "
    "wife husband son daughter host visitor tenant landlord owner customer client contact "
    "caller requester reporter assignee author approver physician doctor nurse student pupil "
    "member subscriber driver rider buyer seller sender recipient consignee witness "
    "interpreter cliente kunde klant müşteri pelanggan kund contacto contato contatto kontakt "
    "patiente paziente médico arzt ärztin médecin medico dokter madre padre mutter vater mère "
    "père mãe pai esposa esposo ehefrau ehemann épouse époux moglie marito marido inquilino "
    "mieter locataire pt pat"
).split()
AMBIGUOUS_NAME_KEYS = frozenset(
    " ".join(key_words(k)) for k in _AMBIGUOUS_PHRASES if k.strip()
) | frozenset(key_words(k)[0] for k in _AMBIGUOUS_WORDS)

# Scripts written without spaces: a label there ends with the phrase ("患者の生年月日").
_UNSPACED_KEYS = tuple(
    sorted(
        (
            p
            for p in FIELD_CLASSES
            if len(p) > 1
            and " " not in p
            and any(unicodedata.east_asian_width(ch) == "W" for ch in p)
        ),
        key=len,
        reverse=True,
    )
)


@lru_cache(maxsize=8192)
def field_class(key: str) -> tuple[str | None, bool]:
    """The class a key names (None: none), and whether the key is an ambiguous name key.
    Cached: the same keys come back request after request."""
    # A qualifier in brackets after the key says how the value is written: "氏名（カナ）",
    # "성명(한글)", "Name (as in passport)".
    if key.endswith((")", "）")) and (opening := max(key.rfind("("), key.rfind("（"))) > 0:
        key = key[:opening]
    words = key_words(key)
    if not words or len(words) > 12:
        return None, False
    for size in range(min(LONGEST_PHRASE, len(words)), 0, -1):
        phrase = " ".join(words[-size:])
        if phrase in MAIL_HEADER_KEYS and size < len(words):
            continue  # "Purchased from", "Send to": no mail header
        if phrase in FIELD_CLASSES:
            pii_class = FIELD_CLASSES[phrase]
            return pii_class, pii_class == "name" and phrase in AMBIGUOUS_NAME_KEYS
    last = words[-1]
    if not last.isascii():
        for phrase in _UNSPACED_KEYS:
            if last.endswith(phrase):
                return FIELD_CLASSES[phrase], False
    return None, False


# Keys whose values are places, shops, companies and products, never a person: the
# last word of a key ("tienda", "store_branch", "kho") or a column's header.
_THING_KEY_WORDS = """
    store shop branch outlet warehouse depot site location venue hotel restaurant city town
    country region district station airport terminal department dept division company
    vendor supplier brand product model item sku project service app tool device server cluster
    plant ship vessel airline bank school university hospital clinic ward room building campus
    office event mission storm league club stadium route ship hurricane typhoon cyclone
    language framework library package repo repository planet element species breed dish
    recipe book novel film movie song album band award prize character font colour color
    pet dog cat horse animal mascot release codename version team channel game show podcast
    course dataset database queue topic bucket pipeline workflow vehicle car boat plan tier
    drink cocktail beer wine flower tree train asteroid satellite painting artwork statue
    monument landmark attraction museum bridge tower perfume fragrance cheese
    tienda sucursal almacén almacen sede ciudad empresa proveedor marca producto modelo
    departamento estación estacion escuela hospital
    loja filial armazém armazem cidade fornecedor produto departamento escola estação
    magasin boutique succursale entrepôt entrepot ville société societe entreprise fournisseur
    marque produit modèle modele école ecole gare
    filiale laden geschäft geschaeft lager standort stadt firma unternehmen lieferant marke
    produkt modell abteilung schule bahnhof
    negozio magazzino città citta azienda fornitore prodotto reparto scuola stazione
    winkel filiaal magazijn vestiging bedrijf leverancier merk afdeling
    sklep oddział oddzial magazyn miasto dostawca dział dzial szkoła szkola
    mağaza magaza şube sube depo şehir sehir şirket sirket tedarikçi tedarikci ürün urun okul
    toko cabang gudang kota perusahaan pemasok merek produk divisi sekolah
    kho butik företag foretag leverantör leverantor märke marke avdelning skola
    магазин филиал склад город компания поставщик бренд марка товар модель отдел школа
    店舗 支店 倉庫 会社 ブランド 门店 分店 仓库 公司 品牌 产品 部门 매장 지점 창고 회사 브랜드 부서
    sturm sturmtief orkan unwetter tormenta huracán huracan tifón tifon ouragan tempête tempete
    uragano tempesta furacão furacao tempestade orkaan storm huragan kasırga kasirga fırtına
    firtina badai topan bão bao ураган тайфун циклон шторм إعصار عاصفة चक्रवात तूफ़ान chakravat
    toofan 台风 颱風 台風 태풍 medicane
    personaje personagem personagens personnage personaggio figur figuren personage personages
    postać postac postaci karakter karakterler tokoh karaktär karaktärer karaktarer персонаж
    персонажи
    شخصية شخصيات पात्र 登場人物 キャラクター 角色 人物表 캐릭터 등장인물 vật
    holiday festival feast feiertag feiertage fête fete fêtes fetes festivo festivos feriado
    feriados festività festivita feestdag feestdagen święto swieto święta swieta bayram
    bayramlar tatil libur perayaan helg helger högtid hogtid högtider праздник праздники
    عطلة عطلات त्योहार त्यौहार छुट्टी पर्व 节日 节假日 假日 祝日 祝祭日 祭り 기념일
    공휴일 명절 lễ
""".split()
THING_KEY_WORDS = frozenset(_THING_KEY_WORDS)
# Keys only a thing's record has ("sku", "vintage", "runbook"), never a person's: beside a
# bare "name" key they make its value the thing's name. Not "team", "city" or "type":
# people's records have those too.
THING_ATTRIBUTE_KEYS = frozenset(
    """
    sku version release repo repository vintage appellation license licence homepage price
    prices currency build runtime barcode ean isbn upc gtin publisher genre edition replicas
    namespace runbook discovered discoverer orbit magnitude ingredients calories stock qty
    quantity abv alcohol bottled brand model manufacturer varietal grape cuisine flavour
    flavor weight dimensions capacity ticker founded headquarters changelog
    merk marca marque marke modelo modell prijs preço preco precio prix preis prezzo pris
    versão versao versión versione
    """.split()
)
# The person a thing is named after is a topic, not a private person: "named_after",
# "eponym", an "inventor" column.
_TOPIC_PERSON_KEYS = frozenset(
    "eponym eponyms namesake inventor inventors discoverer discoverers honoree".split()
)
_TOPIC_PERSON_PHRASES = frozenset({"named after", "named for", "benannt nach", "named in"})
# "<thing> name": a store's, a ship's, a storm's name.
NAME_WORDS = frozenset(
    """name names nombre nome nom naam navn namn nimi név imię isim nama имя tên
    名前 名称 이름""".split()
)


# Keys whose value lists people ("Present: Ana Lima, K. Osei", "出席者：A、B"): each item of
# the list is a value.
_PEOPLE_LIST_KEYS = """
    present attendees participants members anwesend teilnehmer teilnehmende présents presents
    asistentes presentes participantes presenti partecipanti aanwezig deelnemers obecni
    uczestnicy katılımcılar katılanlar hadir peserta närvarande deltagare tilstede deltakere
    присутствовали участники присутні учасники उपस्थित प्रतिभागी الحضور الحاضرون المشاركون
    出席者 参加者 出席 参会人员 与会人员 参会者 参加人员 参会人 与会者 出席人 참석자 참가자 참석
    tham dự attendance invitees
""".split()
PEOPLE_LIST_KEYS = frozenset(_PEOPLE_LIST_KEYS)


# Keys whose value is a user of a system: a person's name or login, or a service account's.
_USER_KEY_WORDS = """
    user username login utilizador المستخدم 用户名 사용자명 benutzername gebruikersnaam
    användarnamn 利用者 사용자 ユーザー ユーザー名 用户 使用者 пользователь usuario usuário utente
    utilisateur benutzer gebruiker użytkownik kullanıcı pengguna användare github gitlab
    slack handle
""".split()
USER_KEY_WORDS = frozenset(_USER_KEY_WORDS) | {"người dùng", "tên đăng nhập", "user name"}


@lru_cache(maxsize=4096)
def names_a_user(key: str) -> bool:
    """Whether a key's value is a system's user ("Utente", "username", "사용자")."""
    words = key_words(key)
    return bool(words) and (words[-1] in USER_KEY_WORDS or " ".join(words[-2:]) in USER_KEY_WORDS)


# An audit log's account keys ("actor=aalmazrouei target=mhassan"): their value is a
# person's login, or a film's cast, a deployment's target.
ACCOUNT_KEY_WORDS = frozenset({"actor", "target", "impersonator", "grantee"})


@lru_cache(maxsize=4096)
def names_an_account(key: str) -> bool:
    """Whether a key's value is an account, a person's when its login is made of names."""
    words = key_words(key)
    return bool(words) and words[-1] in ACCOUNT_KEY_WORDS


@lru_cache(maxsize=4096)
def lists_people(key: str) -> bool:
    """Whether a key's value is a list of people ("Attendees", "Obecni", "참석자")."""
    words = key_words(key)
    return bool(words) and words[-1] in PEOPLE_LIST_KEYS


_LISTING_WORDS = frozenset(("list", "table", "data", "items", *NAME_WORDS))


def _listed(collection: str) -> list[str]:
    """A collection's words without the ones that only say it lists: "storm_names",
    "storms_2025_list" -> the storms."""
    words = key_words(collection)
    while len(words) > 1 and (words[-1] in _LISTING_WORDS or words[-1].isdigit()):
        words = words[:-1]
    return words


@lru_cache(maxsize=1024)
def names_an_item(key: str) -> bool:
    """Whether a key is a bare "name" ("name", "nombre", "이름"): whose, its collection says."""
    words = key_words(key)
    return len(words) == 1 and words[0] in NAME_WORDS


@lru_cache(maxsize=1024)
def names_things(collection: str) -> bool:
    """Whether a table, list or array named ``collection`` holds things, not people: its
    last word, in the singular, is a thing's ("hurricanes", "programming_languages",
    "store_list")."""
    words = _listed(collection)
    if not words:
        return False
    last = words[-1]
    singulars = {last, last.removesuffix("s"), last.removesuffix("es")}
    if last.endswith("ies"):
        singulars.add(last[:-3] + "y")  # "libraries", "companies"
    return not singulars.isdisjoint(THING_KEY_WORDS)


# Things whose lists are of people as often as not ("team:\n  - Ana Lima"): a list of them
# says nothing about a name found in it by other means than its key.
_GROUP_WORDS = frozenset(
    """team channel project department dept division company office club league school
    university hospital clinic ward campus course event mission site location branch
    plan tier queue topic workflow pipeline""".split()
)


@lru_cache(maxsize=1024)
def lists_named_things(collection: str) -> bool:
    """``names_things``, but no group that people belong to: a list named so holds things
    named like people (characters, storms, holidays, products), never members."""
    if not names_things(collection):
        return False
    last = _listed(collection)[-1]
    return {last, last.removesuffix("s"), last.removesuffix("es")}.isdisjoint(_GROUP_WORDS)


_RESPONSIBLE = frozenset(
    "responsável responsavel responsable responsabile المسؤول المسؤولة verantwortlich "
    "zuständig zustandig odpowiedzialny odpowiedzialna sorumlu bertanggung ansvarig".split()
)
_TEAM_WORDS = frozenset("time equipe équipe equipo squadra zespół ekip tim الفريق فريق".split())


@lru_cache(maxsize=4096)
def dates_a_thing(key: str) -> bool:
    """Whether a birth key is a thing's ("PROJECT_BORN", "pet_dob", "dog_birthday")."""
    words = key_words(key)
    return 2 <= len(words) <= 4 and words[0] in THING_KEY_WORDS


@lru_cache(maxsize=4096)
def names_a_thing(key: str) -> bool:
    """Whether a key or column header names a place, shop, company or product ("store",
    "ship name"), or the person a thing is named after ("named_after")."""
    words = key_words(key)
    if not 0 < len(words) <= 3:
        return False
    last = words[-1]
    if last in THING_KEY_WORDS or last in _TOPIC_PERSON_KEYS:
        return True
    if len(words) >= 2:
        if " ".join(words[-2:]) in _TOPIC_PERSON_PHRASES:
            return True
        # The noun first, then "responsible": "Time responsável", "Equipo responsable",
        # "الفريق المسؤول" (the team, not a person, is responsible).
        if last in _RESPONSIBLE and (words[0] in THING_KEY_WORDS or words[0] in _TEAM_WORDS):
            return True
        return last in NAME_WORDS and words[-2] in THING_KEY_WORDS
    return False
