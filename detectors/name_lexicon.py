"""People's names found without a model: name lists of 105 countries, titles and cues.

spaCy's small English model misses what it was not trained on: names in capitals
(``OKAFOR CHIDI``, ``TANAKA/HIROSHI MR``), names inside German, Turkish or Indonesian text,
and names in scripts without capitals (``김민준``, ``佐藤 太郎``, ``राहुल शर्मा``). This detector
finds them with a lexicon (``detectors/data/name_lexicon.txt.gz``, built by
``tools/build_name_lexicon.py`` from Faker's locales, names-dataset's most frequent names per
country, wordfreq and spaCy's stop words):

- **pairs**: two to four adjacent name-shaped words (capitalised, in capitals, or in a script
  without case) of which at least two are known names, or one is and the other is no common
  word ("Ngozi Adaeze", "NGUYEN/THI MAI"), or none is but each is shaped like a name
  (``detectors.name_shapes``); a name that is also a very common word ("Will", "May") counts
  only beside a rarer one;
- **titles and cues**: a title in one of many languages (``Herr``, ``Sra.``, ``Bapak``,
  ``г-н``, ``Ông``) before capitalised words; a known name after a greeting, a family word or
  a signature ("Hi Giulia", "Dottern Maria", "— Colleen"), as a chat's speaker, or after a
  self-introduction ("I'm", "me llamo", "我叫");
- **lower case**: known names typed in lower case where they begin a chat turn
  ("user: tunde bakare");
- **East Asian names**: a known surname followed by a known given name (``王秀英``,
  ``김민준``), by a space and a given name (``石井 隼人``), or by an honorific (``佐藤さん``,
  ``王先生``, ``김 씨``); katakana and hangul names before an honorific; a name as a label's
  value (``入住人：何雨桐``).

What names a thing rather than a private person is left out (``detectors.not_persons``).
Pure and fast (one tokenisation, dictionary look-ups): a fast detector.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path

import regex

from detectors.address import STREET_WORDS
from detectors.base import Finding
from detectors.context import ContextWords
from detectors.field_keys import FIELD_CLASSES, field_class, key_words
from detectors.name_scorer import (
    LOWER_CASE_SHARE,
    WORD,
    Candidate,
    NameWords,
    default_scorer,
    text_context,
)
from detectors.name_shapes import name_shapes
from detectors.names import (
    CJK_HONORIFICS,
    DEPARTMENT_WORDS,
    GENERIC_ADDRESSEES,
    NAME_PARTICLES,
    ORG_WORDS,
    PLACE_WORDS,
)
from detectors.not_persons import (
    known_not_a_private_person,
    lowered,
    names_the_famous,
    used_as_thing,
)
from detectors.not_persons import load as load_public_figures

LEXICON = Path(__file__).resolve().parent / "data" / "name_lexicon.txt.gz"
PAIR_SCORE = 0.75
TITLE_SCORE = 0.8

_PARTICLES = NAME_PARTICLES
Match = re.Match[str] | regex.Match[str]
_CASELESS_SCRIPTS = r"\p{Arabic}\p{Hebrew}\p{Devanagari}\p{Bengali}\p{Tamil}\p{Thai}"
_CASELESS = regex.compile(rf"[{_CASELESS_SCRIPTS}]")
# A word: apostrophes and hyphens only inside ("O'Neil", "Ji-woo"), never a closing quote.
_WORD = regex.compile(r"[\p{L}\p{M}](?:[\p{L}\p{M}]|['\u2019\-](?=[\p{L}\p{M}]))*")
# One pass over the text's words with the standard library's engine (twice as fast as the
# regex module's here), as ``detectors.name_scorer.WORD`` reads them.
_TOKEN = WORD
# A user name of two name parts: "dmitri.volkov", "anna.s", "@emeka-o"; not inside an address,
# a path or a dotted identifier ("org.apache", "anna.s+tag@x.io", "/home/a.b/"). Not
# snake_case: "nhan_vien", "thanh_pho" are Vietnamese words in code, whose syllables are names.
# A name, "'s", then what only a person has: kin, a birthday, a phone number.
_POSSESSOR = regex.compile(
    r"(?<![\p{L}\p{M}'])(\p{Lu}[\p{Ll}\p{M}\-]+)['\u2019]s (?:\d+(?:st|nd|rd|th) )?"
    r"(?:birthday|bday|brother|sister|mom|mum|dad|mother|father|wife|husband|son|daughter|kids|"
    r"children|baby|cousin|boyfriend|girlfriend|fianc[ée]e?|partner|parents|grandma|grandpa|"
    r"grandmother|grandfather|wedding|funeral|retirement|farewell|phone|mobile|email|"
    r"e-mail|address|desk|laptop|manager|boss|dog|cat)\b"
)
_TECH_PREFIXES = frozenset(
    "dev ops geo math api app web data test prod stage qa sys net db ui ux ml ai bot infra core "
    "auth docs team".split()
)
_HANDLE_HINT = re.compile(r"[a-z][.\-][a-z]")
# A chat's mention ("@mrossi", "@chinedu", "@jiwoo.park"): not an address's domain.
_MENTION = re.compile(
    r"(?<![\w.@])@([A-Za-z][a-z0-9]*(?:[._\-][A-Za-z][a-z0-9]*)?)(?![\w@]|[.\-][a-z0-9])"
)
# A name spelled letter by letter ("W-O-U-T-E-R-S", "S – C – H – U – L – Z – E", "S, J, Ö, B,
# E, R, G", "ワ・タ・ナ・ベ"): three or more capitals (or katakana) alone, each after a dash, a
# comma, a full stop, a middle dot or a space.
_SPELLED = regex.compile(
    r"(?<![\p{L}\p{M}])\p{Lu}(?:(?:[ \t]*[-\u2013\u2014.,][ \t]*|[ \t])\p{Lu}(?![\p{L}\p{M}])){2,}"
    r"|(?<!\p{Katakana})\p{Katakana}(?:・\p{Katakana}(?![\p{Katakana}ー])){2,}"
)
_SPELLED_HINT = re.compile(
    r"[A-ZÀ-ÞĀ-Ž\u30a0-\u30ff][ \t]*[-\u2013\u2014.,・ ][ \t]*[A-ZÀ-ÞĀ-Ž\u30a0-\u30ff]"
)
# Words asking to spell a name, before a run whose word the text does not show.
_SPELL_CUE = re.compile(
    r"(?i)spell|buchstabier|soletr|deletre|épel|epel|spellen|literuj|przeliter|bokstaver|"
    r"stava|kodlar|hecele|dieja|по буквам|スペル|カタカナ|철자|वर्तनी|تهج"
)
# An IRC-style chat's speaker: "<raj_k> anyone know why staging is 502ing".
_MARKUP_TAGS = frozenset(
    """div span p a b i u s br hr li ul ol dl dt dd table thead tbody tr td th img input form
    html head body title script style meta link section header footer nav main article aside
    label button select option textarea pre code em strong small sup sub blockquote iframe
    svg path g template slot details summary figure caption video audio source canvas
    h1 h2 h3 h4 h5 h6 xml root item entry data""".split()
)
_IRC_LINE = re.compile(
    r"^[ \t]*(?:\[[^\]\n]{1,24}\][ \t]*)?<([A-Za-z][\w.\-]{1,24})>[ \t]+\S", re.M
)
# Who a system's user is, in a ticket or a log's prose ("user gvaliev (Гульназ Валиева)",
# "l'utilisateur lbertrand", "사용자 jhkwon(권지훈)", "ypapadopulos kullanıcısı").
# Searched in the lowered text: a case-blind alternation tries every word at every position
# and costs six times as much. "kullan[ıi]c[ıi]": "KULLANICI" lowers to a dotted "i".
_USER_HINT = re.compile(
    r"user|utilisat|usu[aá]rio|utente|gebruiker|benutzer|użytkownik|пользовател|pengguna|"
    r"användare|kullan[ıi]c[ıi]|사용자|ユーザー|المستخدم|người dùng|उपयोगकर्ता|用户|使用者"
)
_USER_LOGIN = regex.compile(
    r"(?:(?<![\p{L}])(?i:user|utilisateur|usuário|usuario|utente|gebruiker|benutzer|"
    r"użytkownik|пользователь|pengguna|användaren|användare|người dùng|उपयोगकर्ता)"
    r"|사용자|ユーザー|المستخدم|用户|使用者)[ \t:]*"
    r"([a-z][a-z0-9]*(?:[._\-][a-z0-9]+)?)(?![\w@]|[.\-][a-z0-9])"
    r"|(?<![\w.@])([a-z][a-z0-9]*(?:[._\-][a-z0-9]+)?)[ \t]+(?i:kullanıcısı)"
)
# After a login, the person's own name in brackets: the login is theirs.
_NAMED_AFTER = regex.compile(
    r"[ \t]*[(（][ \t]*(?:\p{Lu}|[\p{Han}\p{Hangul}\p{Kana}\p{Arabic}\p{Cyrillic}])"
)
# A team's role typed as a chat's speaker ("dev: nope, ..."), though "Dev" may be a person.
_LOWER_ROLES = frozenset("dev devs ops qa pm sre hr it".split())

_HANDLE = re.compile(r"(?<![\w./\\-])([a-z]{3,20})([.\-])([a-z]{1,20})(?![\w@+/\\]|[.\-_][a-z0-9])")


def _wordish(char: str) -> bool:
    return char.isalnum() or char in "_.-"


_SPEAKER_LINE = re.compile(
    r"^[ \t]*(?:\[[^\]\n]{1,20}\][ \t]*)*(\w[\w'\-]{1,30})[ \t]*:[ \t]", re.MULTILINE
)
_GIVEN_AFTER_SPACE = regex.compile(
    r"(?:\p{Han}{1,3}|\p{Katakana}{2,4}|\p{Hiragana}{2,4})(?!\p{Han})"
)
_EAST_ASIAN_CHAR = r"\p{Han}\p{Hangul}\p{Hiragana}\p{Katakana}"
# The standard library's engine tells in a few microseconds that a text has none of these.
EAST_ASIAN_ANY = re.compile("[\u1100-\u11ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_HAN_ONLY = regex.compile(r"\p{Han}+")
_HANGUL_ANY = re.compile("[\uac00-\ud7af]")
_KOREAN_ADDRESSED = regex.compile(
    r"(?<!\p{Hangul})(\p{Hangul}{2,3})(?:아|야|한테|에게|이한테|이에게|이랑|랑)(?:는|도|만)?"
    r"(?!\p{Hangul})"
)
# Korean given names as a subject or topic ("민수가 아파서", "하늘이가 늦는대", "지우는 빠진대"):
# the 이 that joins a particle to a name ending in a consonant ("하늘이가", "지훈이랑") is said
# of people only; a bare particle ("민수가") needs a name that is no common word.
_KOREAN_NAME_PARTICLE = regex.compile(
    r"(?<!\p{Hangul})(\p{Hangul}{2})(?:(이(?:가|는|도|를|네|랑|하고|한테))|가|는|도|를|하고)"
    r"(?!\p{Hangul})"
)
# Korean family names: the hundred or so nearly every Korean bears, one syllable or two.
_KOREAN_SURNAMES = frozenset(
    "김 이 박 최 정 강 조 윤 장 임 한 오 서 신 권 황 안 송 전 홍 유 고 문 양 손 배 백 허 남 심 노 "
    "하 곽 성 차 주 우 구 민 류 나 진 지 엄 채 원 천 방 공 현 함 변 염 여 추 도 소 석 선 설 마 길 "
    "연 위 표 명 기 반 왕 금 옥 육 인 맹 제 모 탁 국 어 은 편 용 예 경 봉 사 부 라 리 태 피 "
    "황보 남궁 제갈 선우 독고 사공 서문".split()
)
# Chinese and Korean names written in Latin letters: a family name most bear, then a given
# name of one or two pinyin syllables ("Li Qiang", "Wang Lei", "Zhang Xiaoming") or two
# Korean syllables joined by a hyphen ("Park Seo-yeon", "Kim Seo-jun"; also before it:
# "Seo-yeon Park"). Their syllables are words elsewhere ("li", "lei", "park"), which split
# the pair the lexicon would find.
_PINYIN_SURNAMES = frozenset(
    "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he gao lin luo zheng "
    "liang xie song tang han feng deng cao peng zeng xiao tian dong yuan pan cai jiang yu du ye "
    "cheng wei su lu ding ren shen yao cui zhong tan fan jin shi liao jia xia fu fang bai zou "
    "meng xiong qin qiu yin xue yan duan lei hou long tao gu mao hao gong shao wan qian dai mo "
    "kong xiang chang qi niu bao".split()
)
_ROMAN_KOREAN_SURNAMES = frozenset(
    "kim lee yi park pak choi choe jung jeong chung kang cho jo yoon yun jang chang lim im han "
    "oh seo suh shin kwon hwang ahn an song yoo yu hong jeon jun ko go moon mun yang son bae "
    "baek paik heo huh nam noh roh ha kwak sung cha ryu na jin ji".split()
)
_PINYIN = regex.compile(
    r"(?:(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iong|iang|uang|iao|ian|ing|ang|eng|ong|uai|uan|ai|ei|ao|ou|an|en|er|ia|ie|iu|in|ua|"
    r"uo|ui|un|ue|a|o|e|i|u|ü)){1,2}"
)
_KOREAN_GIVEN = regex.compile(r"\p{Lu}\p{Ll}{1,4}-\p{Ll}{2,5}")
# Words of other kinds made of the same syllables: places, dishes, ideas, a band.
_NOT_ROMANISED_NAMES = frozenset(
    "hong kong|ding dong|yin yang|feng shui|wu tang|ma jong|kung fu|tai chi|chow mein|lo mein|"
    "han solo|sun microsystems|long island".split("|")
)


def _romanised_east_asian(run: list[Match]) -> tuple[int, int] | None:
    """The span of a romanised Chinese or Korean name in a run of capitalised words."""
    words = [m.group() for m in run]
    if " ".join(words).lower() in _NOT_ROMANISED_NAMES:
        return None
    first, rest = words[0].lower(), words[1:]
    if first in _ROMAN_KOREAN_SURNAMES and len(rest) == 1 and _KOREAN_GIVEN.fullmatch(rest[0]):
        return run[0].start(), run[1].end()
    if (
        len(words) == 2
        and _KOREAN_GIVEN.fullmatch(words[0])
        and words[1].lower() in _ROMAN_KOREAN_SURNAMES
    ):
        return run[0].start(), run[1].end()
    if first in _PINYIN_SURNAMES and all(
        w[0].isupper() and w[1:].islower() and _PINYIN.fullmatch(w.lower()) for w in rest
    ):
        return run[0].start(), run[-1].end()
    return None


# Syllables of given names the lexicon lacks: the initial ㄹ kept in North Korean and Korean
# Chinese spelling ("룡철", "려원"), which the South writes with ㅇ or ㄴ.
_KOREAN_NORTHERN_SYLLABLES = frozenset("룡 렬 련 례 려 로 류 리 림 란 락 령")
# Words after a Korean name that say a person is meant: job titles and forms of address
# ("박룡철 고객님", "김민지 과장", "이지은 대리에게"); a particle may follow.
_KOREAN_TITLED = regex.compile(
    r"(?<![\p{Hangul}\p{L}])(\p{Hangul}{2,4})[ ]?"
    r"(?:고객님|대표님|사장님|회장님|이사님|과장님|과장|부장님|부장|차장님|차장|대리님|대리|"
    r"팀장님|팀장|실장님|실장|주임님|주임|사원|선생님|교수님|원장님|반장님|간호사님|간호사|"
    r"기사님|변호사님|변호사|박사님|선배님|선배|후배|환자분|환자|보호자|어르신|씨|님|군|양)"
    r"(?=[께이가은는을를의도와과에랑한만]|[^\p{Hangul}]|$)"
)
# A family name alone before a job title ("김 대리님", "최 과장"); not the words that read
# alike ("전 팀장": the former one, "현", "각", "모", "총", "부", "본").
_KOREAN_SURNAME_TITLED = regex.compile(
    r"(?<![\p{Hangul}\p{L}])(\p{Hangul})[ ]"
    r"(?:대표님|사장님|회장님|이사님|과장님|과장|부장님|부장|차장님|차장|대리님|대리|팀장님|팀장|"
    r"실장님|실장|주임님|주임|선생님|교수님|원장님|기사님|변호사님|박사님|선배님|씨)"
    r"(?=[께이가은는을를의도와과에랑한만]|[^\p{Hangul}]|$)"
)
_NOT_A_KOREAN_SURNAME = frozenset("전 현 각 모 총 부 본 새 구 동 당 귀 해 양")
# A Korean name given after a word that asks or states whose it is, with the copula or a
# particle ("신청인은 오유진이고", "저는 박룡철입니다", "담당자는 김민지예요").
_KOREAN_STATED = regex.compile(
    r"(?:저는|제 이름은|이름은|성함은|신청인은|신청자는|담당자는|담당은|작성자는|발표자는|"
    r"예약자는|예약자명은|고객은|고객님은|환자는|환자분은|보호자는|수신인은|수신자는|"
    r"받는 사람은|보내는 사람은|대표자는|계약자는|지원자는|피보험자는|성명은)[ ]?"
    r"(\p{Hangul}{2,4}?)"
    r"(?:입니다|이에요|예요|이고|이며|이야|이라고|라고|이었|였|이십니다|님)"
    r"(?!\p{Hangul}{3})"
)
_KOREAN_PARTICLES = frozenset("와 과 의 는 은 가 이 를 을 도 랑")
_KOREAN_COPULA = regex.compile(
    r"(?:입니다|이에요|예요|이고|이며|이야|이라고|라고|이었습니다|였습니다|이요|이랍니다)$"
)
# A Korean given name ending in a consonant takes 이 when spoken of ("지훈이 번호",
# "하은이 생일"): said of people only, before a space or a mark.
_KOREAN_FAMILIAR = regex.compile(r"(?<!\p{Hangul})(\p{Hangul}{2})이(?=[ ,.!?~]|$)")
_HIRAGANA_BEFORE_SUFFIX = regex.compile(
    r"(?<!\p{Hiragana})(\p{Hiragana}{2,4})(?=くん|ちゃん|さん|先輩|せんぱい)"
)
# Kin and common words before ちゃん/くん/さん: "おばあちゃん", "あかちゃん" (a baby),
# "みなさん" (everyone), "おまわりさん" (the police), "おつかれさん"; shops end in や
# ("はなやさん").
# A chat label of two to four hiragana: a given name as friends type it ("けんじ", "ゆい");
# forms label in kanji or katakana ("氏名", "メモ"), and "I" and kin are no names.
_HIRAGANA_LABEL = regex.compile(r"\p{Hiragana}{2,4}")
_HIRAGANA_SELF = frozenset("わたし あたし わたくし ぼく おれ うち じぶん".split())


def _hiragana_given(label: str) -> bool:
    return (
        _HIRAGANA_LABEL.fullmatch(label) is not None
        and label not in _HIRAGANA_SELF
        and label not in _HIRAGANA_KIN
    )


_KANA_PARTICLES = frozenset("のとにはがをもへや")  # Japanese particles of one hiragana
_HIRAGANA_KIN = frozenset(
    "おばあ おじい おかあ おとう おねえ おにい おば おじ ばあ じい ねえ にい かあ とう あか "
    "みな おくさ ぼう ちび おく おこ おじょう おまわり おいしゃ おきゃく だんな おとなり "
    "おつかれ ごくろう どなた だれ みんな".split()
)
_EAST_ASIAN = regex.compile(rf"[{_EAST_ASIAN_CHAR}]+(?:[ \u3000][{_EAST_ASIAN_CHAR}]+)*")
# Japanese: a name alone before a particle ("田中が今日休み", "木村から引き継ぎました",
# "健太と美咲に"): two or three kanji after no kanji or katakana (hiragana is grammar: "あと
# 大翔にも"), or kana after no kana.
_JAPANESE_PARTICLE = r"(?=が|は|と|に|より|から|です|って|へ|も|を|の|、|。|！|？|!|\?)"
_JAPANESE_ALONE = regex.compile(
    r"(?:(?<![\p{Han}\p{Katakana}ー])(\p{Han}{2,3})"
    r"|(?<![\p{Han}\p{Katakana}\p{Hiragana}ー])(\p{Hiragana}{2,4}|\p{Katakana}{2,5}))"
    + _JAPANESE_PARTICLE
)
_KANA = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
_HAN_GIVEN_HONORED = regex.compile(
    r"(?<!\p{Han})(\p{Han}{2,3})(?=さん|くん|君|ちゃん|様|さま|先輩)"
)
# A chat line with its time: "[21:03] ゆうき: ...", "[2024-03-01 10:02] minji: ...".
_LOGIN_SPEAKER = re.compile(
    r"^[ \t]*(?:\[[^\]\n]{1,24}\][ \t]*)*([a-z][a-z0-9]*[._][a-z][a-z0-9]*)[ \t]*:[ \t]",
    re.MULTILINE,
)
_TIMED_SPEAKER = regex.compile(
    r"^[ \t]*\[[0-9][0-9:./\- ,APMapm]{2,22}\][ \t]*([\p{L}][\p{L}\p{M}'\-]{0,30})[ \t]*:[ \t]",
    regex.MULTILINE,
)
# Case endings of names in the languages that decline them, and the nominative endings they
# replace, longest first: Polish, Czech, Slovak; Russian, Ukrainian; Hungarian; Finnish;
# Greek.
_CASE_ENDINGS: dict[str, tuple[str, ...]] = {
    "owi": ("",),
    "ovi": ("",),
    "em": ("",),
    "ą": ("a",),
    "ę": ("a",),
    "ou": ("a",),
    "ě": ("a",),
    "ie": ("a",),
    "u": ("", "a"),
    "a": ("",),
    "y": ("a",),
    "i": ("a", ""),
    "e": ("a", ""),
    "o": ("a", "ος", "ας"),
    "ю": ("я",),
    "ой": ("а",),
    "ым": ("",),
    "ом": ("",),
    "ем": ("", "ь"),
    "ові": ("",),
    "еві": ("ь", "й", ""),
    "ієві": ("ій",),
    "і": ("а", "я"),
    "ы": ("а",),
    "и": ("а", "я"),
    "у": ("а", ""),
    "е": ("а", "", "я"),
    "а": ("",),
    "ею": ("я",),
    "ою": ("а",),
    "nak": ("",),
    "nek": ("",),
    "val": ("",),
    "vel": ("",),
    "hoz": ("",),
    "hez": ("",),
    "höz": ("",),
    "ról": ("",),
    "ről": ("",),
    "tól": ("",),
    "től": ("",),
    "lle": ("",),
    "lla": ("",),
    "lta": ("",),
    "ltä": ("",),
    "sta": ("",),
    "stä": ("",),
    "ssa": ("",),
    "ssä": ("",),
    "n": ("",),
    "ο": ("ος", "ας"),
    "η": ("ης",),
    "ου": ("ος", "ης", "ας"),
}
_SHORT_VOWEL = {"á": "a", "é": "e"}
# The family names most Vietnamese bear, and what only Vietnamese writing has (ă, đ, ơ, ư and
# the tone marks on them and on other vowels).
_VIETNAMESE_SURNAMES = frozenset(
    "nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh đoàn lâm "
    "trịnh trương lưu tạ kiều quách lương thái tô cao mai hà châu".split()
)
_VIETNAMESE_MIDDLE = frozenset({"Thị", "Văn"})
# Letters of Swedish, Norwegian and Danish, where a name's genitive is written "Majas".
_NORDIC_MARK = re.compile("[åäöæø]", re.I)
# A word in lower case right after: what the genitive owns.
_LOWER_WORD_AFTER = regex.compile(r"[ \t]+\p{Ll}")
_VIETNAMESE_MARK = re.compile("[ăắằẳẵặđơớờởỡợưứừửữựạảấầẩẫậẹẻẽếềểễệịỉĩọỏốồổỗộụủũỳỵỷỹ]", re.I)
_VIETNAMESE_PLACE_BEFORE = regex.compile(
    r"(?:\d[\w/\-]*|(?i:phường|quận|phố|đường|ngõ|ngách|huyện|xã|tỉnh|thành phố|tp\.?|p\.|q\.|"
    r"thôn|khu|hẻm|kiệt|cầu|chợ|trường|đại học|bệnh viện))[ \t]+\Z"
)
_VIETNAMESE_PLACES = frozenset(
    "hà nội|hà giang|hà nam|hà tĩnh|hồ chí minh|cao bằng|lâm đồng|mai châu|lý sơn|tô lịch|"
    "trà vinh|vũng tàu|đồng nai|đồng tháp|bùi viện".split("|")
)
_VIETNAMESE_SYLLABLE = regex.compile(r"\p{Lu}[\p{Ll}\p{M}]{0,6}")
_DIARISED_SPEAKER = regex.compile(
    r"^[ \t]*(?:SPEAKER|Speaker|speaker|SPK|spk)[_ ]?\d{1,2}[ \t]*\(([^()\n:]{2,40})\)[ \t]*:",
    regex.MULTILINE,
)
_ADDRESSED_MESSAGE = regex.compile(
    r"^[ \t]*(\p{L}[\p{L}\p{M}'\-]{1,30})[ \t]*(?:→|->|=>|»)"
    r"[ \t]*(\p{L}[\p{L}\p{M}'\-]{1,30})[ \t]*:",
    regex.MULTILINE,
)
# Who speaks in a chat without being a person's name.
_ROLES = frozenset(
    """
    user assistant agent bot system admin support customer client me you moderator operator
    dev devs qa pm po lead ops sre ux design eng legal finance
    host guest staff team everyone all caller callee rep representative advisor bank shop
    usuario usuário cliente agente asistente kunde berater kundin client conseiller utente
    klant medewerker pelanggan müşteri kullanıcı пользователь клиент оператор 用户 客户 客服
    助手 ユーザー お客様 担当 사용자 고객 상담원 ग्राहक एजेंट مستخدم عميل mteja
    gast gäste moderatorin invité invitée invitado invitada ospite gość gosc misafir гость
    judge witness counsel prosecutor defendant plaintiff clerk narrator presenter lecturer
    speaker panelist interviewer interviewee candidate analyst doctor nurse patient teacher
    student coach trainer chair chairperson secretary narrador locutor animateur animatrice
    médico médecin arzt ärztin arts lekarz врач doktor dokter 의사 医生 医師 الطبيب
    yo ik ich moi je eu jag jeg minä mä ja io tú tu du toi você jij я ты 我 你 私 나 저 मैं أنا
    ty ви вы sistema systeem système assistent assistente asystent asystentka asistan
    """.split()
)
"""Who speaks in a chat or a call when it is not a name: roles, and "Ik:", "Yo:" (I)."""
# Parts of a chat handle that make it a bot's, a team's or a rota's ("ops-bot", "qa-team",
# "on-call-sre", "frontend-lead"), not a person's.
_ROLE_PARTS = frozenset(
    """
    bot bots team teams lead leads ops eng sre oncall call admin admins support system service
    alerts alert ci cd release security deploy monitor monitoring qa dev devs design product
    data frontend backend infra platform hr it sales helpdesk desk noreply notifications
    """.split()
)
_SUFFIXES = (
    "hanım|hanim|bey|beyefendi|abla|abi|ağabey|teyze|amca|ji|saab|sahab|bhai|didi|bhaiya|"
    "uncle|aunty|auntie|san|sama|sensei|kun|chan|ssi|nim|jaan|جان|خانم|آقا|जी|साहब|भाई|दीदी|"
    "अंकल|आंटी|भैया"
)
# Whether a text may hold one, in C speed (the standard library's engine, no alternation
# tried at every space): a suffix word's first letters after a space or hyphen.
_SUFFIX_HINT = re.compile(
    r"[ \-](?:han|bey|abl|abi|ağa|tey|amc|ji\b|saa|sah|bha|did|unc|aun|san|sam|sen|kun|cha|ssi|"
    r"nim|jaa|جان|خانم|آقا|जी|साहब|भाई|दीदी|अंकल|आंटी|भैया)"
)
_SUFFIX_WORD = regex.compile(_SUFFIXES)
_BEFORE_SUFFIX = regex.compile(
    r"(?<![\p{L}\p{M}])((?:\p{Lu}[\p{Ll}\p{M}'\-]+ )?\p{Lu}[\p{Ll}\p{M}'\-]+"
    r"|[\p{Ll}][\p{Ll}\p{M}]{2,}"
    r"|[\p{Devanagari}\p{Arabic}][\p{Devanagari}\p{Arabic}\p{M}]+)"
    rf"(?:[ ]|-)(?:{_SUFFIXES})(?![\p{{L}}\p{{M}}])"
)
_TITLES = frozenset(
    """
    mr mr. mrs mrs. ms ms. miss mx dr dr. prof prof. sir dame lord lady mister madam madame
    herr herrn frau fr. hr. dipl.-ing. ing. mag. sr sr. sra sra. srta srta. señor señora
    señorita don
    doña dña. d. m. mme mme. mlle mlle. monsieur sig sig. sig.ra signor signora signorina dott.
    dott dott.ssa avv. senhor senhora sr.ª dona seu maître maitre me. heer meneer mijnheer
    mevrouw mevr. dhr. mw. pan
    pani κύριε κύριος κυρία bay bayan
    bapak pak ibu bu tuan puan encik cik datuk dato shri smt smt. sri shrimati kumari fru herra
    rouva úr asszony domnul doamna pan. господин госпожа г-н г-жа пан пані κ. κος κα ông bà anh
    chị cô chú em thầy bác dì cậu cháu ustaz ustazah sheikh alhaji alhaja chief mzee bw. bi. bwana
    mama baba
    mas mbak bang abang kak kakak
    السيد السيدة الآنسة الأستاذ الأستاذة الدكتور الدكتورة الشيخ الحاج د. أستاذ أستاذة
    استاذ استاذة دكتور دكتورة شيخ حاج حاجة श्री श्रीमती सुश्री
    डॉ. डॉ
    """.split()
)
# A title written in lower case mid-sentence, before a name a list need not know:
# "Dziękuję, pani Ewo", "Vervelend, meneer Zwart", "Grazie signora De Luca", "Κύριε
# Παπαδόπουλε" (the name inflected or unlisted). The scorer judges these.
_LOWER_TITLES = frozenset(
    "pani pan panie signora signor signorina meneer mevrouw mijnheer herr herrn frau señor "
    "señora señorita senhor senhora monsieur madame mademoiselle κύριε κύριος κυρία господин "
    "госпожа господину госпоже dott. dott dott.ssa dottoressa avv. ing. maître maitre seu dona "
    "dr. dra. bapak pak ibu bu mas mbak bang abang kak".split()
)
TITLED_SCORE = 0.75

# Words after which a lone given name or surname is a person ("Hi Giulia,", "ask Rahman",
# "Estimada Lucía", "daughter Sana", "Groet, Daan"); a bare "Giulia" elsewhere could be a
# place or a product. Titles count too, in any case ("dott. Ferraro", "herr brandt").
_CUES = (
    "hi|hello|hey|dear|thanks|thank you|ask|asked|tell|told|ping|cc|remind|contact|call|"
    # "Tell X", "ask X", "call X" in the other languages ("Sag Jürgen bitte", "dis à Hugo").
    "sag|sagt|frag|fragt|ruf|dis à|dis-lui|demande à|appelle|di a|dile a|pregúntale a|"
    "llama a|dì a|chiedi a|chiama|diga ao|diga à|pergunta ao|pergunta à|liga pro|liga para|"
    "zeg tegen|vraag|bel|powiedz|zapytaj|zadzwoń do|söyle|sor|bilang ke|tanya|hubungi|"
    "säg till|fråga|скажи|спроси|позвони|передай|bảo|hỏi|gọi cho|nhắn|"
    "spoke with|spoke to|talked to|talked with|attn:?|hola|estimad[oa]|querid[oa]|bonjour|salut|"
    "cher|chère|hallo|liebe[r]?|ciao|gentile|car[oa]|olá|oi|prezad[oa]|beste|hoi|hej|merhaba|"
    "sayın|halo|yth\\.?|kepada|kia ora|sawubona|cześć|szia|hei|moi|namaste|"
    "привет|здравствуйте|уважаем(?:ый|ая)|xin chào|chào|jambo|habari|"
    "kumusta|mahal na|daughter|son|wife|husband|mother|father|brother|sister|mum|mom|dad|"
    # Who someone is to the writer or the record: "Partner Wilfredo present", "Pt Mekdes".
    "partner|grandmother|grandfather|granny|grandson|granddaughter|aunt|uncle|cousin|niece|"
    "nephew|colleague|coworker|co-worker|roommate|flatmate|neighbour|neighbor|friend|"
    "classmate|teammate|patient|pt|candidate|complainant|respondent|"
    # Whom a ticket or a log is about: "Customer Losa says", "applicant Divya Subramanian".
    "customer|client|applicant|caller|tenant|student|agent|hai|"
    # A booking's name: "a nombre de Ortiz", "au nom de Bonnet", "i namnet Hedlund".
    "in the name of|under the name|a nombre de|au nom de|em nome de|a nome di|i namnet|"
    "i navnet|op naam van|op naam|auf den namen|auf den namen von|atas nama|на имя|"
    "grandma|grandpa|nonna|nonno|hijo|hija|esposa|esposo|madre|padre|hermano|hermana|abuela|"
    "mamie|papi|mami|mamá|papá|vovó|vovô|vó|babcia|dziadek|babička|děda|mummy|daddy|granny|"
    "grandad|nan|nana|nanna|"
    "abuelo|tochter|sohn|ehefrau|ehemann|mutter|vater|bruder|schwester|oma|opa|fille|fils|mari|"
    "femme|mère|père|frère|sœur|figlio|figlia|moglie|marito|fratello|sorella|filho|filha|"
    "marido|mãe|pai|irmão|irmã|dochter|zoon|vrouw|man|moeder|vader|dottern|sonen|frun|mannen|"
    "familie|famille|familia|família|famiglia|aile|keluarga|regards|best|cheers|sincerely|"
    # Closings as chats and short mails write them: "Br, Minna", "Ta, Gaz", "Ngā mihi,".
    "br|brgds|rgds|thx|tks|ta|ngā mihi|nga mihi|terveisin|vg|bisous|beijos|besos|abrazos|baci|"
    "saludos|atentamente|cordialement|grüße|gruß|grüßen|mfg|lg|groet|groeten|groetjes|"
    "hälsningar|mvh|hilsen|pozdrawiam|pozdrowienia|saygılarımla|salam|hormat saya|"
    "cumprimentos|abraços|atenciosamente|saluti|cordiali saluti|distinti saluti|un saluto|"
    "с уважением|з повагою|trân trọng|—|–|--|عزيزي|عزيزتي|مع التحية|تحياتي|प्रिय|नमस्ते|"
    # Arabic's vocative: "يا أحمد" (O Ahmed), the person spoken to.
    "يا|" + "|".join(regex.escape(t) for t in sorted(_TITLES, key=len, reverse=True))
)
# Who someone is to the writer, or their job, before their name, in the languages staff write
# most ("min mormor Ingrid", "minha tia Lurdes", "mijn nonkel Jef", "тёте Людмиле", "Nurse
# Hannah", "Manager Stuart"), and a morning's greeting ("Morning Kostas."). Looked up as the
# word before a name rather than added to ``_CUES``: every word there is one more branch of
# ``_ADDRESSING``, tried at each position it searches.
_RELATION_CUES = frozenset(
    """
    aunt uncle tía tío prima primo sobrina sobrino cuñada cuñado suegra suegro novia novio
    compañera compañero tia tio sobrinha sobrinho cunhada cunhado sogra sogro namorada namorado
    avó avô colega zia zio cugina cugino nipote suocera suocero collega fidanzata fidanzato
    tante oncle cousine neveu nièce collègue belle-mère beau-père copine copain onkel nichte
    neffe kollegin kollege schwiegermutter schwiegervater freundin oom nonkel neef nicht
    schoonmoeder schoonvader vriendin mormor morfar farmor farfar moster faster morbror farbror
    syster bror kusin maken makan sambo kollegan mamma pappa ciocia cioci ciotka wujek wujka
    kuzyn kuzynka siostra siostry brat brata żona mąż teściowa koleżanka kolega тётя тёте тёти
    тетя тете дядя дяде дяди бабушка бабушке дедушка дедушке брат брату сестра сестре муж мужу
    жена жене сын сыну дочь дочери коллега коллеге подруга подруге teyze teyzem hala halam amca
    amcam dayı dayım abla ablam abi abim eşim kardeşim tante om paman bibi sepupu istri suami
    adik nurse coach manager supervisor officer captain sergeant detective inspector pastor
    reverend teacher professor doctor morning
    ابني ابنتي ابنها ابنه ابنك بنتي بنته بنتها زوجي زوجتي مراتي جوزي أخي أختي أخوي أخويا
    أختي خالي خالتي عمي عمتي جدي جدتي تيتا ستي صاحبي صديقي صديقتي زميلي زميلتي حفيدي حفيدتي
    پسرم دخترم همسرم برادرم خواهرم
    बेटा बेटी बेटे पत्नी पति वाइफ हसबैंड भाई भैया बहन दीदी दादी नानी दादा नाना मामा मामी चाचा
    चाची बुआ मौसी दोस्त सहकर्मी
    """.split()
)
# What a family chat's turns are labelled with ("Mam:", "Pap:", "Tía:", "Oma:").
_FAMILY_LABELS = _RELATION_CUES | frozenset(
    """
    mam pap mama papa mom mum dad mommy mummy daddy ma pa oma opa mor far mamá papá mamãe
    papai mami papi mamie abuela abuelo nonna nonno granny grandma grandpa nan nana babcia
    dziadek мама папа бабушка дедушка anneanne babaanne dede mamy papy
    母 父 母さん 父さん ママ パパ 祖母 祖父 兄 姉 弟 妹 夫 妻 娘 息子 妈 爸 妈妈 爸爸 奶奶 爷爷
    外婆 外公 姥姥 姥爷 哥 姐 哥哥 姐姐 老公 老婆 엄마 아빠 할머니 할아버지 언니 오빠 누나 형
    ばあちゃん じいちゃん おばあちゃん おじいちゃん かあちゃん とうちゃん
    """.split()
)
# Greetings that open a message: the word after them, alone before a comma or "!", is the
# person greeted even when no name list knows it ("Kia ora Aroha,", "Hej Siriporn!").
_GREETINGS = (
    "hi|hello|hey|dear|hola|estimad[oa]|querid[oa]|bonjour|salut|cher|chère|hallo|liebe[r]?|"
    "ciao|gentile|car[oa]|olá|oi|prezad[oa]|beste|hoi|hej|hei|moi|merhaba|sayın|halo|hai|"
    "привет|здравствуйте|уважаем(?:ый|ая)|шановн(?:ий|а)|xin chào|chào|jambo|habari|kumusta|"
    "kia ora|sawubona|cześć|dzień dobry|szanown[ya]|ahoj|dobrý den|szia|tere|labas|γεια σου|"
    "αγαπητ[εέή]|שלום|مرحبا|مرحباً|السلام عليكم|عزيزي|عزيزتي|नमस्ते|प्रिय|สวัสดี|e kaaro|"
    "bawo|ndewo|sannu|selam|salam|namaste|good morning|good afternoon|good evening|morning"
)
_ADDRESSED_LOWER = regex.compile(
    rf"(?i:{_GREETINGS}|{_CUES}|thx|ty|merci|danke|gracias|grazie|"
    r"obrigad[oa]|dank je|tack|takk|dzięki|teşekkürler|terima kasih|makasih|спасибо|cảm ơn|"
    r"asante|salamat|mahalo)"
)
_GREETING_WORD = regex.compile(rf"(?i:{_GREETINGS})")
_GREETED = regex.compile(rf"(?:^|\n)[ \t]*(?i:{_GREETINGS})[ \t]+$")


def _greets_no_one(text: str, found: Finding) -> bool:
    """A mailing's greeting to whoever reads it ("Dear Homeowner,", "Hi Valued Member!")."""
    words = text[found.start : found.end].lower().split()
    return all(w in GENERIC_ADDRESSEES for w in words) and (
        _GREETED.search(text, max(0, found.start - 40), found.start) is not None
    )


