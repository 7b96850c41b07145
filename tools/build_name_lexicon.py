"""Build ``detectors/data/name_lexicon.txt.gz``: given names, surnames and common words.

    pip install faker==40.63.0 wordfreq==3.1.1 spacy==3.8.18
    python tools/build_name_lexicon.py

Given names and surnames come from Faker's person providers, every locale it ships (86,
from Yoruba and Zulu to Korean and Georgian). Common words come from wordfreq and spaCy's
stop-word lists: a name that is also a very common word in one of the gateway's main
languages ("Will", "May", "Long") is marked, so that it is no evidence on its own, and the
most frequent other words of those languages are listed as words that are not names. Run
again when one of these packages is upgraded; the file is committed, so the gateway itself
needs none of them.
"""

from __future__ import annotations

import gzip
import importlib
import pkgutil
import unicodedata
from pathlib import Path

import faker.providers.person as person
from wordfreq import top_n_list, zipf_frequency

OUT = Path(__file__).resolve().parent.parent / "detectors" / "data" / "name_lexicon.txt.gz"
LANGUAGES = ("en", "de", "fr", "es", "pt", "it", "nl", "pl", "tr", "id", "sv", "ru")
TOO_COMMON = 5.0  # zipf: a word seen more often than ~1 in 100,000 words is no name evidence
COMMON_WORDS_PER_LANGUAGE = 6000


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


def _function_words() -> set[str]:
    words: set[str] = set()
    for lang in ("en", "de", "fr", "es", "pt", "it", "nl", "pl", "tr", "id", "sv", "ru"):
        module = importlib.import_module(f"spacy.lang.{lang}.stop_words")
        words |= {w.lower() for w in module.STOP_WORDS if w.isalpha()}
    return words


def main() -> None:
    given: set[str] = set()
    family: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        g, f = _values(provider)
        given |= {t.lower() for name in g for t in _tokens(name)}
        family |= {t.lower() for name in f for t in _tokens(name)}

    def common(word: str) -> bool:
        return max(zipf_frequency(word, lang) for lang in LANGUAGES) >= TOO_COMMON

    given = {w for w in given if len(w) > 1 or not w.isascii()}
    family = {w for w in family if len(w) > 1 or not w.isascii()}
    also_words = {w for w in given | family if common(w)}
    common_words = (
        {
            w
            for lang in LANGUAGES
            for w in top_n_list(lang, COMMON_WORDS_PER_LANGUAGE)
            if w.isalpha()
        }
        - given
        - family
    )
    lines = (
        [f"G\t{w}" for w in sorted(given)]
        + [f"S\t{w}" for w in sorted(family)]
        + [f"V\t{w}" for w in sorted(also_words)]
        + [f"C\t{w}" for w in sorted(common_words)]
    )
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as handle:
        handle.write("\n".join(lines) + "\n")
    print(
        f"{len(given)} given names, {len(family)} surnames ({len(also_words)} of them very "
        f"common words), {len(common_words)} other common words -> {OUT}"
    )


if __name__ == "__main__":
    main()
