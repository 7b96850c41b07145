"""Issue #14's PII figures, through the running gateway: ``python bench/pii_gateway_eval.py``.

    python bench/pii_gateway_eval.py [--set heldout|dev|corpus] [--limit N] [--markdown]
                                     [--json out.json] [--concurrency 8] [--no-gateway]
                                     [--no-detectors] [--gateway-command CMD]

Through the gateway (``governs serve`` on its defaults, a fake OpenAI upstream that echoes what
it received, the ``openai`` SDK as the client; see ``bench/pii_gateway_run.py``), each record's
text sent as one user message under two policies of an org:

- **remove**: every class ``remove``: values leaked to the provider per class, language and
  format, whole and (names, addresses) in part; prompts without PII that were altered;
- **tokenize**: every class ``tokenize``: answers equal to the text sent (placeholders restored)
  and values leaked to the provider.

Then the detectors alone, no gateway: the gateway's default ``pii.detectors`` kinds plus
``{"kind": "ner"}``, built with the default registry; precision, recall and F1 per class and
per language, overlap matching (``bench/pii_metrics.py``). The leak rules are in
``bench/pii_leaks.py``. Targets (issue #14):
core values leaked <= 2 % overall and <= 5 % per class, prompts without PII altered <= 5 %,
``tokenize`` returns the exact text and leaks <= 2 %. Latency: ``bench/pii_eval.py --heldout``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pii_gateway_run import run_policies
from bench.pii_leaks import CORE_CLASSES, NEGATIVE_KINDS, LeakReport, Tally, measure
from bench.pii_metrics import (
    CORPUS,
    DEV,
    HELDOUT,
    ClassScore,
    Example,
    load_corpus,
    load_marked,
    score,
    score_by,
    total,
)

SETS = {"heldout": HELDOUT, "dev": DEV, "corpus": CORPUS}
POLICIES = ("remove", "tokenize")
LEAK_TARGET = 0.02  # core values leaked, overall; and tokenize's leaks upstream
CLASS_LEAK_TARGET = 0.05
ALTERED_TARGET = 0.05


def load_set(name: str, files: str | None = None) -> list[Example]:
    """A set's records; ``files``: only its files whose names match this glob ("dev6_*")."""
    path = SETS[name]
    if name == "corpus":
        return load_corpus(path)
    if files is None:
        return load_marked(path)
    return [e for file in sorted(path.glob(files)) for e in load_marked(file)]


def sample(examples: list[Example], limit: int | None, seed: int = 14) -> list[Example]:
    """``limit`` records drawn with a fixed seed (the same ones every run of the same set)."""
    if limit is None or limit >= len(examples):
        return examples
    chosen = set(random.Random(seed).sample(range(len(examples)), limit))
    return [e for i, e in enumerate(examples) if i in chosen]


# -- measuring -------------------------------------------------------------------------------


@dataclass
class DetectorFigures:
    classes: dict[str, ClassScore]
    by_lang: dict[str, dict[str, ClassScore]]
    negatives: int = 0
    negatives_flagged: int = 0  # negative records with any finding
    seconds: float = 0.0
    flagged_ids: list[int | str] = field(default_factory=list)
    failed: dict[int | str, str] = field(default_factory=dict)  # id -> the detector's error


def detector_kinds() -> tuple[str, ...]:
    """The gateway's default fast detector kinds (``pii.detectors``), then NER: what it runs."""
    from core.settings import PiiConfig

    return (*PiiConfig().detectors, "ner")