_CUE_WORDS = frozenset(
    cue for cue in _CUES.split("|") if cue.isalpha() and cue.lower() not in _TITLES
) | (_RELATION_CUES - _TITLES)
# Matched from the window's end backwards ("(?r)"): the cue must end there, and a forward
# search tries every cue at every position of the window first.
_ADDRESSING = regex.compile(rf"(?r)(?<![\p{{L}}\p{{M}}])(?i:{_CUES})[ ,:]*\n?[ \t]*$")
_WORD_BEFORE = regex.compile(r"(?r)(?<![\p{L}\p{M}])([\p{L}\p{M}\-]+)[ ,:]*\n?[ \t]*$")


def _related_before(text: str, start: int) -> bool:
    """Whether one of ``_RELATION_CUES`` is the word right before ``start``."""
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    return before is not None and before.group(1).lower() in _RELATION_CUES


# Kin named beside them: after a possessive ("her sons Mikaere and Tevita", "Ioane's wife,
# Nei Tekarau", "mis primas Yusleidys y Yoandri"), opening a list's item ("Present: daughter
# Faith, son Will"), or before "of" ("mother of Savio, Lourdes and Neville"). The capitalised
# words after the kin word are people, whatever the name lists say.
_KIN_WORDS = frozenset(
    """
    wife husband son sons daughter daughters brother brothers sister sisters mother father mum
    mom dad grandson grandsons granddaughter granddaughters grandchildren grandchild
    grandmother grandfather grandma grandpa granny nan nana nephew nephews niece nieces cousin
    cousins uncle aunt auntie partner fiancé fiancée fiance fiancee boyfriend girlfriend
    children kids twins stepson stepdaughter stepmother stepfather child baby widow widower
    esposa esposo marido mujer hijo hija hijos hijas hermano hermana hermanos hermanas madre
    padre abuelo abuela abuelos nieto nieta nietos nietas primo prima primos primas tío tía
    sobrino sobrina sobrinos sobrinas filho filha filhos filhas irmão irmã irmãos irmãs pai mãe
    avô avó neto neta netos netas femme mari fils fille filles frère frères sœur sœurs mère
    père cousine neveu nièce frau mann sohn tochter töchter söhne bruder schwester mutter
    vater enkel enkelin vrouw zoon dochter broer zus moeder vader fru dotter bror syster
    """.split()
)
_KIN_FORMS = _KIN_WORDS | {w.capitalize() for w in _KIN_WORDS}
_FIRST_PERSON = frozenset(
    "my our mi mis meu minha meus minhas mon ma mes mein meine min mitt mina mijn onze".split()
)
_KIN_POSSESSIVES = frozenset(
    """
    my his her their our your mi mis su sus tu tus meu minha meus minhas seu sua seus suas
    mon ma mes son sa ses ton ta tes mein meine meinem meiner seine seinem seiner ihr ihre
    ihrem ihrer min mitt mina din ditt dina hans hennes deras mijn zijn haar onze
    """.split()
)
_KIN_ADJECTIVES = frozenset(
    """
    late elder older younger eldest oldest youngest little big baby twin only beloved dear
    new two three four adopted step
    """.split()
)
_KIN_NAME = r"\p{Lu}[\p{Ll}\p{M}'\u2019\-]+(?:[ ]\p{Lu}[\p{Ll}\p{M}'\u2019\-]+){0,2}"
_KIN_NAMED = regex.compile(
    rf"(?P<of>[ ]of(?:[ ]the[ ]late)?)?(?:,[ ]?|[ ])(?P<n>{_KIN_NAME})"
    # More people listed: kept only where an "and" ends the list ("Savio, Lourdes and
    # Neville"), not "Tochter Katja, Tel. ..." or "Élodie, Bât. B".
    rf"(?:(?P<more>(?:[ ]?,[ ]?{_KIN_NAME})*)[ ]?,?[ ](?:and|&|y|e|et|und|en|och|og)[ ]"
    rf"(?P<last>{_KIN_NAME}))?"
)
_KIN_MORE = regex.compile(_KIN_NAME)
# Capitalised words after a kin word that name no one: a sentence's next words, months that
# are no given names ("her daughter April" is one).
_NOT_KIN_NAMES = frozenset(
    """
    the a an in on at to and but for from who whom which was is are were had has have i he
    she it we they this that my his her their our your when while after before since until
    if as so then also both all god jesus christ lord allah heaven january february march
    july september october november december monday tuesday wednesday thursday friday
    saturday sunday
    """.split()
)
_LIST_ITEM_BEFORE = regex.compile(r"(?:^|[:,;(•\-–—]|\n)[ \t]*\Z")


