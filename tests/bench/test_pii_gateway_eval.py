"""The PII evaluation harness (bench/pii_gateway_eval.py) measures what it claims to.

A fixed sample of the development set (never the held-out set), plus a few records whose fate
does not depend on detector quality, goes through a real ``governs serve`` with the ``openai``
SDK, under ``pass_through``, ``remove`` and ``tokenize`` for every class. The assertions are on
the harness (a value that reached the provider is counted as leaked, one that did not is not),
never on detector quality: those figures are the bench script's to report.
"""

from __future__ import annotations

import asyncio
import sys

import pytest

from bench.pii_gateway_eval import parse_args
from bench.pii_gateway_run import run_policies
from bench.pii_leaks import CORE_CLASSES, Outcome, baseline, measure, value_leaks
from bench.pii_metrics import DEV, Example, Span, load_marked

SAMPLE_SIZE = 60
EMAIL = "jane.doe@example.com"  # found by the email detector whatever else changes
BADGE = "EMP-204811"  # a class no detector knows: reaches the provider under every policy


def example(record_id: str, text: str, spans: tuple[tuple[str, str], ...], kind: str) -> Example:
    """A record labelling each (class, value) of ``spans`` at its first place in ``text``."""
    positions = tuple(
        Span(pii_class, text.index(value), text.index(value) + len(value))
        for pii_class, value in spans
    )
    return Example(record_id, "en", kind, text, positions, "prose")


KNOWN = [
    example(
        "known-email", f"Please write to {EMAIL} about the refund.", (("email", EMAIL),), "positive"
    ),
    example(
        "known-badge", f"Badge {BADGE} opens the north door.", (("employee_id", BADGE),), "positive"
    ),
    example(
        "known-negative-email", "Send the build log to ops@example.com tonight.", (), "negative"
    ),
    example("known-negative", "The weekly report is due on Friday afternoon.", (), "negative"),
]


def dev_sample() -> list[Example]:
    records = load_marked(DEV)
    assert records, f"the development set is missing from {DEV}"
    step = max(1, len(records) // SAMPLE_SIZE)
    return records[::step][:SAMPLE_SIZE]


@pytest.fixture(scope="module")
def outcomes() -> dict[str, list[Outcome]]:
    # The gateway started as another checkout's would be (``--gateway-command``): this
    # interpreter running the ``governs`` package.
    runs = asyncio.run(
        run_policies(
            dev_sample() + KNOWN,
            ["pass_through", "remove", "tokenize"],
            command=[sys.executable, "-m", "governs"],
        )
    )
    return {action: run.outcomes for action, run in runs.items()}


def by_id(found: list[Outcome], record_id: str) -> Outcome:
    return next(o for o in found if o.example.id == record_id)


def test_pass_through_counts_every_value_as_leaked(outcomes: dict[str, list[Outcome]]) -> None:
    report = measure(outcomes["pass_through"])
    assert report.records > len(KNOWN)
    assert not report.refused
    assert report.core.values > 0
    assert report.core.leaked == report.core.values
    for name, tally in report.classes.items():
        assert tally.leaked == tally.values, name
        assert tally.partial_leaked == tally.partial_values, name
    assert report.negatives_altered == 0
    assert report.restored == report.records  # the fake echoes, nothing to restore


def test_a_removed_value_is_not_a_leak_and_an_unknown_class_is(
    outcomes: dict[str, list[Outcome]],
) -> None:
    found = outcomes["remove"]
    email = by_id(found, "known-email")
    assert email.upstream_prompt is not None
    assert EMAIL not in email.upstream_prompt and "[REDACTED_EMAIL]" in email.upstream_prompt
    report = measure([email, by_id(found, "known-badge")])
    assert (report.classes["email"].values, report.classes["email"].leaked) == (1, 0)
    assert (report.classes["employee_id"].values, report.classes["employee_id"].leaked) == (1, 1)
    assert report.core.values == 1  # employee_id is not a built-in class: not in the core rate
    assert report.leaked_ids == {"employee_id": ["known-badge"]}


def test_a_prompt_without_labels_but_rewritten_counts_as_altered(
    outcomes: dict[str, list[Outcome]],
) -> None:
    rewritten = by_id(outcomes["remove"], "known-negative-email")
    plain = by_id(outcomes["remove"], "known-negative")
    assert rewritten.upstream_prompt is not None
    assert "[REDACTED_EMAIL]" in rewritten.upstream_prompt
    report = measure([rewritten, plain])
    assert report.negatives == 2
    assert "known-negative-email" in report.altered_ids
    # Whatever the detectors make of the plain one, it counts as altered exactly when it was.
    assert ("known-negative" in report.altered_ids) == (plain.upstream_prompt != plain.example.text)
    # ... and the per-format and per-language tallies add up to the same.
    fmt = rewritten.example.format
    by_format = [v for (kind, _), v in report.negatives_by.items() if kind == "format"]
    assert [sum(v[0] for v in by_format), sum(v[1] for v in by_format)] == [
        2,
        report.negatives_altered,
    ]
    assert report.negatives_by["format", fmt][1] >= 1


def test_tokenized_values_come_back_and_are_not_leaks(outcomes: dict[str, list[Outcome]]) -> None:
    email = by_id(outcomes["tokenize"], "known-email")
    assert email.upstream_prompt is not None
    assert EMAIL not in email.upstream_prompt and "<EMAIL_1>" in email.upstream_prompt
    assert email.answer == email.example.text
    report = measure([email])
    assert (report.restored, report.core.leaked) == (1, 0)


def test_leaks_counted_on_the_sample_are_values_that_reached_the_provider(
    outcomes: dict[str, list[Outcome]],
) -> None:
    for action in ("remove", "tokenize"):
        for outcome in outcomes[action]:
            upstream = outcome.upstream or ""
            for span, leak in zip(
                outcome.example.spans, value_leaks(outcome.example, upstream), strict=True
            ):
                value = outcome.example.text[span.start : span.end]
                if value not in upstream:
                    assert not leak.leaked, (action, outcome.example.id, span)
                if leak.leaked:
                    assert upstream.count(value) > baseline(outcome.example).count(value)
    report = measure(outcomes["remove"])
    assert set(report.classes) >= {s.pii_class for o in outcomes["remove"] for s in o.example.spans}
    assert report.core.values == sum(
        t.values for name, t in report.classes.items() if name in CORE_CLASSES
    )


def test_the_leak_rules() -> None:
    text = "Jordan met Jordan in Amman; write to Ana Berg, Ana Berg."
    record = Example(
        "rules",
        "en",
        "positive",
        text,
        (Span("name", 11, 17), Span("name", 37, 45), Span("name", 47, 55)),
    )
    # The country "Jordan" (unlabelled) may stay; one of the two "Ana Berg"s got through.
    leaks = value_leaks(record, "Jordan met [X] in Amman; write to [X], Ana Berg.")
    assert [leak.leaked for leak in leaks] == [False, True, False]
    # Only the surname left: not leaked, but leaked in part.
    leaks = value_leaks(record, "Jordan met [X] in Amman; write to [X] Berg, [X].")
    assert [(leak.leaked, leak.partial) for leak in leaks] == [
        (False, False),
        (False, True),
        (False, True),
    ]


def test_the_gateway_command_is_split_as_a_shell_would() -> None:
    args = parse_args(["--gateway-command", "env PYTHONPATH='/a tree' python -m governs"])
    assert args.gateway_command == ["env", "PYTHONPATH=/a tree", "python", "-m", "governs"]
    assert parse_args([]).gateway_command is None