def detector_figures(examples: list[Example]) -> DetectorFigures:
    from detectors.base import DetectorError
    from detectors.registry import default_registry

    engine = default_registry().build_engine({"kind": kind} for kind in detector_kinds())
    classes = frozenset(CORE_CLASSES)
    start = time.perf_counter()

    failed: dict[str, str] = {}

    @cache
    def scan(text: str) -> list[Any]:
        # A detector that fails makes the gateway refuse the request (503, failing closed);
        # here the record counts as found nothing, and is listed.
        try:
            return engine.scan(text, classes)
        except DetectorError as error:
            failed[text] = str(error)
            return []

    figures = DetectorFigures(
        score(examples, scan, classes), score_by(examples, scan, classes, lambda e: e.locale)
    )
    for example in examples:
        if example.kind in NEGATIVE_KINDS:
            figures.negatives += 1
            if scan(example.text):
                figures.negatives_flagged += 1
                figures.flagged_ids.append(example.id)
    figures.failed = {e.id: failed[e.text] for e in examples if e.text in failed}
    figures.seconds = time.perf_counter() - start
    return figures


# -- tables ----------------------------------------------------------------------------------


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"**{self.title}**", ""]
        lines.append("| " + " | ".join(self.header) + " |")
        lines.append("|---|" + "---:|" * (len(self.header) - 1))
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        lines += ["", *self.notes] if self.notes else []
        return "\n".join(lines)

    def plain(self) -> str:
        widths = [
            max(len(r[i]) for r in [self.header, *self.rows]) for i in range(len(self.header))
        ]

        def line(row: list[str]) -> str:
            cells = [row[0].ljust(widths[0])]
            cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
            return "  ".join(cells).rstrip()

        return "\n".join([self.title, line(self.header), *map(line, self.rows), *self.notes])


def pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def verdict(value: float, target: float) -> str:
    return f"≤ {pct(target).replace('.0 ', ' ')} " + ("✓" if value <= target else "✗")


def leak_row(name: str, tally: Tally, target: float | None = None) -> list[str]:
    row = [name, f"{tally.values:,}", f"{tally.leaked:,}", pct(tally.rate)]
    row.append(pct(tally.partial_rate) if tally.partial_values else "")
    if target is not None:
        row.append(verdict(tally.rate, target))
    return row


def leak_header(first: str, targets: bool = False) -> list[str]:
    return [first, "values", "leaked", "leak", "leaked in part", *(["target"] if targets else [])]


def run_note(report: LeakReport, seconds: float) -> str:
    refused = ", ".join(f"{count} ({code})" for code, count in report.refused.most_common())
    return (
        f"{report.records:,} records in {seconds:.1f} s ({report.records / seconds:.0f}/s); "
        f"refused by the gateway: {refused or 'none'}. 'Leaked in part': names and addresses "
        "with a word of 4+ characters reaching the provider."
    )


def leak_tables(action: str, report: LeakReport, seconds: float) -> list[Table]:
    """Per class (with the targets); for ``remove`` also per language and per format."""
    by_class = Table(
        f"Leaked to the provider, policy '{action}' on every class",
        leak_header("class", targets=True),
        [leak_row("**all core classes**", report.core, LEAK_TARGET)],
        [run_note(report, seconds)],
    )
    per_class_target = CLASS_LEAK_TARGET if action == "remove" else None
    by_class.rows += [
        leak_row(name, report.classes[name], per_class_target)
        for name in CORE_CLASSES
        if name in report.classes
    ]
    by_class.rows += [
        leak_row(f"{name} (no detector)", tally)
        for name, tally in sorted(report.classes.items())
        if name not in CORE_CLASSES
    ]
    for row in by_class.rows:
        row += [""] * (len(by_class.header) - len(row))
    if action != "remove":
        return [by_class]
    by_lang = Table("... per language (core classes)", leak_header("language"))
    by_lang.rows = [leak_row(k, v) for k, v in sorted(report.by_lang.items())]
    by_format = Table("... per format (core classes)", leak_header("format"))
    by_format.rows = [leak_row(k, v) for k, v in sorted(report.by_format.items())]
    return [by_class, by_lang, by_format, altered_table(report)]