# A speaker naming themselves: "hi, i'm wang fang", "ich bin Anna Weber", "me llamo Lucía".
# Phrases whose subject is the person born: "X fyller år", "X's birthday is", "X (born ...".
_BIRTH_PREDICATES = ContextWords(
    (
        "fyller år|fyller|har bursdag|fylder år|täyttää vuosia|birthday is|bday is|turned|turns|"
        "born|dob|d.o.b.|född|født|geboren|geb.|né|née|nacido|nacida|nato|nata|nascido|"
        "nascida|urodzony|urodzona|doğdu|lahir|родился|родилась|sinh ngày|cumple años|cumple|"
        "compie gli anni|fête son anniversaire|hat geburtstag|verjaardag|har födelsedag"
    ).split("|")
)
_ABBREVIATED_BIRTH = regex.compile(r"(?<=\()(?:b|s|f|n)\.[ \t]*(?=\d)")
# Between the name and the phrase: nothing, "'s", a comma, or an opening parenthesis.
_BEFORE_BIRTH = regex.compile(r"(?:['\u2019]s)?[ \t]*[,(]?[ \t]*\Z")
_INTRODUCTIONS = ContextWords(
    (
        "i'm|i\u2019m|im|i am|it's|it\u2019s|its|this is|my name is|name's|my name's|me llamo|"
        "mi nombre es|soy|je m'appelle|je suis|ich heiße|ich bin|mein name ist|mi chiamo|sono|"
        "meu nome é|me chamo|sou|mijn naam is|ik ben|nazywam się|jestem|benim adım|adım|"
        "nama saya|saya|jag heter|jeg heter|меня зовут|я|tên tôi là|tôi là|jina langu ni|ako si|"
        "我叫|我的名字是|私の名前は|名前は|제 이름은|저는|मेरा नाम|मेरा नाम है|اسمي"
    ).split("|")
)
# Words that give a person's nickname, the quoted or capitalised word after them: "known as
# Hansje", "everyone calls him 'Take'", "大家都叫他“强子”", "通称「まっちゃん」".
_NICKNAME_CUE = regex.compile(
    r"(?:(?<![\p{L}])(?i:known as|calls? (?:him|her|me|them)|nicknamed|a\.?k\.?a\.?|goes by|"
    r"genannt|nennen (?:ihn|sie)|bekannt als|bekend als|noemen (?:hem|haar)|surnommée?|"
    r"apodad[oa]|le dicen|conocid[oa] como|apelidad[oa]|conhecid[oa] como|chamam de|"
    r"soprannominat[oa]|lo chiamano|la chiamano|zwan[ya]|nazywan[ya]|mówią na (?:niego|nią)|"
    r"по прозвищу|все зовут|lakaplı|dipanggil|kallad|kallas|gọi là|biệt danh|الملقب|يلقب|उर्फ)"
    r"|叫他|叫她|(?:外号|绰号)(?:是|叫)?|人称|(?:通称|あだ名)(?:は)?|별명(?:은|이)?)"
    r"[ \t:]*[\"'“”‘’「『«‹]?[ \t]*"
    r"((?:\p{Lu}[\p{L}\p{M}'\-]{1,20})|[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]{1,6})"
    r"(?=[\"'“”‘’」』»›]|[^\p{L}\p{M}]|$)"
)
# Substrings one of those words holds: most texts hold none, and a scan for them costs a
# fifth of the pattern's.
_NICKNAME_HINTS = (
    "known as", "call", "nicknam", "aka", "a.k.a", "goes by", "genannt", "nennen", "bekannt",
    "bekend", "noemen", "surnomm", "apodad", "dicen", "conocid", "apelidad", "conhecid",
    "chamam", "soprannom", "chiamano", "zwan", "nazywan", "mówią", "прозвищ", "зовут",
    "lakap", "dipanggil", "kallad", "kallas", "gọi là", "biệt danh", "لقب", "उर्फ", "叫他",
    "叫她", "外号", "绰号", "人称", "通称", "あだ名", "별명",
)  # fmt: skip
# An East Slavic patronymic after a given name, in any case ("Анна Дмитриевна", "Орловой Веры
# Павловны", "Геннадию Аркадьевичу", "Олеся Петрівна"): only people bear one.
_PATRONYMIC = regex.compile(
    r"[а-яёіїє]{2,}(?:(?:ов|ев)(?:ич(?:а|у|ем|е)?|н(?:а|ы|е|у|ой|ою))|ьич(?:а|у|ом|е)?"
    r"|(?:ин)?ичн(?:а|ы|е|у|ой)|(?:ів|їв)н(?:а|и|і|у|ою)|(?:ov|ev)(?:ich|na))"
)
# Initials and a surname: "К.В. Дорофеев", "J. R. Okafor", "P. Sharma"; in Cyrillic also the
# surname first, as Russian documents write it ("Смирнова Е.А.").
# "SURNAME, GIVEN" opening a line or a field (after ":", "::", "|", ";", "=", a tab or
# two spaces), ending it (before a separator, two spaces, a bracket or the line's end; not
# a comma: "hurricanes: Andrew, Katrina, Sandy" is a list of given names).
_INVERTED = regex.compile(
    r"(?:^|(?<=[:|;=\t(]|  )[ \t]*)"
    r"(\p{Lu}[\p{L}\p{M}'’\-]+(?: \p{Lu}[\p{L}\p{M}'’\-]+)?), (\p{Lu}[\p{L}\p{M}'’\-]+)"
    r"(?=[ \t]*(?:$|[:|;\t(]|  |\d))",
    regex.MULTILINE,
)
_INITIALS_HINT = regex.compile(r"(?<![\p{L}\p{M}\p{N}.])\p{Lu}\.")
_INITIALS_FIRST = regex.compile(
    r"(?<![\p{L}\p{M}\p{N}.])((?:\p{Lu}\.[ \u00a0]?){1,2})[ \u00a0]?"
    r"(\p{Lu}[\p{Ll}\p{M}]+(?:[\-'\u2019]\p{Lu}?[\p{Ll}\p{M}]+)?)(?![\p{L}\p{M}])"
)
_INITIALS_AFTER = regex.compile(
    r"(?<![\p{L}\p{M}])([А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?)[ \u00a0]([А-ЯЁ]\.[ \u00a0]?[А-ЯЁ]\.)"
)
INTRODUCED_SCORE = 0.7
SINGLE_SCORE = 0.7
LOWER_SCORE = 0.6
# A name in katakana or hangul before an honorific ("グエン・ヴァン・ハイさん", "바트-에르덴 씨"):
# foreign names are written so, and the honorific says a person is meant.
_HONORED = regex.compile(
    r"(?<![\p{Katakana}\p{Hangul}ー・\-])"
    r"(?:\p{Katakana}[\p{Katakana}ー・]{1,15}|\p{Hangul}[\p{Hangul}\-]{1,6})"
    rf"(?=[ ]?(?:{'|'.join(CJK_HONORIFICS)}))"
)
# One or two capitalised Latin words before a Korean or Japanese honorific.
_LATIN_HONORED = regex.compile(
    r"(?<![\p{L}\p{M}])(\p{Lu}[\p{Ll}\p{M}'\-]+(?: \p{Lu}[\p{Ll}\p{M}'\-]+)?)"
    r"(?= ?(?:씨|님|선생님|さん|様|さま|先生|くん|ちゃん)(?![\p{Hangul}]{2}))"
)
# A kin word, then the relative's name (``_kin_named_east_asian``): "女儿婷婷", "外婆叫秀珍",
# "妻のあゆみ", "祖母のキヨ".
_CJK_KIN_NAMED = regex.compile(
    r"(?:妻子|丈夫|老公|老婆|儿子|兒子|女儿|女兒|孙子|孫子|孙女|孫女|爱人|愛人|太太|媳妇|女婿|闺女"
    r"|哥哥|姐姐|弟弟|妹妹|外婆|外公|奶奶|爷爷|爺爺|姥姥|息子|長男|長女|次男|次女|祖母|祖父|家内"
    r"|妻|夫|娘|孫)"
    r"(?:の|叫|是|名叫|叫做|[ 　、，,])?"
    r"(\p{Han}{2,3}|\p{Hiragana}{2,5}|\p{Katakana}{2,6})"
)
# One's own name in Japanese (``_self_introduced_japanese``): before "と申します" (any
# speaker), or after a team's, a desk's or a firm's "の" before "でございます" or "です".
_JAPANESE_SELF_NAMED = regex.compile(
    r"(?<![\p{Han}\p{Katakana}])(\p{Han}{1,4}(?:[ \u3000]\p{Han}{1,3})?)(?=と申(?:します|し))"
    r"|(?:部|課|室|係|センター|組|店|社|担当|窓口|事務所|病院|クリニック|銀行|チーム|支店|本社"
    r"|営業所|総務|人事|経理)の(\p{Han}{1,4})(?=でございます|です)"
)
# Two Han characters right before a parent's or grandparent's word ("浩浩妈妈", "请乐乐妈妈
# 准时到": the two nearest it).
_CHILDS_PARENT = regex.compile(r"(\p{Han}{2})(?:妈妈|媽媽|爸爸|奶奶|爷爷|爺爺|外婆|姥姥)")
# A label's value in Chinese or Japanese ("入住人：何雨桐", "対象者：石井 隼人"), alone up to
# the end of the field: in Han alone four characters at most ("欧阳晓", "司马相如"), with a
# space a Japanese family and given name of up to three each ("佐々木 健太"); it must begin
# with a known surname (``_east_asian``).
_LABELLED_HAN = regex.compile(
    r"(?<=[：:]\s?)(?:\p{Han}{1,3}(?:[ \u3000]\p{Han}{1,3}|[ \u3000]?\p{Katakana}{2,6}"
    r"|[ \u3000]?(?!です|でし|でご|と申|さん|さま|ちゃん|くん)\p{Hiragana}{2,6})|\p{Han}{2,4})"
    r"(?=[\s，,。、；;（(）)]|$)",
    regex.MULTILINE,
)
# Korean and Japanese title stems: "사장" before 님 is a title, not a name.
_TITLE_STEMS = frozenset(
    "사장 선생 과장 부장 팀장 교수 대리 실장 원장 아저 아주머 社長 部長 課長 "
    "대표 회장 이사 차장 주임 반장 변호사 박사 선배 간호사 작가 감독 "
    # Whom a business writes to: customer, member, guest, subscriber, patient, applicant.
    "고객 회원 손님 가입자 구독자 환자 보호자 신청자 지원자 담당자 기사 주주 お客 会員 "
    # ... and parents, students, residents, staff, everyone.
    "학부모 학생 주민 입주민 직원 임직원 여러분 관리자 保護者 皆".split()
)


@cache
def _lists() -> dict[str, frozenset[str]]:
    sets: dict[str, set[str]] = {k: set() for k in "GSVCDWAHB"}
    with gzip.open(LEXICON, "rt", encoding="utf-8") as handle:
        for line in handle:
            kind, _, word = line.rstrip("\n").partition("\t")
            sets[kind].add(word)
    return {kind: frozenset(words) for kind, words in sets.items()}


def lexicon() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    """(given names, surnames, names that are also very common words, common words), all
    lower-case; read once per process. Function words are common words even when some
    locale lists them as names ("The", "De"); name particles are checked before them."""
    lists = _lists()
    return lists["G"], lists["S"], lists["V"], lists["C"]


def word_names() -> frozenset[str]:
    """Names that are also among some language's most frequent words ("som", "eller")."""
    return _lists()["W"]


def agreed_given_names() -> frozenset[str]:
    """Given names that both name sources hold: frequent words because they are names."""
    return _lists()["B"]


def alone_ambiguous() -> frozenset[str]:
    """Given names that say little alone, even capitalised: places, frequent English words."""
    return _lists()["A"]


def han_words() -> frozenset[str]:
    """Two-character words of Chinese and Japanese ("周末", "安全")."""
    return _lists()["H"]


def loose_words() -> frozenset[str]:
    """Words frequent in some language that are no evidence either way ("bao", "yoon")."""
    return _lists()["D"]


def mentioned_again(text: str, names: Sequence[Finding]) -> list[Finding]:
    """The other mentions of a person already found: "Idil Mohamud is now Head of Customer
    Success. Idil joined 4 years ago", "Arash was strong on design ... arash also asked".
    Each word of a name found (three letters or more, in a script written with spaces, not a
    common word anywhere) is that person again wherever it stands alone in the text, and a
    login found is wherever it stands whole. Only a text already holding a name gains
    findings, so no prompt without one is altered."""
    if not names:
        return []
    found = _logins_again(text, names)
    if found:
        names = [*names, *found]
    if EAST_ASIAN_ANY.search(text) is not None:
        found += _east_asian_again(text, names)
        names = [*names, *found]
    not_again, as_words = _not_mentioned_again()
    written = [word for f in names for word in WORD.findall(text[f.start : f.end])]
    words = {
        word.lower()
        for word in written
        if len(word) >= 3 and _SPACED_WORD.fullmatch(word) is not None
    } - not_again
    # A name that is also a very common word ("Will Brennan", "خالد البرغوثي") is the
    # person again only where the word could not be the word: capitalised inside a
    # sentence, or in a script without case; and only from a name of two words or more.
    guarded = {
        word.lower()
        for f in names
        for word in WORD.findall(text[f.start : f.end])
        if " " in text[f.start : f.end].strip()
        and len(word) >= 3
        and _SPACED_WORD.fullmatch(word) is not None
    } & _very_common_names()
    words |= guarded
    if not words:
        return found
    # In lower case, a word that is frequent somewhere or a place is the word ("the rose
    # garden"), unless the name itself was typed so.
    typed_lower = {word for word in written if word.islower()}
    lower_text = lowered(text)
    taken = _covered(names, len(text))  # a log may hold thousands of names
    for word in sorted(words):
        position = lower_text.find(word)
        while position >= 0:
            start, end = position, position + len(word)
            position = lower_text.find(word, end)
            if not _stands_alone(text, start, end):
                continue
            if text[start:end].islower() and word in as_words and word not in typed_lower:
                continue
            if word in guarded and not _the_word_unlikely(text, start, end):
                continue
            if taken.find(1, start, end) < 0:
                found.append(Finding("name", start, end, MENTION_SCORE, "name_lexicon"))
                taken[start:end] = b"\x01" * (end - start)
    return found


_LOGIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")
_LOGIN_GLUE = _LOGIN_CHARS - {".", "-"}  # a login's characters that go on past its end


def _logins_again(text: str, names: Sequence[Finding]) -> list[Finding]:
    """A login found once ("user=m.alshehri") wherever it stands again whole: its words are
    glued to dots and digits, where no word of a name is looked for."""
    found = []
    logins = {text[f.start : f.end] for f in names}
    starts = {f.start for f in names}
    for login in logins:
        if not login.islower() or not _LOGIN_CHARS.issuperset(login) or login.isalpha():
            continue
        position = text.find(login)
        while position >= 0:
            start, end = position, position + len(login)
            position = text.find(login, end)
            if (start and text[start - 1].lower() in _LOGIN_GLUE) or (
                end < len(text) and text[end].lower() in _LOGIN_GLUE
            ):
                continue  # part of a longer login or an address ("m.alshehri@...")
            if (end < len(text) and text[end] == "@") or (start and text[start - 1] == "@"):
                continue
            if start not in starts:
                found.append(Finding("name", start, end, MENTION_SCORE, "name_lexicon"))
    return found


