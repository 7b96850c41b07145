"""Train the name scorer (``detectors/name_scorer.py``) on the development set.

    python tools/train_name_scorer.py            # cross-validated thresholds, then the model
    python tools/train_name_scorer.py --dry-run  # figures only, nothing written

Reads ``tests/data/pii_dev/`` and the old corpus only: the held-out set
(``tests/data/pii_heldout/``) is never read here, so its figures stay a measurement. The name
lexicon's candidates (its rules' findings and its wider net) are labelled by whether they
overlap a labelled name. Thresholds are chosen on out-of-fold probabilities, minimising missed
names plus prompts without PII altered (each as a share: the two targets are both 5 %) among
the settings that make neither figure worse than the rules alone, on the development parts
written to the held-out set's own briefs (``REPLICAS``: shaped like the measurement, where
prompts about public figures, brands and places come more often than in the rest). Each of
those parts is its own fold, scored by a model that never saw a record of its writer, as the
held-out set is: folds by record let the model remember a writer's words and flatter the wider
net (bench/RESULTS.md, eighth pass); the strength of the L2 penalty is chosen the same way, out
of fold, from a few. Then one model is trained on every record of both and written with those
thresholds. Deterministic: the same data gives the same weights. The replicas are heavy with
prompts about public figures; plain full names in short requests are few there, and a model
that traded them away failed tests/detectors/test_ner.py (bench/RESULTS.md, thirteenth pass):
the old corpus (``tests/data/pii_corpus.jsonl``, such requests) is trained on too, scored out
of fold with the rest, and a setting may miss no more than ``PLAIN_NAMES_GIVEN`` of its names
beyond what the rules alone miss.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from pii_metrics import DEV, Example, load_corpus, load_marked  # noqa: E402

from core.settings import PiiConfig  # noqa: E402
from detectors.base import BUILTIN_CLASSES, Finding  # noqa: E402
from detectors.engine import kept_as_a_name  # noqa: E402
from detectors.name_lexicon import NameLexiconDetector, name_words  # noqa: E402
from detectors.name_scorer import WEIGHTS, NameScorer, kept_unjudged  # noqa: E402
from detectors.ner import NerDetector  # noqa: E402
from detectors.registry import default_registry  # noqa: E402

NEGATIVE_KINDS = frozenset({"negative", "hard_negative"})
L2_CHOICES = (0.3, 1.0, 3.0, 10.0)
STEPS = 400
MIN_COUNT = 2  # a feature seen once says more about its record than about names
PLAIN_NAMES_GIVEN = 0.01  # of the old corpus's names a setting may drop beyond the rules
# The held-out briefs' replicas, one fold each.
REPLICAS = tuple(f"dev{n}{part}" for n in (7, 8, 9, 10, 11, 12) for part in "AB")
FOLDS = len(REPLICAS)


@dataclass
class Record:
    example: Example
    fold: int
    other_names: list[Finding]  # name findings of the other detectors (NER, fields, ...)
    other_found: bool  # any finding of another class or detector: a negative is altered anyway
    candidates: list[tuple[Finding, bool, list[str], int]]  # finding, by rule, features, label


def fold_of(example_id: object) -> int:
    """One fold per replica part, so each is scored by a model that never saw its writer's
    records (as the held-out set is); the other records are spread over the folds by hash."""
    name = str(example_id)
    for fold, prefix in enumerate(REPLICAS):
        # "dev11A_chat-1", "dev12A-chat-1": the writers numbered their records either way.
        if name.startswith(prefix) and name[len(prefix) : len(prefix) + 1] in ("_", "-"):
            return fold
    return int(hashlib.sha256(name.encode()).hexdigest(), 16) % FOLDS


def collect(examples: Sequence[Example]) -> list[Record]:
    # Both judging detectors describe their candidates with a scorer that has no weights yet.
    describer = NameScorer(name_words(), {}, 0.0, 1.0)
    lexicon = NameLexiconDetector()
    lexicon._scorer = describer
    (ner,) = default_registry().build_engine([{"kind": "ner"}]).slow
    assert isinstance(ner, NerDetector)
    ner._scorer = describer
    kinds = [k for k in PiiConfig().detectors if k != "name_lexicon"]
    engine = default_registry().build_engine({"kind": kind} for kind in kinds)
    classes = frozenset(BUILTIN_CLASSES)
    records = []
    for example in examples:
        text = example.text
        # What the name lexicon is handed in the engine: the other fast detectors' findings.
        earlier = [f for detector in engine.fast for f in detector.detect(text)]
        others = engine.scan_fast(text, classes)
        ner_found = ner._found(text)
        others += [f for f in ner_found if f.pii_class != "name"]
        gold = [s for s in example.spans if s.pii_class == "name"]
        labelled = []
        for candidates, described in (
            lexicon.described(text, earlier=earlier),
            ner.described(text, ner_found),
        ):
            for (_, finding, by_rule), features in zip(candidates, described, strict=True):
                # What the engine drops after judging (an item of "characters:", a famous
                # name's word again) never reaches a provider: the model need not learn it.
                if not kept_as_a_name(text, finding):
                    continue
                label = int(any(finding.start < s.end and s.start < finding.end for s in gold))
                labelled.append((finding, by_rule, features, label))
        records.append(
            Record(
                example,
                fold_of(example.id),
                [f for f in others if f.pii_class == "name"],
                bool(others),
                labelled,
            )
        )
    return records


def train(rows: list[tuple[list[str], int]], l2: float = 1.0) -> dict[str, float]:
    """L2-regularised logistic regression, full-batch Adam: deterministic."""
    counts: dict[str, int] = {}
    for features, _ in rows:
        for feature in set(features):
            counts[feature] = counts.get(feature, 0) + 1
    kept = sorted(f for f, c in counts.items() if c >= MIN_COUNT)
    vocabulary = {f: i + 1 for i, f in enumerate(kept)}
    index: list[int] = []
    owner: list[int] = []
    for r, (features, _) in enumerate(rows):
        ids = [0] + [vocabulary[f] for f in features if f in vocabulary]  # 0: the bias
        index.extend(ids)
        owner.extend([r] * len(ids))
    idx = np.array(index)
    row = np.array(owner)
    y = np.array([label for _, label in rows], dtype=float)
    w = np.zeros(len(vocabulary) + 1)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    rate, beta1, beta2 = 0.1, 0.9, 0.999
    for step in range(1, STEPS + 1):
        z = np.bincount(row, weights=w[idx], minlength=len(rows))
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        grad = np.bincount(idx, weights=(p - y)[row], minlength=len(w)) / len(rows)
        penalty = l2 / len(rows) * w
        penalty[0] = 0.0
        grad += penalty
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        w -= rate * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + 1e-8)
    weights = {"bias": float(w[0])}
    weights.update({f: round(float(w[i]), 4) for f, i in vocabulary.items() if abs(w[i]) >= 1e-3})
    return weights


def probabilities(records: list[Record], l2: float) -> list[list[float]]:
    """Each record's candidates scored by a model trained on the other folds."""
    out: list[list[float]] = [[] for _ in records]
    for fold in range(FOLDS):
        rows = [
            (features, label)
            for r in records
            if r.fold != fold
            for _, _, features, label in r.candidates
        ]
        scorer = NameScorer(None, train(rows, l2), 0.0, 1.0)  # type: ignore[arg-type]
        for i, r in enumerate(records):
            if r.fold == fold:
                out[i] = [scorer.probability(features) for _, _, features, _ in r.candidates]
    return out