def altered_table(report: LeakReport) -> Table:
    """Prompts without PII that reached the provider altered, per format and per language."""
    table = Table(
        "Prompts without PII altered, policy 'remove', per format and language",
        ["format or language", "prompts", "altered", "share"],
    )
    for (kind, key), (negatives, altered) in sorted(report.negatives_by.items()):
        share = pct(altered / negatives) if negatives else "-"
        table.rows.append([f"{kind} {key}", f"{negatives:,}", f"{altered:,}", share])
    return table


def summary_table(reports: dict[str, LeakReport]) -> Table:
    table = Table("Issue #14's targets, through the gateway", ["figure", "measured", "target"])
    if "remove" in reports:
        remove = reports["remove"]
        present = [name for name in CORE_CLASSES if name in remove.classes]
        worst = max(present, key=lambda name: remove.classes[name].rate, default="-")
        worst_rate = remove.classes[worst].rate if present else 0.0
        table.rows += [
            [
                "core values leaked, policy 'remove'",
                f"{pct(remove.core.rate)} ({remove.core.leaked} of {remove.core.values})",
                verdict(remove.core.rate, LEAK_TARGET),
            ],
            [f"worst class ({worst})", pct(worst_rate), verdict(worst_rate, CLASS_LEAK_TARGET)],
            [
                "prompts without PII altered",
                f"{pct(remove.altered_rate)} ({remove.negatives_altered} of {remove.negatives})",
                verdict(remove.altered_rate, ALTERED_TARGET),
            ],
        ]
    if "tokenize" in reports:
        tokenize = reports["tokenize"]
        table.rows += [
            [
                "answers equal to the text sent, 'tokenize'",
                f"{pct(tokenize.restored_rate)} ({tokenize.restored} of {tokenize.records})",
                "100 % " + ("✓" if tokenize.restored == tokenize.records else "✗"),
            ],
            [
                "core values leaked, policy 'tokenize'",
                f"{pct(tokenize.core.rate)} ({tokenize.core.leaked} of {tokenize.core.values})",
                verdict(tokenize.core.rate, LEAK_TARGET),
            ],
        ]
    return table


def detector_tables(figures: DetectorFigures) -> list[Table]:
    by_class = Table(
        f"Detectors alone ({', '.join(detector_kinds())}), per class",
        ["class", "labelled", "precision", "recall", "F1", "exact spans", "FP"],
    )
    for name, s in [*figures.classes.items(), ("**all**", total(figures.classes))]:
        if s.tp + s.fn == 0 and s.fp == 0:
            continue
        exact = f"{s.exact / s.tp:.2f}" if s.tp else "-"
        labelled = f"{s.tp + s.fn:,}"
        scores = [f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", exact, f"{s.fp:,}"]
        by_class.rows.append([name, labelled, *scores])
    failed = ", ".join(f"{id} ({error})" for id, error in figures.failed.items())
    by_class.notes.append(
        f"Records without PII with any finding: {figures.negatives_flagged} of "
        f"{figures.negatives}. Scanned in {figures.seconds:.0f} s. "
        f"Records whose scan failed (counted as found nothing): {failed or 'none'}."
    )
    present = [c for c in CORE_CLASSES if figures.classes[c].tp + figures.classes[c].fn]
    by_lang = Table(
        "... per language: precision and recall over all classes, recall per class",
        ["language", "labelled", "precision", "recall", *present],
    )
    for lang, scores in figures.by_lang.items():
        whole = total(scores)
        by_lang.rows.append(
            [lang, f"{whole.tp + whole.fn:,}", f"{whole.precision:.3f}", f"{whole.recall:.3f}"]
            + [f"{scores[c].recall:.2f}" if scores[c].tp + scores[c].fn else "" for c in present]
        )
    return [by_class, by_lang]


def figures_json(
    args: argparse.Namespace,
    examples: list[Example],
    reports: dict[str, LeakReport],
    timings: dict[str, float],
    detectors: DetectorFigures | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "set": args.set if args.files is None else f"{args.set} ({args.files})",
        "records": len(examples),
        "limit": args.limit,
        "machine": machine(),
        "commit": commit(),
        "seconds": timings,
        "gateway": {action: report.as_dict() for action, report in reports.items()},
    }
    if detectors is not None:
        out["detectors"] = {
            "classes": {k: score_dict(v) for k, v in detectors.classes.items()},
            "all": score_dict(total(detectors.classes)),
            "byLanguage": {
                lang: {"all": score_dict(total(s)), **{k: score_dict(v) for k, v in s.items()}}
                for lang, s in detectors.by_lang.items()
            },
            "negatives": detectors.negatives,
            "negativesFlagged": detectors.negatives_flagged,
            "flaggedIds": detectors.flagged_ids,
            "failed": {str(k): v for k, v in detectors.failed.items()},
        }
    return out


def score_dict(s: ClassScore) -> dict[str, Any]:
    return {
        "labelled": s.tp + s.fn,
        "tp": s.tp,
        "fn": s.fn,
        "fp": s.fp,
        "precision": s.precision,
        "recall": s.recall,
        "f1": s.f1,
        "missedIds": s.missed,
        "falseIds": s.false,
    }


def machine() -> str:
    from bench.pii_eval import cpu_model

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, load average {load}, "
        f"Python {platform.python_version()}"
    )