def _east_asian_again(text: str, names: Sequence[Finding]) -> list[Finding]:
    """The other mentions of a person found in Chinese, Japanese or Korean ("佳怡：... 佳怡妳
    要我", "ニマルくん ... ニマル: はい", "陳冠宇 ... 欸冠宇，"): the name found, written whole
    again, and a Han or hangul full name's given name (after a one-character surname) or a
    Japanese name's family and given name (with a space between them)."""
    wanted: set[str] = set()
    for f in names:
        value = text[f.start : f.end]
        if EAST_ASIAN_ANY.search(value) is None:
            continue
        parts = value.split()
        if len(parts) == 2 and all(len(part) >= 2 for part in parts):
            wanted.update(parts)  # "佐藤 悠斗": 佐藤 and 悠斗 each
        whole = "".join(parts)
        if len(whole) >= 2 and _EAST_ASIAN_NAME.fullmatch(whole) is not None:
            wanted.add(whole)
            # "陳冠宇" → "冠宇", "김민수" → "민수": a one-character surname and a given name.
            if len(whole) == 3 and whole[0] in _one_character_surnames():
                wanted.add(whole[1:])
    wanted -= han_words()
    wanted -= _TITLE_STEMS
    wanted -= _HIRAGANA_KIN
    if not wanted:
        return []
    taken = _covered(names, len(text))
    found = []
    for word in sorted(wanted, key=len, reverse=True):
        position = text.find(word)
        while position >= 0:
            start, end = position, position + len(word)
            position = text.find(word, end)
            if taken.find(1, start, end) >= 0 or not _east_asian_alone(text, start, end):
                continue
            found.append(Finding("name", start, end, MENTION_SCORE, "name_lexicon"))
            taken[start:end] = b"\x01" * (end - start)
    return found


_EAST_ASIAN_NAME = regex.compile(r"\p{Han}{2,4}|\p{Hangul}{2,4}|\p{Katakana}[\p{Katakana}ー・]{1,9}"
                                 r"|\p{Hiragana}{2,5}")  # fmt: skip
_KATAKANA_CHARS = regex.compile(r"[\p{Katakana}ー・]")
_HIRAGANA_CHAR = regex.compile(r"\p{Hiragana}")
_HANGUL_CHAR = regex.compile(r"\p{Hangul}")


def _east_asian_alone(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]``, a name found elsewhere, is not part of a longer word: no
    space marks a word in Chinese, Japanese or Korean, so the neighbours of its script do. A
    katakana name has no katakana beside it, a hangul one begins a word (particles follow
    it), a hiragana one has no hiragana before it but a particle ("ゆうきとみほ"); Han runs on
    in Chinese and Japanese alike, and a name said again is taken there as found."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    first = text[start]
    if _KATAKANA_CHARS.match(first):
        return not _KATAKANA_CHARS.match(before) and not _KATAKANA_CHARS.match(after)
    if _HANGUL_CHAR.match(first):
        return not _HANGUL_CHAR.match(before)
    if _HIRAGANA_CHAR.match(first):
        return not _HIRAGANA_CHAR.match(before) or before in _KANA_PARTICLES
    return True


@cache
def _one_character_surnames() -> frozenset[str]:
    """Surnames of one Han or hangul character ("陳", "김")."""
    _, surnames, _, _ = lexicon()
    return frozenset(name for name in surnames if len(name) == 1 and EAST_ASIAN_ANY.match(name))


@cache
def _not_mentioned_again() -> tuple[frozenset[str], frozenset[str]]:
    """Words never looked for again (common words, titles, cues), and those looked for in
    lower case only when the name was typed so."""
    _, _, very_common, common = lexicon()
    return common | very_common | _TITLES | _CUE_WORDS, word_names() | alone_ambiguous()


@cache
def _very_common_names() -> frozenset[str]:
    """Names that are also very common words (tier V), and no function word, title or cue."""
    _, _, very_common, common = lexicon()
    return very_common - common - _TITLES - _CUE_WORDS


def _the_word_unlikely(text: str, start: int, end: int) -> bool:
    """Capitalised inside a sentence, or written in a script without case."""
    first = text[start]
    if first.lower() == first.upper():
        return True
    if not first.isupper() or text[start:end].isupper():
        return False
    return _SENTENCE_START.search(text, max(0, start - 40), start) is None


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Not part of a longer word, an address or a dotted name ("idil.m@", "org.arash")."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if before.isalnum() or before in "_@.-" or after.isalnum() or after in "_@-":
        return False
    return not (after == "." and end + 1 < len(text) and text[end + 1].isalnum())


# Letters of scripts written with spaces between words: a name's word found again in CJK or
# Thai text could be part of any longer word.
_SPACED_WORD = regex.compile(
    r"[\p{Latin}\p{Cyrillic}\p{Greek}\p{Arabic}\p{Hebrew}\p{Devanagari}\p{M}'\-]+"
)
MENTION_SCORE = 0.6


@cache
def name_words() -> NameWords:
    """The word sets the name scorer reads a candidate's tiers from."""
    given, surnames, very_common, common = lexicon()
    return NameWords(
        given=given, surnames=surnames, very_common=very_common, common=common,
        word_names=word_names(), agreed=agreed_given_names(), alone_ambiguous=alone_ambiguous(),
        loose=loose_words(), titles=_TITLES, cues=_CUE_WORDS,
    )  # fmt: skip


