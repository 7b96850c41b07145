"""PII detection quality and cost: ``python bench/pii_eval.py [--no-ner] [--presidio]``.

Prints, on the committed corpus (``tests/data/pii_corpus.jsonl``, made by
``bench/pii_corpus.py``):

- per-class precision / recall / F1 of the fast detectors, and of name/address NER;
- latency of one scan of a 2 KB prompt, median and p95, on "typical" prompts (ordinary prompt
  text with three PII sentences from the corpus) and "dense" ones (corpus sentences only, 15-25
  of them): fast detectors alone (on the value classes, then on every class: the name
  lexicon, its scorer and the field detectors too, what the gateway runs without NER), the
  NER detector alone (BLIS, then numpy's OpenBLAS on one thread, the default), fast + NER,
  and with ``--presidio`` presidio's full analyzer, the
  baseline of the NER speed work. NER quality is scored with the default.

With ``--heldout``, also the latency of fast and fast + NER scans of 2 KB "typical" prompts
built the same way from the held-out records (``tests/data/pii_heldout``): ordinary prompt text
with three of its records (prose, JSON, CSV, logs, ...). Its quality figures, through the
gateway and of the detectors alone, come from ``bench/pii_gateway_eval.py``.

Overlap matching: see ``bench/pii_metrics.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pii_metrics import CORPUS, HELDOUT, Example, load_corpus, load_marked, score, table
from detectors.base import NER_CLASSES
from detectors.engine import DetectionEngine
from detectors.registry import FAST_KINDS, fast_engine

PROMPT_BYTES = 2048
FAST_CLASSES = frozenset(FAST_KINDS)
PII_PER_TYPICAL_PROMPT = 3

# Prompt-like text with no PII, for the "typical" prompts: instructions, prose, code, logs.
PARAGRAPHS = (
    "You are a helpful assistant for our support team. Answer in a friendly but concise tone, "
    "and never promise refunds that the policy does not allow.",
    "Summarize the following conversation in three bullet points, then suggest a next step for "
    "the agent. Keep technical terms as they are.",
    "The customer says the dashboard has been loading slowly since the last release. They use "
    "the web app on a laptop and the mobile app on their phone, and both are affected.",
    "def retry(fn, attempts=3):\n    for i in range(attempts):\n        try:\n            return "
    "fn()\n        except TimeoutError:\n            time.sleep(2 ** i)\n    raise RuntimeError",
    "2024-03-02 10:15:04 INFO scheduler started 12 workers\n2024-03-02 10:15:09 WARN queue depth "
    "is 481, above the soft limit of 400",
    "Our quarterly report shows revenue up 8 percent, churn down slightly, and support tickets "
    "stable at about 1,200 a week. The board wants a plan for the next two quarters.",
    "Please rewrite the paragraph below so that it reads well for a non-technical audience. "
    "Avoid jargon, keep it under 120 words, and end with a clear call to action.",
    "The migration moves the billing tables to the new cluster over two weekends. During the "
    "window, writes are paused for about ten minutes while the replicas catch up.",
    "Translate the following into German and French. Keep product names in English and use "
    "the formal form of address.",
    "Write unit tests for the function above. Cover the empty input, a single item, and a list "
    "with duplicates, and explain what each test checks.",
    "We need a short announcement for the internal newsletter about the new expense tool. "
    "Mention that receipts can now be uploaded from the phone and approved in one click.",
    "SELECT id, status, created_at FROM orders WHERE status = 'pending' AND created_at < now() "
    "- interval '7 days' ORDER BY created_at LIMIT 50;",
)


def dense_prompts(examples: list[Example], count: int, seed: int = 7) -> list[str]:
    """2 KB prompts stitched from corpus examples only: 15-25 PII-laden sentences each."""
    rng = random.Random(seed)
    return [_fill(rng, lambda: rng.choice(examples).text) for _ in range(count)]


def typical_prompts(examples: list[Example], count: int, seed: int = 11) -> list[str]:
    """2 KB prompts of ordinary prompt text with a few corpus sentences (PII) mixed in."""
    rng = random.Random(seed)
    positives = [e for e in examples if e.kind == "positive"]
    out = []
    for _ in range(count):
        pii = [rng.choice(positives).text for _ in range(PII_PER_TYPICAL_PROMPT)]

        def next_part(pii: list[str] = pii) -> str:
            return pii.pop() if pii and rng.random() < 0.4 else rng.choice(PARAGRAPHS)

        out.append(_fill(rng, next_part))
    return out


def _fill(rng: random.Random, next_part: Callable[[], str]) -> str:
    parts: list[str] = []
    size = 0
    while size < PROMPT_BYTES:
        text = next_part()
        parts.append(text)
        size += len(text.encode()) + 1
    return "\n".join(parts).encode()[:PROMPT_BYTES].decode(errors="ignore")


@dataclass(frozen=True)
class Latency:
    median: float  # wall clock, ms
    p95: float
    cpu_median: float  # CPU time of the scanning thread, ms: what the scan costs by itself

    def __str__(self) -> str:
        return f"median {self.median:.2f} ms (CPU {self.cpu_median:.2f} ms), p95 {self.p95:.2f} ms"


def latency(scan: Callable[[str], object], texts: list[str], rounds: int = 5) -> Latency:
    """Latency of the quietest of ``rounds`` passes over ``texts``.

    Other processes share the 2 cores: the pass with the lowest median is the one they
    disturbed least. The thread's CPU time is reported too, as it hardly depends on them.
    """
    for text in texts[:5]:
        scan(text)  # warm-up
    best: Latency | None = None
    for _ in range(rounds):
        wall, cpu = [], []
        for text in texts:
            start, start_cpu = time.perf_counter(), time.thread_time()
            scan(text)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
        wall.sort()
        result = Latency(
            statistics.median(wall), wall[int(len(wall) * 0.95) - 1], statistics.median(cpu)
        )
        if best is None or result.median < best.median:
            best = result
    assert best is not None
    return best


def heldout_latency(
    fast: DetectionEngine, both: DetectionEngine | None, texts: list[str], classes: frozenset[str]
) -> None:
    """Print the fast (and fast + NER) scan latency of the held-out set's typical prompts."""
    print(f"\nheld-out records ({HELDOUT}), 2 KB typical prompts")
    if not texts:
        print("no held-out records with PII yet")
        return
    result = latency(partial(fast.scan, classes=FAST_CLASSES), texts)
    print(f"held-out: fast scan, value classes, 2 KB typical prompt: {result}")
    result = latency(partial(fast.scan, classes=FAST_CLASSES | NER_CLASSES), texts)
    print(f"held-out: fast scan, every class (name lexicon incl.), 2 KB typical prompt: {result}")
    if both is not None:
        result = latency(partial(both.scan, classes=classes), texts)
        print(f"held-out: fast + NER, 2 KB typical prompt: {result}")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--no-ner", action="store_true", help="fast detectors only")
    parser.add_argument("--presidio", action="store_true", help="also time presidio's analyzer")
    parser.add_argument("--prompts", type=int, default=300)
    parser.add_argument(
        "--heldout", action="store_true", help="also time 2 KB prompts made of held-out records"
    )
    args = parser.parse_args()

    examples = load_corpus(args.corpus)
    positives = sum(e.kind == "positive" for e in examples)
    print(
        f"corpus: {len(examples)} examples ({positives} positive, "
        f"{len(examples) - positives} hard negatives)"
    )
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, load average {load}")
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    print(f"python {platform.python_version()}, OPENBLAS_NUM_THREADS={threads}\n")
    prompt_sets = {
        "typical": typical_prompts(examples, args.prompts),
        "dense": dense_prompts(examples, args.prompts),
    }
    heldout = load_marked(HELDOUT) if args.heldout else []
    heldout_prompts = (
        typical_prompts(heldout, args.prompts) if any(e.kind == "positive" for e in heldout) else []
    )

    engine = fast_engine()
    print("fast detectors")
    print(table(score(examples, lambda t: engine.scan(t, FAST_CLASSES), FAST_CLASSES)))
    print()
    every_class = FAST_CLASSES | NER_CLASSES
    for label, texts in prompt_sets.items():
        result = latency(partial(engine.scan, classes=FAST_CLASSES), texts)
        print(f"fast scan, value classes, 2 KB {label} prompt: {result}")
        # What the gateway runs without the NER extra: names and addresses by the name
        # lexicon, its scorer and the field detectors too.
        result = latency(partial(engine.scan, classes=every_class), texts)
        print(f"fast scan, every class (name lexicon incl.), 2 KB {label} prompt: {result}")
    if args.no_ner:
        if args.heldout:
            heldout_latency(engine, None, heldout_prompts, FAST_CLASSES)
        return

    from detectors.ner import NerDetector, PresidioDetector, build_analyzer

    start = time.perf_counter()
    analyzer = build_analyzer()
    print(f"\nNER model load: {time.perf_counter() - start:.2f} s")
    all_classes = FAST_CLASSES | NER_CLASSES
    if args.presidio:
        reference = DetectionEngine(slow_detectors=[PresidioDetector(analyzer)])
        print("\npresidio analyzer, full spaCy pipeline (the baseline)")
        print(table(score(examples, lambda t: reference.scan(t, NER_CLASSES), NER_CLASSES)))
        print()
        for label, texts in prompt_sets.items():
            result = latency(partial(reference.scan_slow, classes=NER_CLASSES), texts[:60], 2)
            print(f"presidio scan, 2 KB {label} prompt: {result}")

    # BLIS first: numpy_matmul rebinds the shared model's ops for good.
    for numpy_matmul in (False, True):
        ner = DetectionEngine(slow_detectors=[NerDetector(analyzer, numpy_matmul=numpy_matmul)])
        both = ner.with_detectors(engine.fast)
        kernel = "numpy/OpenBLAS, one thread (the default)" if numpy_matmul else "BLIS"
        print(f"\nNER detector (name, address), matrix products on {kernel}")
        if numpy_matmul:
            print(table(score(examples, partial(ner.scan, classes=NER_CLASSES), NER_CLASSES)))
            print()
        for label, texts in prompt_sets.items():
            result = latency(partial(ner.scan_slow, classes=NER_CLASSES), texts)
            print(f"NER scan, 2 KB {label} prompt: {result}")
            result = latency(partial(both.scan, classes=all_classes), texts)
            print(f"fast + NER, 2 KB {label} prompt: {result}")
    if args.heldout:  # `both` is the default engine: numpy's matrix products, the last loop
        heldout_latency(engine, both, heldout_prompts, all_classes)


if __name__ == "__main__":
    main()
