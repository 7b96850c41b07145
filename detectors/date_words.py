"""The words dates of birth are written with, in some 30 languages: month names, eras, spoken
days, birth words ("born", "Geburtsdatum", "生年月日"), and the words around them.

Data only; ``detectors.birth_date`` builds its grammar and context from it.
"""

from __future__ import annotations

# Per language, the twelve months: names and abbreviations split by spaces, "_" for a space
# inside a name. ``detectors.birth_date`` adds the accentless spellings of Latin and Greek ones.
MONTH_NAMES: dict[str, str] = {
    "en": "january jan|february feb febr|march mar|april apr|may|june jun|july jul|august aug|"
    "september sep sept|october oct|november nov|december dec",
    "de": "januar jänner jan jän|februar feber feb|märz maerz mrz mär|april apr|mai|juni jun|"
    "juli jul|august aug|september sep sept|oktober okt|november nov|dezember dez",
    "fr": "janvier janv|février févr fév|mars|avril avr|mai|juin|juillet juil|août|"
    "septembre sept|octobre oct|novembre nov|décembre déc",
    "es": "enero ene|febrero feb|marzo mar|abril abr|mayo may|junio jun|julio jul|agosto ago|"
    "septiembre setiembre sep sept set|octubre oct|noviembre nov|diciembre dic",
    "pt": "janeiro jan|fevereiro fev|março mar|abril abr|maio mai|junho jun|julho jul|"
    "agosto ago|setembro set|outubro out|novembro nov|dezembro dez",
    "it": "gennaio gen|febbraio feb|marzo mar|aprile apr|maggio mag|giugno giu|luglio lug|"
    "agosto ago|settembre set sett|ottobre ott|novembre nov|dicembre dic",
    "ca": "gener|febrer|març|abril|maig|juny|juliol|agost|setembre|octubre|novembre|desembre",
    "nl": "januari jan|februari feb|maart mrt|april apr|mei|juni jun|juli jul|augustus aug|"
    "september sep sept|oktober okt|november nov|december dec",
    "pl": "styczeń stycznia sty|luty lutego lut|marzec marca|kwiecień kwietnia kwi|maj maja|"
    "czerwiec czerwca cze|lipiec lipca lip|sierpień sierpnia sie|wrzesień września wrz|"
    "październik października paź|listopad listopada lis|grudzień grudnia gru",
    "cs": "leden ledna|únor února|březen března|duben dubna|květen května|červen června|"
    "červenec července|srpen srpna|září|říjen října|listopad listopadu|prosinec prosince",
    "sk": "január januára|február februára|marec|apríl apríla|máj mája|jún júna|júl júla|"
    "augusta|septembra|október októbra|novembra|decembra",
    "hr": "siječanj siječnja|veljača veljače|ožujak ožujka|travanj travnja|svibanj svibnja|"
    "lipanj lipnja|srpanj srpnja|kolovoz kolovoza|rujan rujna|listopad listopada|"
    "studeni studenoga studenog|prosinac prosinca",
    "sr": "januar|februar|mart|april|maj|jun|jul|avgust|septembar|oktobar|novembar|decembar",
    "tr": "ocak oca|şubat şub subat|mart|nisan nis|mayıs mayis|haziran haz|temmuz tem|"
    "ağustos ağu|eylül eyl|ekim eki|kasım kasim kas|aralık aralik ara",
    "id": "januari|februari pebruari|maret|april|mei|juni|juli|agustus agu agt ags|september|"
    "oktober|november nopember|desember des",
    "ms": "januari|februari|mac|april|mei|jun|julai|ogos|september|oktober|november|disember",
    "sv": "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december",
    "da": "januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december",
    "no": "januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember",
    "fi": "tammikuu tammikuuta tammik|helmikuu helmikuuta helmik|maaliskuu maaliskuuta maalisk|"
    "huhtikuu huhtikuuta huhtik|toukokuu toukokuuta toukok|kesäkuu kesäkuuta kesäk|"
    "heinäkuu heinäkuuta heinäk|elokuu elokuuta elok|syyskuu syyskuuta syysk|"
    "lokakuu lokakuuta lokak|marraskuu marraskuuta marrask|joulukuu joulukuuta jouluk",
    "et": "jaanuar|veebruar|märts|aprill|mai|juuni|juuli|august|september|oktoober|november|"
    "detsember",
    "hu": "január jan|február febr|március márc|április ápr|május máj|június jún|július júl|"
    "augusztus aug|szeptember szept|október okt|november nov|december dec",
    "ro": "ianuarie ian|februarie feb|martie mar|aprilie apr|mai|iunie iun|iulie iul|"
    "august aug|septembrie sept|octombrie oct|noiembrie noi|decembrie dec",
    "ru": "январь января янв|февраль февраля фев февр|март марта мар|апрель апреля апр|май мая|"
    "июнь июня июн|июль июля июл|август августа авг|сентябрь сентября сен сент|"
    "октябрь октября окт|ноябрь ноября ноя|декабрь декабря дек",
    "uk": "січень січня січ|лютий лютого лют|березень березня бер|квітень квітня квіт|"
    "травень травня трав|червень червня черв|липень липня лип|серпень серпня серп|"
    "вересень вересня вер|жовтень жовтня жовт|листопад листопада лист|грудень грудня груд",
    "bg": "януари|февруари|март|април|май|юни|юли|август|септември|октомври|ноември|декември",
    "el": "ιανουάριος ιανουαρίου ιαν|φεβρουάριος φεβρουαρίου φεβ|μάρτιος μαρτίου μαρ|"
    "απρίλιος απριλίου απρ|μάιος μαΐου μαΐ|ιούνιος ιουνίου ιουν|ιούλιος ιουλίου ιουλ|"
    "αύγουστος αυγούστου αυγ|σεπτέμβριος σεπτεμβρίου σεπ|οκτώβριος οκτωβρίου οκτ|"
    "νοέμβριος νοεμβρίου νοε|δεκέμβριος δεκεμβρίου δεκ",
    "tl": "enero|pebrero|marso|abril|mayo|hunyo|hulyo|agosto|setyembre|oktubre|nobyembre|disyembre",
    "sw": "januari|februari|machi|aprili|mei|juni|julai|agosti|septemba|oktoba|novemba|desemba",
    "hi": "जनवरी|फ़रवरी फरवरी|मार्च|अप्रैल|मई|जून|जुलाई|अगस्त|सितंबर सितम्बर|अक्टूबर|नवंबर नवम्बर|दिसंबर दिसम्बर",
    "ar": "يناير كانون_الثاني|فبراير شباط|مارس آذار|أبريل ابريل إبريل نيسان|مايو أيار|"
    "يونيو يونيه حزيران|يوليو يوليه تموز|أغسطس اغسطس آب|سبتمبر أيلول|أكتوبر اكتوبر تشرين_الأول|"
    "نوفمبر تشرين_الثاني|ديسمبر كانون_الأول",
    # The Maghreb's months, from French in Tunisia and Algeria, Morocco's own.
    "ar_maghreb": "جانفي|فيفري فبراير|مارس|أفريل افريل أبريل|ماي|جوان يونيو|"
    "جويلية جويليه يوليوز|أوت اوت غشت|سبتمبر شتنبر|أكتوبر اكتوبر|نوفمبر نونبر|ديسمبر دجنبر",
    # The Islamic (lunar Hijri) calendar: "١٤ رجب ١٤١٠هـ" (``HIJRI_MONTHS``: its years differ).
    "ar_hijri": "محرم|صفر|ربيع_الأول ربيع_الاول ربيع_أول|ربيع_الآخر ربيع_الاخر ربيع_الثاني|"
    "جمادى_الأولى جمادى_الاولى جمادى_الأول|جمادى_الآخرة جمادى_الاخرة جمادى_الثانية|رجب|شعبان|"
    "رمضان|شوال|ذو_القعدة ذي_القعدة|ذو_الحجة ذي_الحجة",
    "he": "ינואר בינואר|פברואר בפברואר|מרץ במרץ מרס במרס|אפריל באפריל|מאי במאי|יוני ביוני|"
    "יולי ביולי|אוגוסט באוגוסט|ספטמבר בספטמבר|אוקטובר באוקטובר|נובמבר בנובמבר|דצמבר בדצמבר",
    "th": "มกราคม ม.ค.|กุมภาพันธ์ ก.พ.|มีนาคม มี.ค.|เมษายน เม.ย.|พฤษภาคม พ.ค.|มิถุนายน มิ.ย.|"
    "กรกฎาคม ก.ค.|สิงหาคม ส.ค.|กันยายน ก.ย.|ตุลาคม ต.ค.|พฤศจิกายน พ.ย.|ธันวาคม ธ.ค.",
}