class NameLexiconDetector:
    name = "name_lexicon"
    classes = frozenset({"name"})

    def __init__(self) -> None:
        self._given, self._surnames, self._very_common, self._common = lexicon()
        self._names = self._given | self._surnames
        self._strong = self._names - self._common - self._very_common
        # Lower case is weaker evidence: no word that is common anywhere either.
        self._loose = loose_words()
        # Only scripts with case: a caseless word is never "typed in lower case".
        self._lower_names = frozenset(
            w
            for w in self._strong - self._loose - (word_names() - agreed_given_names()) - _CUE_WORDS
            if w[0].islower() and w not in FIELD_CLASSES and _GREETING_WORD.fullmatch(w) is None
        )
        # Names that are frequent words somewhere ("kemal", "linh", "lars" in Turkish,
        # Vietnamese, Norwegian text): in lower case, for the scorer to judge only.
        self._word_names = word_names()
        self._agreed = agreed_given_names()
        self._lower_word_names = frozenset(
            w
            for w in (self._strong & word_names()) - self._loose - _CUE_WORDS
            if w[0].islower()
            and len(w) >= 3
            and w not in FIELD_CLASSES
            and _GREETING_WORD.fullmatch(w) is None
        )
        self._shapes = name_shapes()
        load_public_figures()
        self._korean_syllables = _KOREAN_NORTHERN_SYLLABLES | frozenset(
            syllable
            for name in self._given
            if len(name) == 2 and _HANGUL_ANY.fullmatch(name[0]) and _HANGUL_ANY.fullmatch(name[1])
            for syllable in name
        )
        self._han_words = han_words()
        # Given names that are evidence alone, capitalised inside a sentence ("... til Anders").
        self._lone_given = frozenset(
            w
            for w in self._given - self._common - self._very_common - self._loose
            if len(w) >= 3 and w not in word_names() and w not in alone_ambiguous()
        )
        self._scorer = default_scorer(name_words())

    # The engine hands ``detect`` the other fast detectors' findings (``earlier``): what else
    # a message holds is one of the scorer's features.
    reads_earlier = True

    def detect(self, text: str, earlier: Sequence[Finding] = ()) -> list[Finding]:
        tokens = list(_TOKEN.finditer(text))
        if self._scorer is None:
            return _best([finding for _, finding in self.proposed(text, tokens)])
        candidates, described = self.described(text, tokens, screened=False, earlier=earlier)
        kept = self._scorer.judge(candidates, described)
        # The wider net's words are screened for things named after people only once the
        # model believes them: the same result as screening first, at a fraction of the cost.
        # No rule took them, so no cue stands before them: a famous surname or a place alone
        # ("Rembrandt", "London") is one.
        names = [f for f, by_rule in kept if by_rule or not used_as_thing(text, f.start, f.end)]
        if "(" in text or "（" in text:
            names += self._aliases(text, names + [f for f in earlier if f.pii_class == "name"])
        if not _KIN_FORMS.isdisjoint(m.group() for m in tokens):
            names += self._kin_named(text, tokens)
        return _best(names)

    def _kin_named(self, text: str, tokens: list[re.Match[str]]) -> list[Finding]:
        """The people a kin word names beside it (``_KIN_WORDS``)."""
        found = []
        famous: bool | None = None  # whether the text names a public figure: looked up once
        for i, kin in enumerate(tokens):
            if kin.group() not in _KIN_FORMS:
                continue
            named = _KIN_NAMED.match(text, kin.end())
            if named is None:
                continue
            if named.group("of") is None:
                whose = self._kin_of_someone(text, tokens, i)
                if whose is None:
                    continue
                if whose not in _FIRST_PERSON:
                    # A public figure's kin are public too ("Serena Williams ... her sister
                    # Venus"); one's own are not.
                    famous = names_the_famous(text) if famous is None else famous
                    if famous:
                        continue
            spans = [named.span("n")]
            if named.group("last") is not None:
                offset = named.start("more")
                spans += [
                    (offset + m.start(), offset + m.end())
                    for m in _KIN_MORE.finditer(named.group("more"))
                ]
                spans.append(named.span("last"))
            for start, end in spans:
                if text.endswith(("'s", "\u2019s"), start, end):
                    end -= 2
                if self._kin_names_someone(text, start, end):
                    found.append(Finding("name", start, end, SINGLE_SCORE, self.name))
        return found

    @staticmethod
    def _kin_names_someone(text: str, start: int, end: int) -> bool:
        """Whether the capitalised words after a kin word are a name: no sentence's next
        word, title, role, firm, field's key or abbreviation ("Bât."), nothing named so."""
        words = text[start:end].split(" ")
        bare = [_bare(w) for w in words]
        if bare[0] in _NOT_KIN_NAMES or any(
            w in ORG_WORDS or w in _TITLES or w in _ROLES or w in _KIN_WORDS for w in bare
        ):
            return False
        if len(words) == 1 and len(words[0]) <= 3 and text.startswith(".", end):
            return False
        if field_class(text[start:end])[0] is not None:
            return False
        return not used_as_thing(text, start, end)

    @staticmethod
    def _kin_of_someone(text: str, tokens: list[re.Match[str]], i: int) -> str | None:
        """Whose the kin word ``tokens[i]`` is: the possessive before it, adjectives aside
        ("her two younger sisters", "Ioane's wife"), "'s" for a name's, "" where it opens a
        list's item ("Present: daughter Faith"); None where it is nobody's in particular."""
        j = i - 1
        while j >= 0 and i - j <= 3 and tokens[j].group().lower() in _KIN_ADJECTIVES:
            j -= 1
        if j >= 0 and tokens[j].end() >= tokens[j + 1].start() - 2:
            word = tokens[j].group()
            if word.lower() in _KIN_POSSESSIVES:
                return word.lower()
            if word.endswith(("'s", "\u2019s")):
                return "'s"
        start = tokens[j + 1].start()
        return "" if _LIST_ITEM_BEFORE.search(text, max(0, start - 4), start) else None

    def _aliases(self, text: str, names: Sequence[Finding]) -> list[Finding]:
        """The same person's name in brackets beside a name found, in another script or
        spelling ("Emily Carter（エミリー・カーター）", "대니얼 브룩스 (Daniel Brooks)", "渡辺
        由紀子（ワタナベ ユキコ）"): a person's, as the name beside it is."""
        found = []
        for f in names:
            after = _ALIAS_AFTER.match(text, f.end)
            if after is not None and self._alias_shaped(after.group(1)):
                found.append(Finding("name", after.start(1), after.end(1), SINGLE_SCORE,
                                     self.name))  # fmt: skip
            if f.start and text[f.start - 1] in "(（" and text[f.end : f.end + 1] in (")", "）"):
                before = _ALIAS_BEFORE.search(text, max(0, f.start - 50), f.start)
                if before is not None and self._alias_shaped(before.group(1)):
                    found.append(Finding("name", before.start(1), before.end(1), SINGLE_SCORE,
                                         self.name))  # fmt: skip
        return found

    def _alias_shaped(self, value: str) -> bool:
        """Whether a bracketed value reads as a name: a few capitalised words, or a name in
        a script without case; no common word alone, no role ("(Sales)", "(late)")."""
        words = value.split()
        if not words or len(words) > 4:
            return False
        if EAST_ASIAN_ANY.match(value) is not None or _CASELESS.match(value) is not None:
            if value in self._common or value in self._very_common:
                return False  # "(예시)", an example
            if any(_a_department(w) for w in words):
                return False  # "ميثاء (الموارد البشرية)": her department
            if len(words) == 1 and _HANGUL_ANY.match(value) is not None:
                return self._korean_name(value)
            return _ALIAS_CASELESS.fullmatch(value) is not None
        if not all(w[0].isupper() for w in words):
            return False
        bare = [_bare(w) for w in words]
        if any(w in _ROLES or w in _TITLES or w in ORG_WORDS for w in bare):
            return False
        if any(_a_department(w) for w in bare):
            return False
        return len(words) > 1 or bare[0] in self._lone_given

    def proposed(self, text: str, tokens: list[re.Match[str]]) -> list[tuple[str, Finding]]:
        """The rules' findings, each with the rule that made it (``source``: the scorer's
        feature)."""
        return self._proposed(text, tokens)[0]

    def _proposed(
        self, text: str, tokens: list[re.Match[str]]
    ) -> tuple[list[tuple[str, Finding]], list[Finding]]:
        """``proposed``, and the rules' names that named things ("Tarsila do Amaral", a
        public figure): none of their words is the wider net's."""
        proposed = []
        things = []
        for source, f in self._pairs_and_titles(text, tokens):
            if used_as_thing(text, f.start, f.end, cued=f.score != PAIR_SCORE):
                things.append(f)
            elif _greets_no_one(text, f):
                continue
            else:
                proposed.append((source, f))
        if EAST_ASIAN_ANY.search(text) is not None:
            for f in self._east_asian(text):
                if used_as_thing(text, f.start, f.end):
                    things.append(f)
                else:
                    proposed.append(("east", f))
        # A family's chat ("mamma: ...", "pappa: ja, och Vilgot är hos Alvin") names people
        # as surely as a name found does, its labels being none.
        if proposed or (":" in text and self._family_chat(text)):
            people = [f for _, f in proposed]
            proposed.extend(("lone", f) for f in self._lone_given_names(text, people))
        return [(f"{source}{round(f.score * 100)}", f) for source, f in proposed], things

    def described(
        self,
        text: str,
        tokens: list[re.Match[str]] | None = None,
        *,
        screened: bool = True,
        earlier: Sequence[Finding] = (),
    ) -> tuple[list[Candidate], list[list[str]]]:
        """The candidates and their features, as the scorer judges them (and training reads
        them): the rules' findings (``True``) and the wider net's words (``False``), words a
        name list holds that no rule took. ``screened``: the wider net's words that name a
        thing ("Parkinson's") are left out here, not after judging. ``earlier``: the other
        fast detectors' findings in ``text``."""
        if self._scorer is None:
            raise RuntimeError("no name scorer: the rules stand alone")
        if tokens is None:
            tokens = list(_TOKEN.finditer(text))
        proposed, things = self._proposed(text, tokens)
        wider = self._wider_net(text, tokens, [f for _, f in proposed] + things)
        if screened:
            wider = [(s, f) for s, f in wider if not used_as_thing(text, f.start, f.end)]
        candidates = [(s, f, True) for s, f in proposed] + [(s, f, False) for s, f in wider]
        if not candidates:
            return candidates, []
        return candidates, self._scorer.described(
            text, candidates, _typed_in_lower_case(tokens), text_context(text, earlier)
        )

    def _wider_net(
        self, text: str, tokens: list[re.Match[str]], taken: list[Finding]
    ) -> list[tuple[str, Finding]]:
        """Words a name list holds that no rule took: capitalised (or in a script without
        case) and known, or in lower case and one of the names typed so."""
        found: list[tuple[str, Finding]] = []
        names, common = self._names, self._common
        covered = _covered(taken, len(text))
        for match in tokens:
            word = match.group()
            bare = word.lower()
            if bare in common:  # most words: out at once
                continue
            if "'" in bare or "\u2019" in bare:
                bare = _bare(bare)
            if len(bare) < 2 or bare in common:
                continue
            first = word[0]
            if first.islower():
                if bare in self._lower_names:
                    source = "wlow"
                elif bare in self._lower_word_names:
                    source = "wloww"
                else:
                    continue
            elif first.lower() == first.upper():
                if bare in names:
                    source = "wcl"
                else:
                    continue
            elif (word.isupper() and len(word) > 1) or _in_a_run(
                text, match.start(), match.end(), names
            ):
                continue
            elif self._known(bare):
                source = "wcap"
            else:
                continue
            if bare in _TITLES or bare in _CUE_WORDS:
                continue
            if bare in _ROLES and text.startswith((":", "："), match.end()):
                continue  # a turn's label that names a role or the writer ("Ty:", "Agente:")
            start, end = match.start(), _end(match)
            if not _standalone(text, start, match.end()):
                continue
            if covered.find(1, start, end) >= 0:
                continue
            found.append((source, Finding("name", start, end, SINGLE_SCORE, self.name)))
        return found

    def _pairs_and_titles(
        self, text: str, tokens: list[re.Match[str]]
    ) -> list[tuple[str, Finding]]:
        findings: list[tuple[str, Finding]] = []
        names = self._names
        # A name's own syllables may carry no mark only Vietnamese uses ("Lê Minh Tâm"); the
        # words around it do ("được thăng chức").
        vietnamese = _VIETNAMESE_MARK.search(text) is not None
        nordic = _NORDIC_MARK.search(text) is not None
        for run in _runs(text, tokens, names):
            if _titled_before(text, run[0].start()):
                findings.extend(("title", f) for f in self._titled(run))
                continue
            if len(run) == 1 and nordic and (named := self._genitive(text, run[0])) is not None:
                findings.append(("gen", named))
                continue
            # Most runs are one capitalised word that starts a sentence: no name, no look.
            if len(run) == 1 and _bare(run[0].group()) not in names:
                # ... unless a greeting opens its line ("Kia ora Tamatea,").
                if text[run[0].end() : run[0].end() + 1] in (",", "!", "\n", ""):
                    findings.extend(("greet", f) for f in self._single(text, run[0]))
                continue
            if len(run) > 1 and (named := self._with_patronymic(run)) is not None:
                findings.append(("patr", named))
                continue
            findings.extend(("run", f) for f in self._run(text, run))
            if len(run) > 1 and vietnamese:
                findings.extend(("viet", f) for f in self._vietnamese(text, run))
            if 2 <= len(run) <= 3 and (named := _romanised_east_asian(run)) is not None:
                findings.append(("roman", Finding("name", *named, PAIR_SCORE, self.name)))
        if ":" in text:
            findings.extend(("speaker", f) for f in self._speakers(text))
        if _SUFFIX_HINT.search(text) is not None:
            findings.extend(("suffix", f) for f in self._suffixed(text))
        # The lower-case names the text holds: most texts hold none (a set intersection in C).
        present = self._lower_names.intersection({m.group() for m in tokens})
        findings.extend(("lower", f) for f in self._lower_case(text, tokens, present))
        if _HANDLE_HINT.search(text) is not None:
            findings.extend(("handle", f) for f in self._handles(text))
        if "<" in text and "</" not in text:  # a chat's lines, not markup
            findings.extend(("irc", f) for f in self._irc_speakers(text))
        if _SPELLED_HINT.search(text) is not None:
            findings.extend(("spelled", f) for f in self._spelled(text))
        if ":" in text or "：" in text:
            if present:
                findings.extend(("turn", f) for f in self._lower_turns(text, tokens, present))
            turns = _talk_lines(text)
            if turns:
                findings.extend(("talk", f) for f in self._talkers(turns))
            if len(turns) >= 2:
                findings.extend(("addr", f) for f in self._addressed_in_turns(text, turns))
        if "@" in text:
            findings.extend(("mention", f) for f in self._mentions(text))
        findings.extend(("user", f) for f in self._users(text))
        if "'s " in text or "\u2019s " in text:
            findings.extend(("poss", f) for f in self._possessors(text))
        if any(word in text for word in _KUNYA_HINTS):
            findings.extend(("kunya", f) for f in self._kunyas(text))
        if _INITIALS_HINT.search(text) is not None:
            findings.extend(("inits", f) for f in self._initialled(text))
        if ", " in text:
            findings.extend(("inv", f) for f in self._inverted(text))
        for _, end in _INTRODUCTIONS.occurrences(text):
            findings.extend(("intro", f) for f in self._introduced(text, end))
        lower_text = text.lower()
        nicknamed = any(hint in lower_text for hint in _NICKNAME_HINTS)
        for match in _NICKNAME_CUE.finditer(text) if nicknamed else ():
            if _bare(match.group(1)) not in self._common:
                findings.append(("nick", Finding("name", match.start(1), match.end(1),
                                                 SINGLE_SCORE, self.name)))  # fmt: skip
        for start, end in _BIRTH_PREDICATES.occurrences(text):
            findings.extend(("born", f) for f in self._born(text, start, end))
        for match in _ABBREVIATED_BIRTH.finditer(text):  # "Ville Heikkinen (s. 1986-07-17)"
            findings.extend(("born", f) for f in self._born(text, match.start(), match.end()))
        return findings

    def _titled(self, run: list[Match]) -> list[Finding]:
        """The first one to three words of a run after a title in lower case, up to a common
        word ("meneer Zwart. Ik", "signora De Luca"), whether a list knows them or not."""
        words: list[Match] = []
        for match in run[:3]:
            word = _bare(match.group())
            if (word in self._common and word not in _PARTICLES) or word in ORG_WORDS:
                break
            words.append(match)
        while words and _bare(words[-1].group()) in _PARTICLES:
            words.pop()
        if not words or len(_bare(words[0].group())) < 2:
            return []
        return [Finding("name", words[0].start(), _end(words[-1]), TITLED_SCORE, self.name)]

    def _vietnamese(self, text: str, run: list[Match]) -> list[Finding]:
        """A Vietnamese name: a family name of the few most Vietnamese bear, then one to three
        syllables ("Trần Quốc Khánh", "Vũ Thu Hà"). Its syllables are everyday words
        ("quốc", "thu", "hoa"), which split other runs; the family name and the script's marks
        tell the name."""
        for i, first in enumerate(run[:-1]):
            # A rarer family name shows by the middle name most women or men bear ("Nông Thị
            # Dung", "Lò Văn Chiến"), with a given name after it.
            if _bare(first.group()) not in _VIETNAMESE_SURNAMES and not (
                i + 2 < len(run)
                and run[i + 1].group() in _VIETNAMESE_MIDDLE
                and _VIETNAMESE_SYLLABLE.fullmatch(first.group()) is not None
            ):
                continue
            rest = []
            for match in run[i + 1 : i + 4]:
                if _VIETNAMESE_SYLLABLE.fullmatch(match.group()) is None:
                    break
                rest.append(match)
            words = " ".join(w.group() for w in [first, *rest])
            # A street or a place: after a house number or a place word ("27 Nguyễn Hữu Thọ",
            # "phường Ngô Thì Nhậm"), or a city's name ("Hà Nội").
            if _VIETNAMESE_PLACE_BEFORE.search(text, max(0, first.start() - 12), first.start()):
                continue
            if rest and words.lower() not in _VIETNAMESE_PLACES:
                return [Finding("name", first.start(), rest[-1].end(), PAIR_SCORE, self.name)]
        return []

    def _born(self, text: str, position: int, phrase_end: int) -> list[Finding]:
        """The one to three capitalised words (or words of a script without case) right
        before a birth phrase ("Maja fyller år ...", "Danielle's birthday is ...", "Ji-hoon
        Park (born ...)", "Ville Heikkinen (s. ..."): whose birth it is, a person."""
        gap = _BEFORE_BIRTH.search(text, max(0, position - 6), position)
        if gap is None:
            return []
        words: list[Match] = []
        for match in reversed(list(_WORD.finditer(text, max(0, gap.start() - 50), gap.start()))):
            following = words[-1].start() if words else gap.start()
            if text[match.end() : following].strip(" \u00a0") or len(words) == 3:
                break
            word = _bare(match.group())
            if match.group()[0].islower():
                break  # "pappa fyller", "som fyller år": lower case is too often a word
            phrase = " ".join(key_words(f"{match.group()} {text[position:phrase_end]}"))
            if word in self._common or word in self._very_common or phrase in FIELD_CLASSES:
                break  # "Tgl Lahir", "Hari lahir": a field's name
            words.append(match)
        while words and _bare(words[-1].group()) in _PARTICLES:
            words.pop()
        # "Työntekijä Aino Virtanen": a label before known names is no part of them.
        while len(words) > 1 and not self._known(_bare(words[-1].group())):
            if not any(self._known(_bare(w.group())) for w in words[:-1]):
                break
            words.pop()
        if not words or not any(self._known(_bare(w.group())) or w.group()[0].isupper()
                                for w in words):  # fmt: skip
            return []
        first, last = words[-1], words[0]
        return [Finding("name", first.start(), _end(last), SINGLE_SCORE, self.name)]

    def _speakers(self, text: str) -> list[Finding]:
        """Chat speakers ("[10:02] Aroha: ...", "Lea: ..."): a known name before a colon at a
        line's start, in a transcript: after a bracketed time or app tag, or where two lines
        or more begin so. A form's labels ("Date:", "Gast:", "Driver:") are no speakers."""
        speaking = list(_SPEAKER_LINE.finditer(text))
        lines = [m for m in speaking if field_class(m.group(1))[0] is None]
        # Roles that are also a form's person keys ("Interviewer:", "Host:", "Customer:") speak
        # in a transcript beside a person.
        roles = {
            _bare(m.group(1))
            for m in speaking
            if _bare(m.group(1)) in _ROLES or field_class(m.group(1)) == ("name", True)
        }
        # Family words label a family chat's turns ("Tía:", "Mamma:"): who, not a name.
        labels = [
            match
            for match in lines
            if _bare(match.group(1)) in self._names
            and _bare(match.group(1)) not in _ROLES
            and _bare(match.group(1)) not in _FAMILY_LABELS
        ]
        # Two speakers or more, whether the other is a role ("Intervjuare:", "Agent:"): a
        # transcript, whose known names before a colon are the people speaking.
        transcript = len({_bare(m.group(1)) for m in labels}) >= 2 or (
            bool(labels) and len({_bare(m.group(1)) for m in lines} | roles) >= 2
        )
        findings = []
        for match in labels:
            if transcript or "[" in match.group():
                findings.extend(self._single(text, match, cue_needed=False, group=1))
        # A timed chat ("[21:03] ゆうき: ...", "[10:02] minji: ..."): the speakers are people
        # whether a list knows their names or not, roles and family words aside.
        timed = [
            m
            for m in _TIMED_SPEAKER.finditer(text)
            if _bare(m.group(1)) not in self._common
            and not _a_department(m.group(1))
            and _bare(m.group(1)) not in _ROLES
            and _bare(m.group(1)) not in _CUE_WORDS
            and field_class(m.group(1))[0] is None
            and not _role_handle(m.group(1))
        ]
        if len({m.group(1) for m in timed}) >= 2:
            findings.extend(
                Finding("name", m.start(1), m.end(1), SINGLE_SCORE, self.name) for m in timed
            )
        # Chat speakers by login ("[10:02] tuan.le: ...", "jen_m: ..."): a person's login.
        findings.extend(
            Finding("name", m.start(1), m.end(1), SINGLE_SCORE, self.name)
            for m in _LOGIN_SPEAKER.finditer(text)
            if persons_login(m.group(1))
        )
        # A diarised transcript ("SPEAKER_1 (Oluwaseun): ...") and a message from one person
        # to another ("Olga → dewi: ..."): who speaks and to whom, whatever their names.
        for m in _DIARISED_SPEAKER.finditer(text):
            if _bare(m.group(1)) not in _ROLES and field_class(m.group(1))[0] is None:
                findings.append(Finding("name", m.start(1), m.end(1), SINGLE_SCORE, self.name))
        for m in _ADDRESSED_MESSAGE.finditer(text):
            for group in (1, 2):
                if _bare(m.group(group)) not in _ROLES | self._common:
                    findings.append(Finding("name", m.start(group), m.end(group),
                                            SINGLE_SCORE, self.name))  # fmt: skip
        return findings

    def _suffixed(self, text: str) -> list[Finding]:
        """A name before an honorific that follows it ("Nurten hanım", "शर्मा जी",
        "rahim bhai", "Tanaka-san")."""
        findings = []
        for match in _BEFORE_SUFFIX.finditer(text):
            word = _bare(match.group(1).split()[-1])
            if word in self._common or word in _CUE_WORDS or word in _TITLES:
                continue
            findings.append(Finding("name", match.start(1), match.end(1), SINGLE_SCORE,
                                    self.name))  # fmt: skip
        return findings

    def _with_patronymic(self, run: list[Match]) -> Finding | None:
        """A given name and its patronymic, with the surname beside them when it is there
        ("Сейткали Айгерим Нурлановна", "Орловой Веры Павловны", "Ivan Petrovich Sidorov")."""
        words = [_bare(m.group()) for m in run]
        for i in range(1, len(run)):
            if _PATRONYMIC.fullmatch(words[i]) is None:
                continue
            if words[i - 1] in _TITLES or words[i - 1] in ORG_WORDS:
                return None
            first, last = i - 1, i
            if i >= 2 and self._surname_beside(words[i - 2]):
                first = i - 2
            if i + 1 < len(run) and self._surname_beside(words[i + 1]):
                last = i + 1
            return Finding("name", run[first].start(), _end(run[last]), PAIR_SCORE, self.name)
        return None

    def _surname_beside(self, word: str) -> bool:
        if word in self._common or word in _TITLES or word in _PARTICLES:
            return False
        if word in ORG_WORDS or word in PLACE_WORDS:
            return False
        return self._known(word) or self._shapes.looks_like_a_name(word)

    def _initialled(self, text: str) -> list[Finding]:
        """A surname with one or two initials ("К.В. Дорофеев", "Dr. R. Iyer", "Смирнова
        Е.А."): the surname a list knows or shaped like a name, no common word."""
        findings = []
        for match in _INITIALS_FIRST.finditer(text):
            surname = match.group(2).lower()
            if match.group(1).count(".") == 1 and not self._known(surname):
                continue  # "J. Crew", "S. Pellegrino": one initial needs a listed surname
            if self._initialled_surname(surname):
                findings.append(Finding("name", match.start(), match.end(2), PAIR_SCORE,
                                        self.name))  # fmt: skip
        for match in _INITIALS_AFTER.finditer(text):
            if self._initialled_surname(match.group(1).lower()):
                findings.append(Finding("name", match.start(), match.end(), PAIR_SCORE,
                                        self.name))  # fmt: skip
        return findings

    def _inverted(self, text: str) -> list[Finding]:
        """A surname, a comma and a given name as a field's value, the way manifests, lab
        requests and rosters write people ("HAUGEN, ERLEND    M", "LAB REQ :: DOYLE,
        CIARAN ::", "Attendees: Kowalczyk, Agnieszka; ..."): both known, neither a common
        word, opening a line or a field (not "from Paris, Texas")."""
        found = []
        for match in _INVERTED.finditer(text):
            surnames = [_bare(w) for w in match.group(1).split()]
            given = _bare(match.group(2))
            if (
                given in self._given
                and given not in self._common
                and given not in self._very_common
                and surnames[-1] in self._surnames
                and not any(w in self._common or w in self._very_common for w in surnames)
                and not any(w in PLACE_WORDS or w in ORG_WORDS for w in surnames)
            ):
                found.append(Finding("name", match.start(1), match.end(2), PAIR_SCORE, self.name))
        return found

    def _initialled_surname(self, word: str) -> bool:
        if word in self._common or word in self._very_common or word in _TITLES:
            return False
        if word in ORG_WORDS or word in PLACE_WORDS or word in STREET_WORDS:
            return False
        return self._known(word) or self._shapes.looks_like_a_name(word)

    def _possessors(self, text: str) -> list[Finding]:
        """A known name whose kin, birthday or phone follows ("Iwan's 50th birthday", "James's
        brother Owen", "Navdeep's number"): things only a person has."""
        findings = []
        for match in _POSSESSOR.finditer(text):
            word = match.group(1).lower()
            if word in self._names and word not in self._common and word not in _TITLES:
                findings.append(
                    Finding("name", match.start(1), match.end(1), SINGLE_SCORE, self.name)
                )
        return findings

    def _introduced(self, text: str, position: int) -> list[Finding]:
        """The one to three words after "I'm", "me llamo", ...: capitalised and no common
        word, or in lower case and beginning with a known given name."""
        words = []
        for match in _WORD.finditer(text, position, min(len(text), position + 60)):
            gap = text[words[-1].end() : match.start()] if words else text[position : match.start()]
            word = match.group().lower()
            if gap.strip() or len(words) == 3 or (word in self._common and word not in _PARTICLES):
                break
            first = match.group()[0]
            if not words and not first.isupper() and word not in self._names:
                # Chinese, Japanese, Korean: a known surname begins the name ("我叫徐静").
                if not (EAST_ASIAN_ANY.match(first) and first in self._surnames):
                    break
            words.append(match)
        while words and words[-1].group().lower() in _PARTICLES:
            words.pop()
        if not words:
            return []
        end = words[-1].end()
        # Korean writes the copula onto the name ("저는 박룡철입니다"): no part of it.
        copula = _KOREAN_COPULA.search(text, words[-1].start() + 2, end)
        if copula is not None:
            end = copula.start()
        return [Finding("name", words[0].start(), end, INTRODUCED_SCORE, self.name)]

    def _run(self, text: str, run: list[Match]) -> list[Finding]:
        """A run of capitalised words, split at titles and at common words."""
        words = [_bare(m.group()) for m in run]
        findings = []
        segment: list[int] = []
        after_title = False
        for index, word in enumerate([*words, ""]):
            possessive = index < len(run) and run[index].group().endswith(("'s", "\u2019s"))
            # After a title the name goes on through short common words ("Ông Nguyễn Văn An").
            named = after_title and 0 < len(segment) < 3
            if (
                word
                and word not in _TITLES
                and (named or word in _PARTICLES or word not in self._common)
            ):
                segment.append(index)
                if not possessive:
                    continue
            findings.extend(self._segment(text, run, words, segment, after_title))
            after_title = word in _TITLES
            segment = []
        return findings

    def _segment(
        self,
        text: str,
        run: list[Match],
        words: list[str],
        segment: list[int],
        after_title: bool,
    ) -> list[Finding]:
        if after_title and segment:
            # "Dr. Ambedkar Road", "डॉ. भीमराव अंबेडकर मार्ग": a road named after a titled
            # person. Its word stands after the name's first, or next in the run.
            if not _TITLED_ROAD_WORDS.isdisjoint(words[segment[0] + 1 : segment[-1] + 2]):
                return []
            named = segment[:3]
            # In a script without case the words after a name look like it: "السيد خالد
            # العمري طلب" (requested), "श्रीमती सुनीता वर्मा ने"; an unknown one ends it.
            while len(named) > 1 and self._loose_caseless(words[named[-1]], run[named[-1]]):
                named = named[:-1]
            last = named[-1]
            return [Finding("name", run[segment[0]].start(), _end(run[last]), TITLE_SCORE,
                            self.name)]  # fmt: skip
        segment = self._trimmed(segment, words, run)
        # "Dottern Maria", "Olá Hannah": a cue that begins the run is no part of the name.
        if len(segment) > 1 and words[segment[0]] in _CUE_WORDS:
            segment = segment[1:]
        if len(segment) == 1:
            return self._single(text, run[segment[0]])
        if 2 <= len(segment) <= 4 and self._is_name([words[i] for i in segment]):
            first, last = run[segment[0]], run[segment[-1]]
            return [Finding("name", first.start(), _end(last), PAIR_SCORE, self.name)]
        return []

    def _single(
        self, text: str, match: Match, *, cue_needed: bool = True, group: int = 0
    ) -> list[Finding]:
        word = _bare(match.group(group))
        start, end = match.start(group), _end(match, group)
        if not self._known(word) or word in self._common:
            if cue_needed and self._greeted_stranger(text, word, start, end):
                return [Finding("name", start, end, SINGLE_SCORE, self.name)]
            return []
        # A name that is also a very common word ("Maria", "Will") needs a cue before it.
        if word in self._very_common and not cue_needed:
            return []
        if cue_needed:
            cue = _ADDRESSING.search(text, max(0, start - 30), start)
            if (
                cue is None
                and not _related_before(text, start)
                and not (word not in self._very_common and _vocative(text, start, end))
            ):
                return []
            # Arabic's vocative calls people by their given names; "يا جماعة" is "folks".
            if cue is not None and cue.group().startswith("يا") and word not in self._given:
                return []
        return [Finding("name", start, end, SINGLE_SCORE, self.name)]

    def _sentences_first_word(self, before: str, capitalised: regex.Match[str]) -> bool:
        """Whether the capitalised word before a given name is an ordinary word that opens
        its sentence ("Kör Oskar?", "Ask Maria"), not a place's or a thing's first word
        ("Via Giuseppe", "San Francisco")."""
        word = capitalised.group().rstrip(" \t")
        lower = word.lower()
        return (
            lower in self._common
            and lower not in self._names
            and lower not in PLACE_WORDS
            and lower not in ORG_WORDS
            and _SENTENCE_START.search(before, 0, capitalised.start()) is not None
        )

    def _family_chat(self, text: str) -> bool:
        """Whether a family word labels a line's turn ("pappa: ..."), one a name list holds
        too (as the labels were taken before they were known for family words)."""
        return any(
            (label := _bare(m.group(1))) in _FAMILY_LABELS and label in self._names
            for m in _SPEAKER_LINE.finditer(text)
        )

    def _lone_given_names(self, text: str, people: list[Finding]) -> list[Finding]:
        """In a text that names a person, a known given name alone inside a sentence is one
        more ("Dear Ms Esposito, ... il collega Lorenzo resta a disposizione"): not at a
        sentence's start, not beside another capitalised word ("Peach Melba", "Via Giuseppe
        Garibaldi"), no place or frequent English word ("Austin", "Ford")."""
        found = []
        covered = _covered(people, len(text))
        for match in _CAPITALISED_WORD.finditer(text):
            start, end = match.span()
            word = match.group().lower()
            if match.group().isupper() or not (
                word in self._lone_given or self._inflected(word, self._lone_given, loose=False)
            ):
                continue
            if covered.find(1, start, end) >= 0:
                continue
            before = text[max(0, start - 40) : start]
            if _SENTENCE_START.search(before) is not None:
                continue
            if _CAPITALISED_AFTER.match(text, end):
                continue
            capitalised = _CAPITALISED_BEFORE.search(before)
            if capitalised is not None and not self._sentences_first_word(before, capitalised):
                continue
            if not used_as_thing(text, start, end, cued=True):
                found.append(Finding("name", start, end, SINGLE_SCORE, self.name))
        if _CASELESS.search(text) is not None:
            found.extend(self._lone_caseless_given_names(text, people))
        return found

    def _genitive(self, text: str, match: Match) -> Finding | None:
        """A given name in the Scandinavian genitive before the thing it owns ("Majas nya
        nummer", "Birgittas pensionering", "Idas födelsedag"): the name, its "s" and all,
        as people write it."""
        word = match.group()
        if len(word) < 4 or not word.endswith("s") or not word[0].isupper():
            return None
        if word.lower() in self._common or word.lower() in self._word_names:
            return None  # "Annars" (otherwise), not Annar's
        # A given name both name sources hold: "Remiss" (a referral) is no Remis's.
        bare = word[:-1].lower()
        if bare not in self._agreed or bare in self._very_common or bare in self._common:
            return None
        if not _LOWER_WORD_AFTER.match(text, match.end()):
            return None
        return Finding("name", match.start(), match.end(), SINGLE_SCORE, self.name)

    def _lone_caseless_given_names(self, text: str, people: list[Finding]) -> list[Finding]:
        """The same in a script without case ("... پیش نگار", "पूजा से"), where no capital
        tells a name from a word: a known given name, no title, greeting or cue, and not
        right beside a name already found (a title or a family word next to it)."""
        found = []
        covered = _covered(people, len(text))
        for match in _TOKEN.finditer(text):
            word = match.group()
            if not _CASELESS.match(word):
                continue
            start, end = match.span()
            if word not in self._lone_given:
                # Arabic writes "and", "to", "by" onto the next word: "ومريم", "لسامر", and
                # in chat with a joining stroke: "بـأحمد".
                cut = 2 if word[1:2] == "\u0640" else 1
                if word[0] not in _ARABIC_PROCLITICS or word[cut:] not in self._lone_given:
                    continue
                word, start = word[cut:], start + cut
            if word in _TITLES or word in _CUE_WORDS or _GREETING_WORD.fullmatch(word):
                continue
            if _SUFFIX_WORD.fullmatch(word) is not None or word.startswith("ال"):
                continue  # "ال" is Arabic's article: "الحساب" (the account), no given name
            if covered.find(1, max(0, start - 1), end + 1) >= 0:  # or right beside one
                continue
            if not used_as_thing(text, start, end, cued=True):
                found.append(Finding("name", start, end, SINGLE_SCORE, self.name))
        return found

    def _greeted_stranger(self, text: str, word: str, start: int, end: int) -> bool:
        """A word no list knows, right after a greeting that opens a line and alone before
        a comma, "!" or the line's end ("Kia ora Tamatea,", "Hej Pornthip!"), capitalised
        (or in a script without case) and no common word ("Hi Team," is no one)."""
        return (
            len(word) >= 3
            and word not in self._common
            and text[end : end + 1] in (",", "!", "\n", "")
            and _GREETED.search(text, max(0, start - 40), start) is not None
            and (text[start].isupper() or text[start].lower() == text[start].upper())
        )

    def _lower_case(
        self, text: str, tokens: list[re.Match[str]], present: set[str]
    ) -> list[Finding]:
        """Names typed in lower case ("tunde bakare", "wang fang"): two to four adjacent
        words, each a known name and no common word, one of them a given name, that begin
        a line or a chat turn (the answer to "your name?"); elsewhere lower-case words that
        happen to be names are a dish or a phrase ("cacio e pepe")."""
        if not present:
            return []
        # One name after a greeting or a thanks ("thanks priya", "hej mads, ..."), the
        # person addressed, as capitalised names are.
        addressed = {w for w in present if len(w) >= 4 and w not in self._very_common}
        addressed -= _TITLES
        findings = [
            Finding("name", m.start(), m.end(), LOWER_SCORE, self.name)
            for m in tokens
            if m.group() in addressed and _addressed_lower(text, m.start())
        ]
        if _typed_in_lower_case(tokens):
            findings.extend(self._lone_lower(text, tokens, present))
        if len(present) < 2:
            return findings
        lower = [m for m in tokens if m.group()[0].islower()]
        run: list[re.Match[str]] = []
        for match in [*lower, None]:
            word = match.group() if match is not None else ""
            nameish = word in self._lower_names or (bool(run) and word in _PARTICLES)
            if match is not None and nameish:
                if not run or text[run[-1].end() : match.start()] == " ":
                    run.append(match)
                    continue
            while run and run[-1].group() in _PARTICLES:
                run.pop()
            if (
                2 <= len(run) <= 4
                and any(m.group() in self._given for m in run)
                and _begins_a_turn(text, run[0].start())
            ):
                findings.append(Finding("name", run[0].start(), run[-1].end(), LOWER_SCORE,
                                        self.name))  # fmt: skip
            run = [match] if match is not None and word in self._lower_names else []
        return findings

    def _irc_speakers(self, text: str) -> list[Finding]:
        """The speakers of a chat logged as "<nick> message", two lines or more: people, by
        their nicknames ("<eriklind>", "<solveig_b>", "<Wout>"), bots and system accounts
        aside."""
        lines = list(_IRC_LINE.finditer(text))
        if len(lines) < 2:
            return []
        findings = []
        for line in lines:
            nick = line.group(1)
            bare = nick.lower().rstrip("0123456789_")
            if bare in _MARKUP_TAGS or bare in SYSTEM_ACCOUNTS or "bot" in bare:
                continue
            if bare in _ROLES or bare in self._common:
                continue
            findings.append(Finding("name", line.start(1), line.end(1), LOWER_SCORE, self.name))
        return findings

    def _spelled(self, text: str) -> list[Finding]:
        """A name spelled out, letter by letter, and the word it spells: the letters are
        the word's, or a part of it ("Wouters. W-O-U-T-E-R-S", "Bittencourt. B, I, dois T,
        E, N, C, O, U, R, T"), no common word, up to 80 characters before; or four letters
        or more where the text asks to spell ("Can you spell your surname? ... S, J, Ö").
        Initials ("J. R. R."), options ("A, B, C") and acronyms spell no word before them."""
        findings = []
        end = 0
        for hint in _SPELLED_HINT.finditer(text):
            # A run starts at the first hint inside it: the pattern is tried there only.
            if hint.start() < end or (run := _SPELLED.match(text, hint.start())) is None:
                continue
            end = run.end()
            letters = "".join(ch for ch in run.group() if ch.isalpha() and ch != "・").upper()
            start = run.start()
            spelled = None
            for word in reversed(list(_WORD.finditer(text, max(0, start - 80), start))):
                upper = word.group().upper()
                # All its letters, or four and more, half the word's ("USA" is no "Busan").
                if letters == upper or (
                    len(letters) >= 4 and letters in upper and 2 * len(letters) >= len(upper)
                ):
                    spelled = word
                    break
            if spelled is not None:
                bare = _bare(spelled.group())
                if bare in self._common and not self._known(bare):
                    continue  # "test ... T-E-S-T"
                findings.append(Finding("name", spelled.start(), spelled.end(), SINGLE_SCORE,
                                        self.name))  # fmt: skip
            elif len(letters) < 4 or _SPELL_CUE.search(text, max(0, start - 160), start) is None:
                continue
            findings.append(Finding("name", start, run.end(), SINGLE_SCORE, self.name))
        return findings

    def _handles(self, text: str) -> list[Finding]:
        """User names made of a person's names ("dmitri.volkov", "@ananya-k", "ben.holt"): a
        given name no language uses as a word, then a surname, a given name or an initial.
        "max-width", "grace.period", "react-dom" are left alone."""
        findings = []
        strong, ambiguous = self._strong, alone_ambiguous()
        tried = set()
        # From each separator between letters (few) to the start of its word, rather than
        # trying the pattern at every word of the text.
        for hint in _HANDLE_HINT.finditer(text):
            start = hint.start()
            while start > 0 and "a" <= text[start - 1] <= "z":
                start -= 1
            if start in tried:
                continue
            tried.add(start)
            if start > 0 and text[start - 1] == "@" and start > 1 and _wordish(text[start - 2]):
                continue  # the domain of an address: "user@anna.s"
            match = _HANDLE.match(text, start)
            if match is None:
                continue
            first, second = match.group(1), match.group(3)
            if first not in strong or first not in self._given or first in self._loose:
                continue
            if first in _TECH_PREFIXES:  # "dev-mcgregor", "geo-block", "math.pi"
                continue
            if len(second) > 1 and (
                second not in strong or second in self._loose or second in ambiguous
                or second == first
            ):  # fmt: skip
                continue
            if known_not_a_private_person(f"{first.title()} {second.title()}"):
                continue  # "ada-lovelace"
            findings.append(Finding("name", match.start(1), match.end(3), LOWER_SCORE, self.name))
        return findings

    def _talkers(self, turns: list[regex.Match[str]]) -> list[Finding]:
        """The speakers of a conversation, known names or not ("Radjesh: ...", "[00:00:19]
        Ben Ashworth: ...", "艾力：..."): where two or more speak by turns and one of them is
        a known name, a role ("Agent:") or the turns are timed. A form's labels, roles,
        departments and common words are no speakers."""
        # Each turn with the span of the name in its label ("Tia Nice" -> "Nice").
        labelled = [(m, core) for m in turns if (core := self._label_core(m)) is not None]
        labels = {m.string[start:end] for m, (start, end) in labelled}
        if not labels:
            return []
        if len(labels) < 2:
            # One speaker's lines ("Mette: kan nogen tage telefonen ..."): a given name that
            # is no word anywhere, or one speaking of themselves in two turns or more
            # ("Diane: my cell is ..."); no public figure's or thing's ("Siri:", "Kafka:").
            label = next(iter(labels))
            bare = _bare(label)
            if known_not_a_private_person(label, alone=True):
                return []
            if bare not in self._lone_given and not (
                bare in self._given
                and len(labelled) >= 2
                and any(
                    _FIRST_PERSON_SAID.search(m.string, m.end(), _line_end(m)) for m, _ in labelled
                )
            ):
                return []
        # A kin word or title before it makes a label's word a name ("Tia Nice:").
        speakers = [
            (m.string[start:end], start, end)
            for m, (start, end) in labelled
            if self._a_talker(m.string[start:end], titled=start > m.start(2), speaking=True)
        ]
        # One of them a known name: the others are people too, known or not.
        if not any(self._known_talker(label) for label, _, _ in speakers):
            return []
        return [Finding("name", start, end, SINGLE_SCORE, self.name) for _, start, end in speakers]

    @staticmethod
    def _label_core(turn: regex.Match[str]) -> tuple[int, int] | None:
        """The name in a speaker's label, without the kin word, title or role before it or
        the team's letters or honorific after it ("Tia Nice", "Chefe Marcão", "Jéssica RH",
        "수아 언니"); None when nothing else is left."""
        start, end = turn.span(2)
        words = turn.string[start:end].split(" ")
        while len(words) > 1 and _bare(words[0]) in _LABEL_PREFIXES:
            start += len(words.pop(0)) + 1
        while len(words) > 1 and (
            words[-1] in _LABEL_SUFFIXES
            or (words[-1].isalpha() and words[-1].isupper() and len(words[-1]) <= 3)
        ):
            end -= len(words.pop()) + 1
        return (start, end) if start < end else None

    def _addressed_in_turns(self, text: str, turns: list[regex.Match[str]]) -> list[Finding]:
        """The one a chat turn speaks to, first in it before a comma or a mark ("Лена:
        Серёж, ты придёшь?", "[08:31] Sanne: Mo, heb jij ...", "Host: Okay Hodan, ..."),
        known name or not; no common word, role or title ("Sanne: Yes, ...")."""
        findings: list[Finding] = []
        # A conversation: two or more speak by turns (a data file's "origin: Tijuana, ..."
        # and a script's "WATSON: And Moriarty?" are none).
        speakers = {m.group(2) for m in turns}
        if len(speakers) < 2:
            return findings
        for match in _ADDRESSED_IN_TURN.finditer(text):
            word = match.group(2)
            bare = _bare(word)
            if match.group(1) not in speakers:
                continue
            if bare in _ROLES or bare in _TITLES or bare in _CUE_WORDS or _a_department(word):
                continue
            if word in speakers:  # the one spoken to answers: "Sanne: Mo, ...\nMo: ja"
                pass
            elif bare in self._common or bare in self._very_common:
                continue
            elif EAST_ASIAN_ANY.match(word) is not None:
                if not self._a_talker(word):
                    continue
            elif not (
                self._known(bare)
                or self._shapes.looks_like_a_name(bare)
                # A Slavic vocative without its ending ("Серёж", "Маш"): the name with it.
                or (_CYRILLIC.match(bare) is not None and any(
                    bare + end in self._names for end in ("а", "я")))
            ):  # fmt: skip
                continue
            if known_not_a_private_person(word, alone=True):
                continue
            findings.append(Finding("name", match.start(2), match.end(2), SINGLE_SCORE,
                                    self.name))  # fmt: skip
        return findings

    def _known_talker(self, label: str) -> bool:
        if _hiragana_given(label):
            return True
        if EAST_ASIAN_ANY.match(label) is not None:  # "刘思琪": a known surname, given name
            label = "".join(label.split())  # "佐藤 悠斗"
            return label in self._given or any(
                label[:n] in self._surnames and label[n:] in self._given for n in (1, 2)
            )
        return any(_bare(w) in self._strong for w in label.split())

    def _a_talker(self, label: str, *, titled: bool = False, speaking: bool = False) -> bool:
        """Whether ``label`` reads as a person's name where a turn's speaker or the one it
        speaks to stands. ``titled``: a kin word or a title stood before it in the label;
        ``speaking``: it labels turns (a Korean given name alone does only there)."""
        # An initial after the name says nothing either way ("Catarina L.").
        words = [_bare(w) for w in label.split() if not _AN_INITIAL.fullmatch(w)] or ["."]
        if any(w in _ROLES or w in _TITLES or w in _CUE_WORDS for w in words):
            return False
        if len(words) == 1 and words[0] in _FAMILY_LABELS:  # "Tía:", "Pap:"
            return False
        if not titled and any(w in self._common or w in self._very_common for w in words):
            if not all(self._known(w) for w in words):
                return False
        if _a_department(label) or field_class(label)[0] is not None or _role_handle(label):
            return False
        if _HANGUL_ANY.match(label) is not None:
            # Friends' chats label given names alone ("[동건]"), not kin ("[다온맘]").
            return self._korean_name(label) or (
                speaking
                and len(label) == 2
                and _HANGUL_ANY.match(label, 1) is not None
                and label not in self._common
                and not label.endswith(_KOREAN_KIN_ENDINGS)
            )
        if _hiragana_given(label):  # "けんじ:", "まさと:": Japanese friends' chat names
            return True
        if EAST_ASIAN_ANY.match(label) is not None:  # a known surname or given name begins it
            if " " in label or "\u3000" in label:  # "佐藤 悠斗", "比嘉 美代子"
                family = label.split()[0]
                return len(label) <= 8 and (family in self._surnames or family[0] in self._surnames)
            return len(label) <= 5 and (label[0] in self._surnames or label in self._given)
        # Words no list knows must be shaped like a name ("Radjesh", not "Analyst").
        shapes = self._shapes
        if not titled and not all(self._known(w) or shapes.looks_like_a_name(w) for w in words):
            return False
        return not known_not_a_private_person(label)

    def _kunyas(self, text: str) -> list[Finding]:
        """An Arabic kunya, "father of" or "mother of" and a given name ("أبو فهد", "لأبي
        سامر", "أم خالد"): what people call a parent; a place named so ("أبو ظبي") is none."""
        findings = []
        for match in _KUNYA.finditer(text):
            child = match.group(2)
            if child in _KUNYA_PLACES or f"{match.group(1)} {child}" in _KUNYA_THINGS:
                continue
            if child.startswith("ال"):
                child = child[2:]
            if child in self._given and not used_as_thing(text, match.start(1), match.end(2)):
                findings.append(Finding("name", match.start(1), match.end(2), PAIR_SCORE,
                                        self.name))  # fmt: skip
        return findings

    def _lower_turns(
        self, text: str, tokens: list[re.Match[str]], present: set[str]
    ) -> list[Finding]:
        """Known names typed in lower case as a chat line's speaker ("deshawn: yo toya ...",
        one line or many) and as the first word after it, the one spoken to ("kwame:
        kofi!! ...")."""
        findings = [
            Finding("name", m.start(1), m.end(1), LOWER_SCORE, self.name)
            for m in _LOWER_SPEAKER.finditer(text)
            if m.group(1) in present
            and m.group(1) not in _ROLES
            and m.group(1) not in _LOWER_ROLES
            and len(m.group(1)) >= 3
        ]
        findings.extend(
            Finding("name", m.start(), m.end(), LOWER_SCORE, self.name)
            for m in tokens
            if m.group() in present
            and len(m.group()) >= 3
            and m.group() not in self._very_common
            and m.group() not in _TITLES
            and _first_of_a_turn(text, m.start(), self._common)
            and _ADDRESSEE_AFTER.match(text, m.end()) is not None
        )
        return findings

    def _mentions(self, text: str) -> list[Finding]:
        """A chat's mention of a person: a given name ("@chinedu", "@Sasha") or a login made
        of a person's names ("@mrossi", "@jiwoo.park"); "@here", "@channel", "@devops" are
        no one."""
        findings = []
        for match in _MENTION.finditer(text):
            if self._a_persons_handle(match.group(1).lower()):
                findings.append(Finding("name", match.start(1), match.end(1), LOWER_SCORE,
                                        self.name))  # fmt: skip
        return findings

    def _users(self, text: str) -> list[Finding]:
        """The login after a word for a system's user, where it is a person's: made of their
        names, or with their name in brackets after it ("user sgowda (Shivakumar Gowda)")."""
        findings = []
        for match in self._user_logins(text):
            group = 1 if match.group(1) else 2
            login = match.group(group)
            if login in SYSTEM_ACCOUNTS or login in self._common or login in _ROLES:
                continue
            if self._a_persons_handle(login) or (_NAMED_AFTER.match(text, match.end()) is not None):
                findings.append(Finding("name", match.start(group), match.end(group),
                                        LOWER_SCORE, self.name))  # fmt: skip
        return findings

    @staticmethod
    def _user_logins(text: str) -> Iterator[regex.Match[str]]:
        """``_USER_LOGIN`` tried only where a word for a user stands (few places), rather
        than at every position of the text."""
        for hint in _USER_HINT.finditer(lowered(text)):
            start = hint.start()
            if hint.group().startswith("kullan"):  # the login before: "X kullanıcısı"
                found = _USER_LOGIN.search(text, max(0, start - 40), hint.end() + 8)
            else:
                found = _USER_LOGIN.match(text, start)
            if found is not None:
                yield found

    def _a_persons_handle(self, handle: str) -> bool:
        bare = handle.rstrip("0123456789")
        if bare in self._lower_names:
            return len(bare) >= 3 and bare not in _ROLES and bare not in SYSTEM_ACCOUNTS
        return persons_login(handle)

    def _lone_lower(
        self, text: str, tokens: list[re.Match[str]], present: set[str]
    ) -> list[Finding]:
        """In a message typed all in lower case ("mikael is out sick today, wei will cover"),
        a known name that stands as a word of prose is a person: not in a line of code or
        data, not glued to punctuation ("sha256", "org.apache"), not after an article ("the
        julia notebook"), nor before a birth phrase, where ``_born`` finds lower-case words
        too often a word ("firman fyller 25 år", "pappa fyller")."""
        findings = []
        births = {start for start, _ in _BIRTH_PREDICATES.occurrences(text)}
        for match in tokens:
            word = match.group()
            if word not in present or word in self._very_common:
                continue
            start, end = match.span()
            if (
                text[start - 1 : start] not in _PROSE_BEFORE
                or text[end : end + 1] not in _PROSE_AFTER
            ):
                continue
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", end)
            if _CODE_LINE.search(text, line_start, line_end if line_end >= 0 else len(text)):
                continue
            if _ARTICLE_BEFORE.search(text, max(0, start - 6), start) is not None:
                continue
            if end + 1 in births or end + 3 in births:  # "x fyller", "x's birthday"
                continue
            findings.append(Finding("name", start, end, LOWER_SCORE, self.name))
        return findings

    def _trimmed(self, segment: list[int], words: list[str], run: list[Match]) -> list[int]:
        """Particles never start or end a name, nor do unknown words of a caseless script
        (a Hindi or Arabic verb after a name looks no different from a name)."""

        def loose(i: int) -> bool:
            word = words[i]
            if word in _PARTICLES:
                return True
            return word not in self._names and bool(_CASELESS.match(run[i].group()))

        while segment and loose(segment[-1]):
            segment = segment[:-1]
        while segment and loose(segment[0]):
            segment = segment[1:]
        return segment

    def _loose_caseless(self, word: str, match: Match) -> bool:
        return word not in self._names and bool(_CASELESS.match(match.group()))

    def _is_name(self, words: list[str]) -> bool:
        if words[0] in PLACE_WORDS or any(w in STREET_WORDS or w in ORG_WORDS for w in words):
            return False
        known = [w for w in words if self._known(w) or w in _PARTICLES]
        strong = [w for w in known if w not in self._very_common and w not in _PARTICLES]
        unknown = [w for w in words if w not in known]
        if len(strong) >= 2:
            return True
        if strong and (
            (len(known) - len(strong) >= 1 and not unknown)
            or (len(unknown) == 1 and all(len(w) >= 3 for w in words))
        ):
            return True
        # Names the lexicon does not know ("Tigist Alemayehu"): every unknown word shaped
        # like a name, at least two of them, and nothing else but known names.
        shapes = self._shapes
        return (
            len(unknown) >= 2
            and len(known) == len(strong)
            and all(w not in self._loose and shapes.looks_like_a_name(w) for w in unknown)
        )

    def _known(self, word: str) -> bool:
        if word in self._names:
            return True
        parts = word.split("-")
        if len(parts) > 1 and all(p in self._names for p in parts):
            return True
        return self._inflected(word, self._strong)

    def _inflected(self, word: str, names: frozenset[str], *, loose: bool = True) -> bool:
        """A name in a case ending of a language that declines names ("Tomasza",
        "Ondřejovi", "Dórának", "Наташе", "Андрієві", "Γιώργο"): a known name once the
        ending is put back to the name's own, and no common word as written."""
        if len(word) < 4 or word in self._common or word in self._very_common:
            return False
        for size in (4, 3, 2, 1):
            ending = word[-size:]
            replacements = _CASE_ENDINGS.get(ending)
            # One Latin letter is too loose for a name without a cue: "Lille", "Medan".
            if replacements is None or (not loose and size == 1 and ending.isascii()):
                continue
            stem = word[:-size]
            # Hungarian lengthens a name's last vowel before an ending ("Dórának").
            stem = stem[:-1] + _SHORT_VOWEL.get(stem[-1:], stem[-1:])
            if any(len(stem + r) >= 3 and stem + r in names for r in replacements):
                return True
        return False

    # -- scripts without spaces -----------------------------------------------------------

    def _east_asian(self, text: str) -> list[Finding]:
        # Katakana and hangul names before an honorific: the honorific is a title's evidence.
        findings = [
            Finding("name", m.start(), m.end(), TITLE_SCORE, self.name)
            for m in _HONORED.finditer(text)
            if m.group() not in _TITLE_STEMS
            # A title and a particle ("우장춘 박사와 씨 없는 수박": 씨 is a seed there).
            and not (m.group()[-1] in _KOREAN_PARTICLES and m.group()[:-1] in _TITLE_STEMS)
        ]
        # Korean given names spoken to or about ("수빈아", "준호한테"): the vocative and the
        # dative of a person follow a name directly.
        for match in _KOREAN_ADDRESSED.finditer(text):
            if match.group(1) in self._given:
                findings.append(Finding("name", match.start(1), match.end(1), SINGLE_SCORE,
                                        self.name))  # fmt: skip
        for match in _KOREAN_NAME_PARTICLE.finditer(text):
            name = match.group(1)
            if name in self._given and (
                match.group(2) or (name not in self._common and name not in self._very_common)
            ):
                findings.append(Finding("name", match.start(1), match.end(1), SINGLE_SCORE,
                                        self.name))  # fmt: skip
        if _HANGUL_ANY.search(text) is not None:
            findings.extend(self._korean(text))
        # Japanese given names in hiragana before くん, ちゃん, さん or 先輩 ("はるとくん",
        # "ともみ先輩"), kin and common words aside.
        # The honorific is the evidence, as for katakana names: kept whatever the scorer says.
        for match in _HIRAGANA_BEFORE_SUFFIX.finditer(text):
            word, start = match.group(1), match.start(1)
            # A particle after kanji is no name's first sound: "山田のゆうきくん" names ゆうき,
            # "知念のおじさん" an uncle.
            if word[0] in _KANA_PARTICLES and start and _HAN_ONLY.match(text, start - 1):
                word, start = word[1:], start + 1
                if len(word) < 2:
                    continue
            if word not in _HIRAGANA_KIN and not (word.endswith("や") and len(word) > 2):
                findings.append(Finding("name", start, match.end(1), TITLE_SCORE,
                                        self.name))  # fmt: skip
        # Japanese given names in kanji alone before an honorific ("健一さん", "拓也さん"):
        # a known given name that spells no word ("息子さん", a son, is one).
        for match in _HAN_GIVEN_HONORED.finditer(text):
            word = match.group(1)
            if word in self._given and word not in _TITLE_STEMS and word not in self._common:
                findings.append(Finding("name", match.start(1), match.end(1), SINGLE_SCORE,
                                        self.name))  # fmt: skip
        # A child's name before a parent's or grandparent's word, as parents' group chats
        # name each other ("浩浩妈妈", "佳怡爸爸"): a known given name, or one said twice.
        for match in _CHILDS_PARENT.finditer(text):
            child = match.group(1)
            # The parent's word is a title's evidence, as a kin word before a name is.
            if (child in self._given or child[0] == child[1]) and child not in self._han_words:
                findings.append(Finding("name", match.start(1), match.end(1), TITLE_SCORE,
                                        self.name))  # fmt: skip
        findings.extend(self._kin_named_east_asian(text))
        # A name in Latin letters before a Korean or Japanese honorific ("Nattaya 씨가",
        # "Müller 様"): a known name, the honorific the title.
        for match in _LATIN_HONORED.finditer(text):
            words = [_bare(w) for w in match.group(1).split()]
            if all(
                (w in self._given or w in self._surnames)
                and w not in self._common
                and w not in ORG_WORDS
                for w in words
            ):
                findings.append(Finding("name", match.start(1), match.end(1), TITLE_SCORE,
                                        self.name))  # fmt: skip
        # Only in Japanese text (kana in it): Chinese shares the kanji, not the particles.
        if _KANA.search(text) is not None:
            findings.extend(self._self_introduced_japanese(text))
            for match in _JAPANESE_ALONE.finditer(text):
                group = 1 if match.group(1) else 2
                name = match.group(group)
                if (
                    (name in self._given or name in self._surnames)
                    and name not in self._very_common
                    and name not in self._common
                    and name not in _HIRAGANA_KIN
                ):
                    findings.append(Finding("name", match.start(group), match.end(group),
                                            SINGLE_SCORE, self.name))  # fmt: skip
        for match in _LABELLED_HAN.finditer(text):
            value = match.group()
            if any(value[:n] in self._surnames for n in (3, 2, 1)):
                findings.append(Finding("name", match.start(), match.end(), SINGLE_SCORE,
                                        self.name))  # fmt: skip
        for match in _EAST_ASIAN.finditer(text):
            chunk = match.group()
            base = match.start()
            # Right after a number, characters are its unit ("5万円", "3万人"), no name.
            i = 1 if base and text[base - 1].isdigit() else 0
            while i < len(chunk) - 1:
                found = self._east_asian_name(chunk, i)
                if found:
                    findings.append(
                        Finding("name", base + i, base + i + found, PAIR_SCORE, self.name)
                    )
                    i += found
                else:
                    i += 1
        return findings

    def _kin_named_east_asian(self, text: str) -> list[Finding]:
        """A known given name right after a kin word in Chinese or Japanese ("女儿婷婷今年",
        "外婆叫秀珍", "妻のあゆみが", "祖母のキヨの家"): the kin word is a title's evidence.
        Han names of two characters or more; a word of the Chinese word list only before a
        mark or kana ("息子の翔太（"), not inside running Han text."""
        findings = []
        for match in _CJK_KIN_NAMED.finditer(text):
            run, start = match.group(1), match.start(1)
            for length in range(len(run), 1, -1):
                name = run[:length]
                after = text[start + length : start + length + 1]
                if name not in self._given or name in self._common or name in _HIRAGANA_KIN:
                    continue
                if _HAN_ONLY.fullmatch(name) is not None:
                    if _HAN_ONLY.match(after) is not None and name in self._han_words:
                        continue
                elif after and after[0] not in _KANA_PARTICLES and _KANA.match(after):
                    continue  # a kana name ends before a particle or a mark
                findings.append(Finding("name", start, start + length, TITLE_SCORE, self.name))
                break
        return findings

    def _self_introduced_japanese(self, text: str) -> list[Finding]:
        """A caller's or an agent's own name as Japanese says it: "近藤と申します", "高橋 和子と
        申します", "担当の中村でございます", "総務部の佐藤です": a known surname, alone or
        before a known given name ("人事部の方針です" is a policy)."""
        findings = []
        for match in _JAPANESE_SELF_NAMED.finditer(text):
            group = 1 if match.group(1) else 2
            value = match.group(group)
            compact = value.replace(" ", "").replace("\u3000", "")
            if (
                len(compact) >= 2
                and compact not in self._common
                and (
                    compact in self._surnames
                    or any(
                        compact[:n] in self._surnames and compact[n:] in self._given
                        for n in (1, 2, 3)
                    )
                )
            ):
                findings.append(
                    Finding("name", match.start(group), match.end(group), TITLE_SCORE, self.name)
                )
        return findings

    def _korean(self, text: str) -> list[Finding]:
        """Korean names by what follows them: a job title or form of address ("박룡철
        고객님"), the copula after a word asking whose name it is ("신청인은 오유진이고"), or
        the 이 a given name takes when spoken of ("지훈이 번호")."""
        findings = []
        for match in _KOREAN_TITLED.finditer(text):
            if self._korean_name(match.group(1)):
                findings.append(Finding("name", match.start(1), match.end(1), TITLE_SCORE,
                                        self.name))  # fmt: skip
        for match in _KOREAN_SURNAME_TITLED.finditer(text):
            surname = match.group(1)
            if surname in _KOREAN_SURNAMES and surname not in _NOT_A_KOREAN_SURNAME:
                findings.append(Finding("name", match.start(1), match.end(1), TITLE_SCORE,
                                        self.name))  # fmt: skip
        for match in _KOREAN_STATED.finditer(text):
            if self._korean_name(match.group(1)):
                findings.append(Finding("name", match.start(1), match.end(1), SINGLE_SCORE,
                                        self.name))  # fmt: skip
        for match in _KOREAN_FAMILIAR.finditer(text):
            name = match.group(1)
            # Only a name ending in a consonant takes the 이 ("민수" does not: "민수가").
            if (
                (ord(name[-1]) - 0xAC00) % 28
                and name in self._given
                and name not in self._common
                and name not in self._very_common
            ):
                findings.append(Finding("name", match.start(1), match.end(1), SINGLE_SCORE,
                                        self.name))  # fmt: skip
        return findings

    def _korean_name(self, word: str) -> bool:
        """A Korean given name the lexicon holds, or a full name: a family name, then two
        syllables given names are made of, spelling no common word ("김춘화", "박룡철")."""
        if word in self._common or word in self._very_common:
            return False
        if len(word) == 2:
            return word in self._given
        for surname_length in (1, 2):
            given = word[surname_length:]
            if (
                word[:surname_length] in _KOREAN_SURNAMES
                and len(given) == 2
                and given not in self._common
                and all(s in self._korean_syllables for s in given)
            ):
                return True
        return False

    def _han_pair_alone(self, chunk: str, i: int) -> bool:
        """Whether the two Han characters at ``chunk[i]`` spell no word, nor does either with
        its neighbour outside the pair ("老王说" holds "王说"? no word: a name may start)."""
        pair = chunk[i : i + 2]
        words = self._han_words
        return (
            len(pair) == 2
            and _HAN_ONLY.fullmatch(pair) is not None
            and pair not in words
            and chunk[i - 1 : i + 1] not in words
            and chunk[i + 1 : i + 3] not in words
        )

    def _east_asian_name(self, chunk: str, i: int) -> int:
        """The length of a name starting at ``chunk[i]``, or 0."""
        # A familiar form: 小/老/阿 and a surname or a one-character given name ("老刘",
        # "小王", "阿强"), where it spells no word ("老师", "小时", "阿姨").
        if chunk[i] in "小老阿" and (chunk[i + 1 : i + 2] in self._surnames
                                    or chunk[i + 1 : i + 2] in self._given):  # fmt: skip
            if self._han_pair_alone(chunk, i):
                return 2
        # Korean separates words by spaces: a name begins one ("사장님" holds no "장").
        if i and "\uac00" <= chunk[i] <= "\ud7af" and chunk[i - 1] not in " \u3000":
            return 0
        for surname_length in (2, 1):
            surname = chunk[i : i + surname_length]
            if len(surname) < surname_length or surname not in self._surnames:
                continue
            rest = i + surname_length
            space = 1 if chunk[rest : rest + 1] in (" ", "\u3000") else 0
            for given_length in (3, 2, 1):
                given = chunk[rest + space : rest + space + given_length]
                if len(given) == given_length and given in self._given:
                    end = rest + space + given_length
                    # A one-character given name is a name with an honorific after it, or
                    # where neither it nor its neighbours spell a word ("王磊说", not "周末").
                    if given_length > 1 or chunk.startswith(CJK_HONORIFICS, end):
                        return end - i
                    if surname_length == 1 and not space and self._han_pair_alone(chunk, i):
                        return 2
            if chunk.startswith(CJK_HONORIFICS, rest + space):
                if surname in _NOT_A_KOREAN_SURNAME:
                    return 0  # "전 팀장님": the former team leader
                return surname_length
            # A given name no list holds, between a known surname and an honorific
            # ("梁家伟先生"; a space may stand before the honorific), where neither it nor
            # the surname's pair with it is a word ("谢各位老师": 各位, everyone).
            for given_length in (2, 1):
                start = rest + space
                given = chunk[start : start + given_length]
                end = start + given_length
                tail = end + (1 if chunk[end : end + 1] in (" ", "\u3000") else 0)
                if (
                    len(given) == given_length
                    and _HAN_ONLY.fullmatch(given) is not None
                    and given not in self._han_words
                    and (surname + given)[:2] not in self._han_words
                    and chunk.startswith(CJK_HONORIFICS, tail)
                ):
                    return end - i
            # Japanese writes a space between surname and given name ("石井 隼人").
            if space and surname_length == 2:
                given = _GIVEN_AFTER_SPACE.match(chunk, rest + space)
                if given is not None:
                    return given.end() - i
        return 0


