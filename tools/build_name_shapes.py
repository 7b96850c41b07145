"""Build ``detectors/data/name_shapes.txt.gz``: how much a word looks like a personal name.

    python tools/build_name_lexicon.py && python tools/build_name_shapes.py

A logistic regression over character n-grams (2-5, with word edges) learns, from the name
lexicon itself, names (given names and surnames of 105 countries) against words (the common
words of 42 languages and English's 50,000 most frequent), so that a name the lexicon never
saw ("Alemayehu", "Oluwadamilare") still scores as one and "Krankenhaus" or "Paperwhite" do
not. Trained with plain stochastic gradient descent (seeded, so the file is reproducible); only
n-grams whose weight matters are kept. The threshold written on the first line is the score
above which 5 % of 5,000 words kept out of training pass; the name recall at that threshold is
printed.
"""

from __future__ import annotations

import gzip
import math
import random
import sys
from collections import defaultdict
from pathlib import Path

from wordfreq import top_n_list

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from detectors.name_lexicon import _lists
from detectors.name_shapes import OUT, grams

EPOCHS = 4
RATE = 0.2
FALSE_POSITIVES = 0.05  # of held-back words scoring above the threshold
KEEP = 0.25  # |weight| below this is dropped from the file
TEST = 5000


def _alphabetic(word: str) -> bool:
    # Chinese, Japanese and Korean names are one to three characters: no shape to learn.
    return len(word) >= 3 and word.isalpha() and not "\u3000" <= word[0] <= "\ud7af"


def main() -> None:
    lists = _lists()
    names = sorted(w for w in lists["G"] | lists["S"] if _alphabetic(w))
    words = sorted(
        {w for w in lists["C"] | lists["D"] | set(top_n_list("en", 50000)) if _alphabetic(w)}
        - lists["G"]
        - lists["S"]
    )
    rng = random.Random(20261206)
    rng.shuffle(names)
    rng.shuffle(words)
    test_names, test_words = names[:TEST], words[:TEST]
    examples = [(grams(w), 1.0) for w in names[TEST:]] + [(grams(w), 0.0) for w in words[TEST:]]

    weights: dict[str, float] = defaultdict(float)
    bias = 0.0
    rate = RATE
    for _ in range(EPOCHS):
        rng.shuffle(examples)
        for features, label in examples:
            z = bias + sum(weights[g] for g in features)
            error = 1 / (1 + math.exp(-max(-30.0, min(30.0, z)))) - label
            bias -= rate * error * 0.1
            step = rate * error / math.sqrt(len(features))
            for g in features:
                weights[g] -= step
        rate *= 0.5

    kept = {g: w for g, w in weights.items() if abs(w) >= KEEP}

    def score(word: str) -> float:
        return bias + sum(kept.get(g, 0.0) for g in grams(word))

    word_scores = sorted(score(w) for w in test_words)
    threshold = word_scores[int(len(word_scores) * (1 - FALSE_POSITIVES))]
    recall = sum(score(w) > threshold for w in test_names) / len(test_names)
    with gzip.open(OUT, "wt", encoding="utf-8", compresslevel=9) as handle:
        handle.write(f"{bias:.4f}\t{threshold:.4f}\n")
        for gram, weight in sorted(kept.items()):
            handle.write(f"{gram}\t{weight:.2f}\n")
    print(
        f"{len(kept)} n-grams; threshold {threshold:.2f} passes {FALSE_POSITIVES:.0%} of "
        f"held-back words and {recall:.1%} of held-back names -> {OUT}"
    )


if __name__ == "__main__":
    main()