THAI_ERA = 543  # Thai years count from 543 BCE: 2533 BE is 1990
# Japanese eras and the Republic of China's calendar: year 1 of each.
ERAS = {
    "明治": 1868,
    "大正": 1912,
    "昭和": 1926,
    "平成": 1989,
    "令和": 2019,
    "民國": 1912,
    "民国": 1912,
}
ERA_INITIALS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
ROMAN_MONTHS = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9}
ROMAN_MONTHS |= {"X": 10, "XI": 11, "XII": 12}
ROMAN_PATTERN = "XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I"

# English days spoken ("April ninth, 1990", "the 4th" read out in a transcript).
ORDINAL_DAYS = {
    word: day
    for day, word in enumerate(
        (
            "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
            "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth "
            "twentieth"
        ).split(),
        start=1,
    )
}
ORDINAL_DAYS |= {
    f"{tens}{dash}{unit}": base + ORDINAL_DAYS[unit]
    for tens, base in (("twenty", 20), ("thirty", 30))
    for unit in (
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
    )
    for dash in ("-", " ", "")
    if base + ORDINAL_DAYS[unit] <= 31
} | {"thirtieth": 30}

BIRTH_WORDS: tuple[str, ...] = tuple(
    (
        # "I was born" in the first person: Polish, Spanish, Portuguese, Czech, Turkish, Ukrainian,
        # Greek, Swahili, Hungarian, Finnish
        "urodziłam|urodziłem|nací|naci|nasci|narodil|narodila|narodila jsem|doğdum|doğdu|dogdum|"
        "народилась|γεννήθηκα|γεννηθηκα|nilizaliwa|született|születtem|synnyin|"
        # English
        "born|birth|birthday|birthdate|birth date|date of birth|dob|d.o.b.|d.o.b|b.|bday|b-day|"
        "date_of_birth|birth_date|"
        # German, Dutch
        "geboren|geb.|geburtsdatum|geburtstag|geb.-datum|geboortedatum|geboren op|verjaardag|"
        # French, Spanish, Portuguese, Italian, Catalan
        "né|née|nee|né(e)|date de naissance|naissance|nacido|nacida|nacimiento|fecha de nacimiento|"
        "f. nac.|fec. nac.|nac.|cumpleaños|nascido|nascida|nascimento|data de nascimento|nasc.|"
        "aniversário|data di nascita|nascita|nato il|nata il|nato a|nata a|nato/a|compleanno|"
        "data de naixement|nascut|nascuda|nació|nacio|nasceu|nacque|naquit|"
        # Polish, Czech, Slovak, Croatian, Serbian, Slovenian
        "data urodzenia|urodzenia|urodzony|urodzona|urodził|urodziła|ur.|urodziny|datum narození|"
        "narození|narozen|narozena|nar.|dátum narodenia|narodenia|narodený|narodená|datum rođenja|"
        "rođenja|rođen|rođena|datum rojstva|"
        "rojen|rojena|"
        # Turkish, Indonesian, Malay
        "doğum|doğum tarihi|dogum|dogum tarihi|doğumlu|doğ.|tanggal lahir|tgl lahir|tgl. lahir|"
        "lahir|"
        "tarikh lahir|"
        # Swedish, Danish, Norwegian, Finnish, Estonian, Hungarian, Romanian
        "född|födda|födelsedatum|födelsedag|fodd|født|fødselsdato|fødselsdag|fodt|syntynyt|syntymäaika|"
        "syntymäpäivä|synt.|sünniaeg|sündinud|született|születési dátum|születési idő|szül.|"
        "születésnap|data nașterii|data naşterii|data nasterii|născut|născută|nascuta|"
        # Russian, Ukrainian, Bulgarian, Greek
        "дата рождения|рождения|родился|родилась|рожд.|г.р.|дата народження|народження|"
        "народився|народилася|дата на раждане|роден|родена|д.р.|д. р.|ημερομηνία γέννησης|γέννησης|"
        "γεννήθηκε|γενέθλια|ημερομηνια γεννησης|γεννησης|γεννηθηκε|"
        # Vietnamese, Tagalog, Swahili
        "ngày sinh|sinh ngày|năm sinh|sinh nhật|petsa ng kapanganakan|kapanganakan|ipinanganak|"
        "kaarawan|kuzaliwa|tarehe ya kuzaliwa|alizaliwa|"
        # Chinese, Japanese, Korean, Thai, Hindi, Arabic, Hebrew, Persian
        "生年月日|出生日期|出生|生日|誕生日|生まれ|生於|生于|생년월일|생일|출생|태어난|태어났|วันเกิด|เกิด|"
        "जन्म तिथि|जन्मतिथि|जन्म|janm|janam|janmdin|janamdin|"
        "تاريخ الميلاد|الميلاد|ميلادي|ميلادك|ميلاده|ميلادها|تاريخ الولادة|"
        "الازدياد|تاريخ الازدياد|مواليد|ولد|ولدت|תאריך לידה|נולד|"
        "נולדה|تاریخ تولد|تولد|متولد|"
        # Chat: "tu cumple", "niver", "bday"
        "cumple|niver|anniv|ultah|ulang tahun|др|день рождения|"
        # Turning a year older: "fyller år", "fylder år", "har bursdag", "täyttää vuosia"
        "fyller år|fyller|föddes|fylder år|fylder|bursdag|fødselsdag|født den|fødd|"
        "täyttää vuosia|täyttää|syntyi|turned|turns|turning|birthday is|bday is"
    ).split("|")
)
# Longer words holding a birth word that mean something else: "発生日"/"发生日期" (date of
# occurrence) hold "生日", "발생일" holds "생일", "เกิดขึ้น" (happen), "เกิดเหตุ" (incident).
NOT_BIRTH_WORDS = ("発生", "发生", "發生", "발생", "เกิดขึ้น", "เกิดเหตุ")
# Right after a date, "born": "1948年11月2日生）", "95년 8월 15일생이에요", "1990 г.р.".
BORN_AFTER_WORDS = tuple(
    "生）|生)|生。|生、|生，|生,|生\n|生まれ|생이|생입|생으|생,|생.|생)|생 |생\n|г.р.|г. р.".split(
        "|"
    )
)
# Abbreviations of "born" that count only right before the date: "f. 1944-06-06" (Swedish,
# Danish), "s. 12.4.1990" (Finnish), "n. 3/5/1980" (Italian, Romanian), "DDN 02.02.1939"
# and "DN 04/04/1961" (French and Portuguese clinical notes), "нар. 23.02.1958" (Ukrainian),
# "d.t. 14.08.1956" (Turkish); and Vietnamese "sinh 05/06/1949" ("sinh" alone is in "học
# sinh", a pupil, and "vệ sinh", hygiene). Not "SN": a serial number's, in English.
BORN_ABBREVIATIONS = ("f.", "s.", "n.", "sinh", "ddn", "dn", "нар.", "d.t.")
NOT_BORN_ABBREVIATIONS = ("học sinh", "vệ sinh", "hy sinh", "phát sinh", "sản sinh")
# Ages: "(age 34)", "34 y/o", "35 ans", "Alter: 34 Jahre". (Not "let", "lat", "ani", "yo":
# Czech, Polish and Romanian years, but English words too.)
AGE_WORDS = tuple(
    (
        "age|aged|years old|year old|y/o|yrs|alter|jahre|âge|ans|edad|años|idade|anos|età|anni|"
        "leeftijd|jaar|wiek|věk|yaş|yaşında|umur|tahun|ålder|år|alder|ikä|vuotias|éves|vârsta|"
        "возраст|лет|года|вік|років|ηλικία|ετών|tuổi|岁|歳|세|나이|उम्र|वर्ष|عمر|سنة"
    ).split("|")
)