# A case ending after an apostrophe ends a name ("Orhan Pamuk'un Kara Kitap romanı"): the
# next capitalised word is another's (a book's). Not "O'brien", nor English "'s".
_CASE_SUFFIX = re.compile(r"\w\w['\u2019](?!s$)[a-zçğıöşüâîû]+$")


# The areas of the time zone database's names ("Europe/Paris", "America/Lima").
_TIME_ZONE_AREAS = frozenset(
    "Africa America Antarctica Arctic Asia Atlantic Australia Europe Indian Pacific Etc".split()
)


def _runs(
    text: str, tokens: list[re.Match[str]], names: frozenset[str]
) -> Iterator[list[re.Match[str]]]:
    """Runs of name-shaped words joined by a space, a no-break space or the airline slash;
    lower-case particles may sit inside ("Ludwig van Beethoven"), and a full stop may come
    first only after an abbreviation or an initial ("Dr. Ana", "J. R. Okafor"), never after a
    sentence's last word ("... Watanabe. Please")."""
    run: list[re.Match[str]] = []
    last_end = -2
    for match in tokens:
        word = match.group()
        first = word[0]
        shaped = first.isupper() or (first >= "\u0590" and first.lower() == first.upper())
        if run:
            start = match.start()
            if start == last_end + 1:
                joined = text[last_end] in " \u00a0" or (
                    # The airline slash ("SMITH/JOHN"), not a time zone's ("America/Lima").
                    text[last_end] == "/" and run[-1].group() not in _TIME_ZONE_AREAS
                )
            else:
                joined = (
                    start == last_end + 2
                    and text[last_end] == "."
                    and text[last_end + 1] in " \u00a0"
                    and _abbreviation(run[-1].group(), names)
                )
            # A word of a script without case goes on no run of cased words, nor the other
            # way: "Anna Schmidt さんから" is a name, then Japanese.
            previous = run[-1].group()[0]
            if (
                joined
                and (shaped or word in _PARTICLES)
                and _CASE_SUFFIX.search(run[-1].group()) is None
                and (first.lower() == first.upper()) == (previous.lower() == previous.upper())
            ):
                run.append(match)
                last_end = match.end()
                continue
            while run and run[-1].group() in _PARTICLES:
                run.pop()
            if run:
                yield run
            run = []
        if shaped:
            run.append(match)
            last_end = match.end()
    while run and run[-1].group() in _PARTICLES:
        run.pop()
    if run:
        yield run