def commit() -> str:
    """The commit measured; ``-dirty`` when tracked files differ from it (the gateway and the
    detectors run from the working tree)."""
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# -- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), default="heldout")
    parser.add_argument("--limit", type=int, help="a fixed sample of N records")
    parser.add_argument(
        "--files", help="only the set's files whose names match this glob, e.g. 'dev6_*.jsonl'"
    )
    parser.add_argument("--markdown", action="store_true", help="README-ready tables")
    parser.add_argument("--json", type=Path, help="write every figure (and ids) to this file")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--no-gateway", action="store_true", help="detector figures only")
    parser.add_argument("--no-detectors", action="store_true", help="gateway figures only")
    parser.add_argument(
        "--gateway-command",
        type=shlex.split,
        help="what starts the gateway (default: the installed 'governs', whose source is the "
        "tree pip installed); another checkout's: 'env PYTHONPATH=<tree> python -m governs'",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    examples = sample(load_set(args.set, args.files), args.limit)
    if not examples:
        print(f"no records in {SETS[args.set]}", file=sys.stderr)
        return 1
    negatives = sum(e.kind in NEGATIVE_KINDS for e in examples)
    langs = len({e.locale for e in examples})
    header = (
        f"{args.set}{' ' + args.files if args.files else ''}: {len(examples):,} records "
        f"({negatives:,} without PII), {langs} languages, "
        f"{sum(len(e.spans) for e in examples):,} labelled values; commit {commit()}; "
        f"{machine()}"
    )
    print(header + "\n")
    timings: dict[str, float] = {}
    reports: dict[str, LeakReport] = {}
    tables: list[Table] = []

    def progress(action: str, done: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{action}: {done}/{len(examples)}", end="", file=sys.stderr, flush=True)

    if not args.no_gateway:
        start = time.perf_counter()
        runs = asyncio.run(
            run_policies(examples, POLICIES, args.concurrency, progress, args.gateway_command)
        )
        timings["gateway"] = time.perf_counter() - start
        if sys.stderr.isatty():
            print(file=sys.stderr)
        reports = {action: measure(run.outcomes) for action, run in runs.items()}
        tables.append(summary_table(reports))
        for action, run in runs.items():
            timings[action] = run.seconds
            tables += leak_tables(action, reports[action], run.seconds)
    detectors = None
    if not args.no_detectors:
        detectors = detector_figures(examples)
        timings["detectors"] = detectors.seconds
        tables += detector_tables(detectors)
    for table in tables:
        print((table.markdown() if args.markdown else table.plain()) + "\n")
    if args.json is not None:
        document = figures_json(args, examples, reports, timings, detectors)
        args.json.write_text(json.dumps(document, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
