"""How much an unknown word looks like a personal name: character n-grams, weighted.

``NameShapes.looks_like_a_name("Alemayehu")`` is true, ``("Krankenhaus")`` false. The
weights are a logistic regression that ``tools/build_name_shapes.py`` trains on the name
lexicon (names against common words of 42 languages); the threshold lets 5 % of common words
through. It is for words the lexicon does not know, two of them side by side: a single word
that merely looks like a name is no evidence.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

OUT = Path(__file__).resolve().parent / "data" / "name_shapes.txt.gz"


def grams(word: str) -> list[str]:
    """The distinct 2- to 5-character n-grams of ``word`` with its edges marked."""
    edged = f"^{word.lower()}$"
    return list({edged[i : i + n] for n in (2, 3, 4, 5) for i in range(len(edged) - n + 1)})


class NameShapes:
    def __init__(self, path: Path = OUT) -> None:
        self._weights: dict[str, float] = {}
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            bias, threshold = handle.readline().split("\t")
            for line in handle:
                gram, _, weight = line.rstrip("\n").partition("\t")
                self._weights[gram] = float(weight)
        self._bias = float(bias)
        self._threshold = float(threshold)

    def score(self, word: str) -> float:
        weights = self._weights
        return self._bias + sum(weights.get(g, 0.0) for g in grams(word))

    def looks_like_a_name(self, word: str) -> bool:
        return len(word) >= 3 and self.score(word) > self._threshold


@cache
def name_shapes() -> NameShapes:
    """Loaded once per process."""
    return NameShapes()