def _abbreviation(word: str, names: frozenset[str]) -> bool:
    """A short word a full stop may follow inside a name: an initial, a title or another
    abbreviation ("J. R. Okafor", "Dr. Ana", "Tn. Moh. Holis"); a short name is none ("...
    Ana Lima. Room 4")."""
    if len(word) <= 2:
        return True
    lower = word.lower()
    return len(word) <= 4 and (lower not in names or lower in _TITLES or f"{lower}." in _TITLES)


_TURN_START = re.compile(r"(?:\[[^\]\n]{0,20}\][ \t]*)*(?:[\w .'-]{1,24}:)?[ \t]*")


def _titled_before(text: str, start: int) -> bool:
    """Whether a title in lower case and one space stand right before ``start``, the
    particles of a surname aside ("meneer de Vries", "Herr von Weizsäcker")."""
    if start < 3 or text[start - 1] not in " \u00a0":
        return False
    before = text[max(0, start - 14) : start - 1]
    word = before[max(before.rfind(" "), before.rfind("\u00a0")) + 1 :]
    if word in _SURNAME_PARTICLES:  # rare: the words before the particles are read then
        words = text[max(0, start - 30) : start - 1].replace("\u00a0", " ").split(" ")
        while len(words) > 1 and words[-1] in _SURNAME_PARTICLES:
            words.pop()
        word = words[-1]
    return word.lstrip("([{\"'«„“").lower() in _LOWER_TITLES


# A surname's particles before it ("de Vries"), not the conjunctions among them ("y", "e").
_SURNAME_PARTICLES = NAME_PARTICLES - {"y", "e"}