# What is born, or has a birthday, that is no person: a project, a company, a pet ("the
# project was born on ...", "my dog's birthday is ..."), in the lexicon's larger languages.
NOT_PERSON_SUBJECTS = frozenset(
    (
        "project|company|firm|business|startup|brand|label|product|idea|concept|app|kernel|"
        "repo|repository|library|framework|website|site|blog|podcast|channel|game|club|"
        "association|foundation|organisation|organization|institution|service|system|"
        "platform|network|city|town|village|country|nation|republic|movement|party|"
        "restaurant|shop|store|album|song|film|movie|show|series|book|magazine|newspaper|"
        "festival|event|tradition|initiative|campaign|programme|program|school|university|"
        "hospital|church|band|group|team|pet|dog|cat|puppy|kitten|horse|pony|bird|parrot|"
        "hamster|rabbit|turtle|tortoise|goldfish|fish|"
        "projet|entreprise|société|marque|idée|chat|chien|ville|jeu|groupe|"
        "progetto|azienda|società|marchio|gatto|cane|città|gruppo|"
        "proyecto|empresa|compañía|marca|gato|perro|ciudad|grupo|banda|aplicación|movimiento|"
        "revolución|partido|programa|iniciativa|asociación|fundación|colectivo|página|canal|"
        "projeto|ideia|cachorro|cão|cidade|aplicação|aplicativo|movimento|revolução|associação|"
        "fundação|applicazione|rivoluzione|associazione|fondazione|"
        "projekt|firma|unternehmen|marke|idee|katze|hund|stadt|verein|stiftung|"
        "bedrijf|merk|kat|stichting|vereniging|"
        "projektet|företaget|bolaget|katten|hunden|bandet|idén|"
        "проект|компания|фирма|бренд|идея|кот|кошка|собака|группа|город|"
        "проекта|компании|фирмы|бренда|группы|города|"
        "pomysł|kot|pies|miasto|proje|şirket|fikir|kedi|köpek|"
        "proyek|perusahaan|merek|ide|kucing|anjing|mradi|kampuni|"
        "강아지|고양이|반려견|반려묘|회사|프로젝트|브랜드"
    ).split("|")
)
# The same words' stems where a suffix follows ("kedimizin doğum günü", our cat's birthday).
NOT_PERSON_STEMS = ("kedi", "köpe", "proje", "şirket", "marka")
# ... and written without spaces before a birthday word ("うちの猫の誕生日", "狗狗的生日").
NOT_PERSON_UNSPACED = ("猫", "犬", "狗", "宠物", "寵物", "ペット", "会社", "公司", "项目", "項目")