@dataclass
class Outcome:
    names: int
    missed: int
    false_names: int
    negatives: int
    altered: int

    @property
    def cost(self) -> float:
        return self.missed / max(self.names, 1) + self.altered / max(self.negatives, 1)


def outcome(records: list[Record], scores: list[list[float]], keep: float, add: float) -> Outcome:
    result = Outcome(0, 0, 0, 0, 0)
    for record, probs in zip(records, scores, strict=True):
        kept = [
            finding
            for (finding, by_rule, features, _), p in zip(record.candidates, probs, strict=True)
            if kept_unjudged(
                features[0].removeprefix("src="), features, by_rule, finding.end - finding.start
            )
            or p >= (keep if by_rule else add)
        ]
        names = kept + record.other_names
        gold = [s for s in record.example.spans if s.pii_class == "name"]
        result.names += len(gold)
        result.missed += sum(
            1 for s in gold if not any(f.start < s.end and s.start < f.end for f in names)
        )
        result.false_names += sum(
            1 for f in kept if not any(f.start < s.end and s.start < f.end for s in gold)
        )
        if record.example.kind in NEGATIVE_KINDS:
            result.negatives += 1
            result.altered += bool(kept) or record.other_found
    return result


KEEPS = (0.0, 0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)
ADDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01)


def thresholds(
    records: list[Record],
    scores: list[list[float]],
    base: Outcome,
    plain: tuple[list[Record], list[list[float]], Outcome] | None = None,
) -> tuple[float, float, Outcome, float]:
    """The (keep, add) on these out-of-fold scores that misses no more names and alters no
    more prompts without PII than the rules alone (a second opinion must make neither
    figure worse), keeps the plain names (``plain``), and is cheapest with its neighbours
    on the grid: the cost is flat near
    its minimum, and the lowest single point moved between retrainings by less than one
    record in a thousand while the trade between the two figures swung (keep 0.65 or
    0.75). The middle of the valley holds; its smoothed cost is returned too.

    ``plain``: other records, their scores and the most names a setting may miss on them
    (the old corpus's plain names in short requests, which the replicas hold few of)."""
    outcomes = {
        (i, j): outcome(records, scores, keep, add)
        for i, keep in enumerate(KEEPS)
        for j, add in enumerate(ADDS)
    }

    def keeps_plain_names(i: int, j: int) -> bool:
        if plain is None:
            return True
        plain_records, plain_scores, plain_base = plain
        return outcome(plain_records, plain_scores, KEEPS[i], ADDS[j]).missed <= plain_base.missed

    allowed = [
        key
        for key, o in outcomes.items()
        if o.missed <= base.missed and o.altered <= base.altered and keeps_plain_names(*key)
    ] or list(outcomes)
    (i, j), cost = valley({key: o.cost for key, o in outcomes.items()}, allowed)
    return KEEPS[i], ADDS[j], outcomes[i, j], cost