# A turn of a conversation: an optional time or tag, then its speaker, one to three
# capitalised words or a name in a script without case, an optional remark in brackets, and a
# colon ("[00:00:19] Ben Ashworth: ...", "Tereza Dvořáková (00:02:15): ...", "艾力：...").
# Captions mark a new speaker with ">>", and there the speaker may be in capitals (">>
# SENTHIL: ..."); elsewhere a label in capitals is a form's or a script's.
_TALK_LINE = regex.compile(
    r"^[ \t]*((?:\[[^\]\n]{1,24}\][ \t]*|\(?\d{1,2}:\d{2}(?::\d{2})?\)?[ \t]+|>>?[ \t]*)*)"
    r"((?:\p{Lu}[\p{Ll}\p{M}'\-]+(?:-\p{Lu}[\p{Ll}\p{M}']+)?)"
    r"(?:[ \t]\p{Lu}[\p{Ll}\p{M}'\-]+(?:-\p{Lu}[\p{Ll}\p{M}']+)?){0,2}"
    # ... an initial after the name ("Catarina L."), a team's or a role's letters ("Jéssica
    # RH", "Carol BR").
    r"(?:[ \t]\p{Lu}\.|[ \t]\p{Lu}{2,3}(?=[ \t]*[:：]))?"
    r"|(?<=>>[ \t]{0,2})\p{Lu}[\p{Lu}\p{M}'\-]+(?:[ \t]\p{Lu}[\p{Lu}\p{M}'\-]+){0,2}"
    r"|[\p{Han}\p{Hangul}\p{Hiragana}\p{Katakana}][\p{Han}\p{Hangul}\p{Hiragana}\p{Katakana}·・]{1,7}"
    r"|\p{Arabic}[\p{Arabic}\p{M}]+(?:[ ]\p{Arabic}[\p{Arabic}\p{M}]+)?"
    r"|\p{Devanagari}[\p{Devanagari}\p{M}]+(?:[ ]\p{Devanagari}[\p{Devanagari}\p{M}]+)?)"
    # The time may follow the speaker, as chat exports write it ("Steffi 14:02: hast du").
    r"(?:[ \t]+\d{1,2}:\d{2}(?:[ \t]*[AaPp][Mm])?)?"
    # An emoji after the name ("Dudinha 🌸:").
    r"(?:[ \t]*[\p{So}\p{Sk}\u200d\ufe0f]+)?"
    r"[ \t]*(?:\([^)\n]{1,24}\))?[ \t]*[:：][ \t]*(?=\S)",
    regex.MULTILINE,
)
# KakaoTalk's and others' exports: "[동건] [오후 4:44] ...", "[Jocke] 22:01 ...".
_BRACKET_TALK_LINE = regex.compile(
    r"([ \t]*)\[([^\]\n\[\d:]{1,24})\][ \t]*"
    r"(?:\[[^\]\n]{0,8}\d{1,2}:\d{2}[^\]\n]{0,8}\]|\d{1,2}:\d{2})[ \t]+(?=\S)"
)


# Words before a speaker's name in a label (kin, titles, a boss): "Tia Nice", "Chefe Marcão".
_LABEL_PREFIXES = _FAMILY_LABELS | frozenset("chefe chef jefe boss capo prof prof. dr dr.".split())
# ... and after it: Korean and Japanese forms of address ("수아 언니", "승기 선배").
_LABEL_SUFFIXES = frozenset("언니 오빠 누나 형 선배 씨 님 선생님 さん くん ちゃん 様 先輩".split())
_KOREAN_KIN_ENDINGS = ("맘", "마", "빠")
_AN_INITIAL = regex.compile(r"\p{Lu}\.")

# The writer speaking of themselves: "I", "I'm", "my", "me" (English chats).
_FIRST_PERSON_SAID = re.compile(r"(?<![\w'])(?:I|I'm|I’m|my|My|me|mine)(?![\w'])")


def _line_end(match: regex.Match[str]) -> int:
    end = match.string.find("\n", match.end())
    return end if end >= 0 else len(match.string)


# A turn of a chat app's export in columns, time, speaker and message between tabs (LINE:
# "19:45\t佐藤 悠斗\tいらない、残業"); a remark in brackets after the speaker ("山本(そうたママ)").
_TAB_TALK_LINE = regex.compile(
    r"([ \t]*\d{1,2}:\d{2}(?::\d{2})?\t)"
    r"([^\t\n()（）:：]{1,20}?)[ ]*(?:[(（][^)）\n]{1,12}[)）])?\t(?=\S)"
)


def _talk_lines(text: str) -> list[regex.Match[str]]:
    """``_TALK_LINE`` (or ``_TAB_TALK_LINE``) tried at each line's start: ``finditer`` tries
    its "^" at every position of the text, three times the cost. No turn spans two lines."""
    turns = []
    tabbed = "\t" in text
    start = 0
    while start >= 0:
        if (turn := _TALK_LINE.match(text, start)) is not None:
            turns.append(turn)
        elif tabbed and (turn := _TAB_TALK_LINE.match(text, start)) is not None:
            turns.append(turn)
        elif (
            text.startswith("[", start)
            and (turn := _BRACKET_TALK_LINE.match(text, start)) is not None
        ):
            if not turn.group(2).isupper():  # "[INFO] 10:22 ...": a log's level
                turns.append(turn)
        start = text.find("\n", start)
        start = start + 1 if start >= 0 else -1
    return turns


# A bracketed value right after a name, and the words right before a bracketed name.
_ALIAS_AFTER = regex.compile(r"[ \t]*[(（][ \t]*([^()（）\n\d@:/,;]{2,40}?)[ \t]*[)）]")
_ALIAS_BEFORE = regex.compile(
    r"((?:\p{Lu}[\p{L}\p{M}'\-]+|[\p{Han}\p{Hangul}\p{Katakana}ー・·]+)"
    r"(?:[ \t](?:\p{Lu}[\p{L}\p{M}'\-]+|[\p{Han}\p{Hangul}\p{Katakana}ー・·]+)){0,3}"
    r"|[\p{Arabic}\p{Devanagari}\p{M}]+(?:[ \t][\p{Arabic}\p{Devanagari}\p{M}]+){0,3})"
    r"[ \t]*[(（]\Z"
)
# A name in a script without case: katakana, hangul or Han words, or Arabic, Devanagari,
# Hebrew or Thai ones; a few of them.
_ALIAS_CASELESS = regex.compile(
    r"[\p{Katakana}ー・·]{2,20}(?:[ \u3000][\p{Katakana}ー・·]{1,20}){0,2}"
    # A reading in hiragana, as Japanese forms write it ("金 英子（かねもと えいこ）").
    r"|\p{Hiragana}{2,8}[ \u3000]\p{Hiragana}{1,8}|\p{Hiragana}{3,10}"
    r"|\p{Hangul}{1,6}(?:[ ]\p{Hangul}{1,6}){0,2}"
    r"|\p{Han}{2,4}(?:[ \u3000·・]\p{Han}{1,3})?"
    r"|[\p{Arabic}\p{Hebrew}\p{Devanagari}\p{Thai}\p{M}]+"
    r"(?:[ ][\p{Arabic}\p{Hebrew}\p{Devanagari}\p{Thai}\p{M}]+){0,3}"
)
# A chat turn's first word before a comma or a mark, an interjection before it allowed.
_ADDRESSED_IN_TURN = regex.compile(
    r"^[ \t]*(?:\[[^\]\n]{1,24}\][ \t]*|\(?\d{1,2}:\d{2}(?::\d{2})?\)?[ \t]+)*"
    r"([\p{L}][\p{L}\p{M}.'\-]{0,20}(?:[ \t][\p{L}][\p{L}\p{M}.'\-]{0,20}){0,2})[ \t]*"
    r"(?:\([^)\n]{1,24}\))?[ \t]*[:：][ \t]+"
    r"(?:(?i:ok|okay|oké|okej|great|so|and|yes|yeah|no|hey|hi|thanks|right|sure|well|und|y|e|et|"
    r"и|ну|да|ja|sí|si|oui|tak|evet|ya|dạ|vâng)[,.!]?[ \t]+)?"
    r"(\p{Lu}[\p{Ll}\p{M}'\-]+|[\p{Lo}\p{M}]{2,8})(?=[ \t]*[,!?，、！？])",
    regex.MULTILINE,
)
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_ARABIC_PROCLITICS = frozenset("وفبل")
_KUNYA_HINTS = ("أب", "أم", "ابو", "ابي", "ام ")
# Places named like a kunya (Abu Dhabi, Umm al-Quwain, Omdurman, Umm Qasr, Umm al-Fahm), and
# things and famous people: Umm Ali (a dessert), Umm Kulthum, Abu Trika.
_KUNYA_PLACES = frozenset("ظبي القيوين درمان قصر الفحم كبير تيج حمد".split())
_KUNYA_THINGS = frozenset({"أم علي", "ام علي", "أم كلثوم", "ام كلثوم", "أبو تريكة", "ابو تريكة"})
_KUNYA = regex.compile(
    r"(?<!\p{Arabic})[وفبل]?(أبو|أبي|أبا|ابو|ابي|أم|ام)[ ]+(\p{Arabic}{2,})(?!\p{Arabic})"
)
_LOWER_SPEAKER = re.compile(
    r"^[ \t]*(?:\[[^\]\n]{1,24}\][ \t]*)*([a-z]{2,20})[ \t]*:[ \t]+(?=\S+[ \t]+\S)",
    re.MULTILINE,
)
# After the one spoken to, more words on the line: a data line's value stands alone
# ("language: ruby").
_ADDRESSEE_AFTER = re.compile(r"[!?,.~]*[ \t]+\S+[ \t]+\S")
# A chat turn's speaker, then the one addressed ("kwame: kofi!! ...", "sione: bro josaia"):
# a call word may stand between.
_TURN_THEN_ADDRESSED = re.compile(
    r"(?:^|\n)[ \t]*(?:\[[^\]\n]{1,24}\][ \t]*)*([\w.\-]{2,24})[ \t]*:[ \t]+"
    r"(?:(?:yo|hey|hi|oi|bro|sis|ey|ok|okay|so|and)[ \t,]+)?\Z"
)


# Team words written onto a team's name in scripts without spaces ("영업팀", "技术组"); "部"
# ends surnames too ("阿部", "服部"): departments with it are listed.
_DEPARTMENT_SUFFIX = re.compile(r"[\u3040-\u9fff\uac00-\ud7af]+(?:팀|부서|센터|组|課)")


def _a_department(label: str) -> bool:
    return label.lower() in DEPARTMENT_WORDS or _DEPARTMENT_SUFFIX.fullmatch(label) is not None


def _first_of_a_turn(text: str, start: int, common: frozenset[str]) -> bool:
    """Whether ``start`` is the first word of a chat turn after its speaker: the one spoken
    to ("kwame: kofi!! ..."). A form's or a note's label is no speaker ("note: grace ...")."""
    line_start = text.rfind("\n", 0, start) + 1
    turn = _TURN_THEN_ADDRESSED.search(text, max(0, line_start - 1), start)
    if turn is None:
        return False
    speaker = turn.group(1).lower()
    return (
        speaker not in common
        and speaker not in _ROLES
        and speaker not in _LOWER_ROLES
        and field_class(speaker)[0] is None
    )


def _begins_a_turn(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    return _TURN_START.fullmatch(text, line_start, start) is not None


_PROSE_BEFORE = frozenset(("", " ", "\n", "\t", "@"))
_PROSE_AFTER = frozenset(("", " ", "\n", ",", ".", "!", "?", ";", ":"))
# A line of code, markup or data: its words are identifiers, not people.
_CODE_LINE = re.compile(r"[=\{\}\"<>/_|\\]|--")
_ARTICLE_BEFORE = re.compile(
    r"(?:^|\s)(?:the|a|an|le|la|les|el|los|las|der|die|das|il|lo|gli|de|het)\s$"
)


# A capitalised word of a cased script, and what must not stand right before or after it.
_CAPITALISED_WORD = regex.compile(
    r"(?<![\p{L}\p{M}\d'\-])\p{Lu}[\p{Ll}\p{M}]+(?:-\p{Lu}?[\p{Ll}\p{M}]+)?(?![\p{L}\p{M}\d])"
)
_SENTENCE_START = regex.compile(r"(?:^|[.!?:;\n\"'(\[{>*•\-–—|])[ \t]*\Z")
_CAPITALISED_BEFORE = regex.compile(r"\p{Lu}[\p{L}\p{M}.'\-]*[ \t]+\Z")
_CAPITALISED_AFTER = regex.compile(r"[ \t]+\p{Lu}")


def _covered(findings: Iterable[Finding], length: int) -> bytearray:
    """1 where a finding stands: whether a span meets any of thousands is one C call."""
    covered = bytearray(length)
    for f in findings:
        covered[f.start : f.end] = b"\x01" * (f.end - f.start)
    return covered


def _role_handle(label: str) -> bool:
    """A handle of parts, one naming a role or a team ("ops-bot", "qa-team"); "Dev" alone may
    be a person."""
    parts = re.split(r"[-_.]", label.lower())
    return len(parts) > 1 and not _ROLE_PARTS.isdisjoint(parts)


def _typed_in_lower_case(tokens: list[re.Match[str]]) -> bool:
    capitalised = sum(1 for m in tokens if m.group()[0].isupper())
    return capitalised <= len(tokens) * LOWER_CASE_SHARE


def _addressed_lower(text: str, start: int) -> bool:
    """Whether the one or two words right before ``start`` (spaces only between) are a
    greeting, a thanks or a cue: "thanks priya", "hej mads", "xin chào lan"."""
    before = text[max(0, start - 24) : start]
    if not before.endswith(" "):
        return False
    words = before.split()
    if words and words[-1] in ("—", "–", "-"):  # "– dane osobowe": a dash, no cue
        return False
    for count in (1, 2):
        if len(words) >= count:
            tail = " ".join(words[-count:]).lstrip(",.!?]")
            if _ADDRESSED_LOWER.fullmatch(tail) is not None:
                return True
    return False


_VOCATIVE_AFTER = regex.compile(r", \p{Ll}")


def _vocative(text: str, start: int, end: int) -> bool:
    """A name that opens a message, followed by a comma and the message ("Kasia, podeślesz
    te faktury?"): the person spoken to; "Paris, France" goes on with a capital."""
    return (
        not text[start:end].isupper()  # "SAMU, j'écoute": an acronym
        and _VOCATIVE_AFTER.match(text, end) is not None
        and _begins_a_turn(text, start)
    )


_RUN_BEFORE = regex.compile(r"(\p{Lu}[\p{L}\p{M}'\-]*)(\.?)[ \u00a0]\Z")
_RUN_AFTER = regex.compile(
    r"[ \u00a0](?:\p{Lu}|(?:van|von|de|da|di|del|du|le|la|bin|al)[ \u00a0]\p{Lu})"
)


def _in_a_run(text: str, start: int, end: int, names: frozenset[str]) -> bool:
    """Whether a capitalised word stands beside another ("Ludwig van Beethoven", "Peach
    Melba"): runs are the rules' to judge, and one the rules turned down is no person. A
    full stop between them ends the run unless an abbreviation ends in it, as ``_runs``
    has it ("Dr. Ana"; not "... in October. Derek explained")."""
    before = _RUN_BEFORE.search(text, max(0, start - 30), start)
    if before is not None and (not before.group(2) or _abbreviation(before.group(1), names)):
        return True
    return _RUN_AFTER.match(text, end) is not None


# A word of prose, not a piece of an identifier, a path or a hash ("trace-3fdana9", "org.eva").
_GLUED_BEFORE = frozenset("-_./@\\:#=&?%+~$")
_GLUED_AFTER = frozenset("-_/@\\=&%+~$")


def _standalone(text: str, start: int, end: int) -> bool:
    before = text[start - 1 : start]
    after = text[end : end + 1]
    if before and (before.isalnum() or before in _GLUED_BEFORE):
        return False
    if after and (after.isalnum() or after in _GLUED_AFTER):
        return False
    # "org.apache", "eva.json": a full stop glued to a word or a digit goes on as a name.
    return not (after in ".:" and text[end + 1 : end + 2].isalnum())


def _best(findings: list[Finding]) -> list[Finding]:
    """Several rules may find the same span: its best score, once."""
    best: dict[tuple[int, int], Finding] = {}
    for finding in findings:
        kept = best.get((finding.start, finding.end))
        if kept is None or finding.score > kept.score:
            best[finding.start, finding.end] = finding
    return list(best.values())


_VOWELS = frozenset("aeiouy")
# The accounts systems and their software create, whatever names they resemble.
SYSTEM_ACCOUNTS = frozenset(
    """root admin administrator deploy ubuntu debian centos fedora alpine apache nginx postgres
    mysql redis oracle tomcat jenkins gitlab github vagrant docker ansible hadoop kafka spark
    elastic kibana grafana zabbix nagios splunk sentry airflow jupyter vscode node daemon nobody
    guest demo backup billing support sales noreply operator postfix dovecot squid memcached
    rabbitmq zookeeper consul vault nomad puppet chef minio harbor sonar nexus bamboo teamcity
    azureuser opc bin sys man dev pi kali arch mint""".split()
)
_TECH_SUFFIXES = frozenset(
    "js ts sh db rd ml ui ux fx gl cv nn rx px vm fs os mq pc qt tk tl ps".split()
)
_LOGIN = re.compile(r"[a-z]+(?:[._\-][a-z]+)?\d{0,4}")


def persons_login(value: str) -> bool:
    """Whether a lower-case login is made of a person's names: initials and a surname
    ("mrossetti", "jhpark", "pvdberg"), a surname and a given name ("sunlili"), or two parts,
    one a name ("e.kuznetsova", "hoang.nv")."""
    if not 4 <= len(value) <= 32 or _LOGIN.fullmatch(value) is None:
        return False
    given, surnames, very_common, common = lexicon()

    def a_word(part: str) -> bool:
        return part in common or part in very_common

    letters = value.rstrip("0123456789")
    if a_word(letters) or letters in given or letters in surnames:
        return False  # a word or one bare name ("admin", "maria"): the key's other readings
    parts = re.split(r"[._\-]", letters)
    if len(parts) == 2:
        return any(len(p) >= 3 and not a_word(p) and (p in surnames or p in given) for p in parts)
    word = parts[0]
    if word in SYSTEM_ACCOUNTS:
        return False
    for cut in (1, 2, 3):
        # Initials: one letter, or a cluster without vowels ("jh", "pvd"; not "bil" + "ling").
        initials = word[:cut]
        if cut > 1 and not _VOWELS.isdisjoint(initials):
            break
        if len(word) - cut >= 4 and word[cut:] in surnames:
            return True
        rest = word[cut:]  # initials and a surname with its particle: "pdeboer", "jvanlier"
        for particle in _SURNAME_PARTICLES:
            tail = rest[len(particle) :]
            if rest.startswith(particle) and len(tail) >= 4 and tail in surnames:
                return True
    # A name and the initials of the others after it: "kimsj", "minhnv", "hoangtv"; not a
    # library's suffix ("chartjs", "lodash", "linkerd").
    for cut in (1, 2):
        head, initials = word[:-cut], word[-cut:]
        if not _VOWELS.isdisjoint(initials) or len(head) < 3 or initials in _TECH_SUFFIXES:
            continue
        if not a_word(head) and (head in surnames or head in given):
            return True
    # Glued names: a surname and a given name ("sunlili"), a given name and a surname
    # ("onurkaya"); "de" + "ploy" is "deploy".
    for cut in range(2, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        if head in NAME_PARTICLES:
            continue
        # The given name is the part no language uses as a word ("sun" + "lili").
        if (head in surnames and tail in given and not a_word(tail)) or (
            len(head) >= 3 and head in given and not a_word(head) and tail in surnames
        ):
            return True
    return False


# Turkish writes a name's case ending after an apostrophe ("Zeynep'e", "Emre'yle",
# "Selin'den", "Ayşe'nin"): the name is the part before it.
_TURKISH_CASE = re.compile(
    r"(?<=\w\w)['\u2019](?:y?[aeıiuü]|n?[ıiuü]n|y?l[ae]|[dt][ae]n?|n[ae]|nd[ae]n?|"
    r"[cç][ae]|l[ae]r|d[ıiuü]r|s[ıiuü])$"
)


def _name_length(word: str) -> int:
    """How much of ``word`` is the name: all of it, or the part before a Turkish case ending."""
    if "'" in word or "\u2019" in word:
        case = _TURKISH_CASE.search(word)
        if case is not None:
            return case.start()
    return len(word)


# Roads' words that are nobody's surname (not "Lane", "Street", "Court"), Indian roads' too.
_TITLED_ROAD_WORDS = frozenset(
    "road rd avenue ave boulevard blvd marg nagar salai chowk straße strasse मार्ग रोड पथ सड़क "
    "नगर चौक सलाई".split()
)


def _bare(word: str) -> str:
    word = word.lower().rstrip(".")
    for suffix in ("'s", "\u2019s"):
        if word.endswith(suffix):
            return word[: -len(suffix)]
    return word[: _name_length(word)]


def _end(match: Match, group: int = 0) -> int:
    word = match.group(group)
    end = match.end(group)
    if word.endswith(("'s", "\u2019s")):
        return end - 2
    return end - (len(word) - _name_length(word))