def valley(
    costs: dict[tuple[int, int], float], allowed: list[tuple[int, int]]
) -> tuple[tuple[int, int], float]:
    """The allowed grid point whose cost, averaged with its neighbours' (the 3 x 3 around
    it, fewer at the edges), is lowest; and that average."""

    def smoothed(key: tuple[int, int]) -> float:
        i, j = key
        around = [
            costs[i + di, j + dj]
            for di in (-1, 0, 1)
            for dj in (-1, 0, 1)
            if (i + di, j + dj) in costs
        ]
        return sum(around) / len(around)

    best = min(allowed, key=smoothed)
    return best, smoothed(best)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    args = parser.parse_args(argv)
    # The old corpus's records (plain full names in short requests, which the replicas hold
    # few of) are trained on too, scored out of fold like the rest, and guard the choice.
    dev = collect(load_marked(DEV))
    corpus = collect(load_corpus())
    records = dev + corpus
    # Thresholds and the penalty are chosen on the parts written to the held-out set's own
    # briefs: how many words a wider net may add depends on how often prompts about topics
    # come, and those parts are shaped like the measurement. The weights learn from all.
    chosen_on = [i for i, r in enumerate(records) if str(r.example.id).startswith(REPLICAS)]
    replicas = [records[i] for i in chosen_on]
    rules_only = [[1.0 if by_rule else 0.0 for _, by_rule, _, _ in r.candidates] for r in replicas]
    base = outcome(replicas, rules_only, 0.5, 0.5)
    print(f"rules alone: missed {base.missed}/{base.names}, false names {base.false_names}, "
          f"negatives altered {base.altered}/{base.negatives}")  # fmt: skip
    # A setting may cost the old corpus's plain names no more than PLAIN_NAMES_GIVEN of
    # them beyond what the rules alone miss.
    rules_on_corpus = outcome(
        corpus, [[float(c[1]) for c in r.candidates] for r in corpus], 0.5, 0.5
    )
    corpus_base = Outcome(
        rules_on_corpus.names,
        rules_on_corpus.missed + int(PLAIN_NAMES_GIVEN * rules_on_corpus.names),
        0,
        0,
        0,
    )
    print(f"old corpus: the rules alone miss {rules_on_corpus.missed}/{rules_on_corpus.names}, "
          f"a setting may miss {corpus_base.missed}")  # fmt: skip
    rows = [(features, label) for r in records for _, _, features, label in r.candidates]
    tried: list[tuple[float, float, float, Outcome, float]] = []
    for l2 in L2_CHOICES:
        scores = probabilities(records, l2)
        corpus_scores = scores[len(dev) :]
        keep, add, o, cost = thresholds(
            replicas, [scores[i] for i in chosen_on], base, (corpus, corpus_scores, corpus_base)
        )
        print(f"L2 {l2}: keep {keep:.2f} add {add:.2f}: missed {o.missed}/{o.names} "
              f"({o.missed / o.names:.1%}), negatives altered "
              f"{o.altered}/{o.negatives} ({o.altered / o.negatives:.1%}); "
              f"cost {o.cost:.4f}, with its neighbours {cost:.4f}")  # fmt: skip
        w = outcome(dev, scores[: len(dev)], keep, add)
        print(f"         the whole development set: missed {w.missed}/{w.names} "
              f"({w.missed / w.names:.1%}), negatives altered "
              f"{w.altered}/{w.negatives} ({w.altered / w.negatives:.1%})")  # fmt: skip
        c = outcome(corpus, corpus_scores, keep, add)
        print(f"         the old corpus: missed {c.missed}/{c.names}")
        tried.append((l2, keep, add, o, cost))
    # The penalty with the lowest cost. (Taking the strongest within half a point of it, as
    # before, chose L2 3.0 over 1.0 in three retrainings and altered more prompts each time:
    # the prompts without PII altered are the figure furthest from its target.)
    l2, keep, add, chosen, _ = min(tried, key=lambda t: t[4])
    print(f"chosen: L2 {l2}, keep {keep:.2f} add {add:.2f}: missed {chosen.missed}/{chosen.names}, "
          f"negatives altered {chosen.altered}/{chosen.negatives}")  # fmt: skip
    if args.dry_run:
        return 0
    weights = train(rows, l2)
    data = json.dumps({"keep": keep, "add": add, "l2": l2, "weights": weights}, sort_keys=True)
    # mtime 0: the same weights give the same bytes.
    with gzip.GzipFile(args.out, "wb", compresslevel=9, mtime=0) as handle:
        handle.write(data.encode("utf-8"))
    print(f"wrote {args.out} ({len(weights)} weights, L2 {l2}, keep {keep}, add {add})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
