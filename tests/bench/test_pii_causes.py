"""bench/pii_causes.py counts why names are missed and what alters prompts without PII, and
prints no record (so the held-out set may be looked at through it)."""

from __future__ import annotations

from bench.pii_causes import NO_CANDIDATE, OTHER_CLASS, Causes
from bench.pii_metrics import Example, Span


def record(text: str, name: str | None, kind: str = "positive") -> Example:
    spans = () if name is None else (Span("name", text.index(name), text.index(name) + len(name)),)
    return Example(f"r-{abs(hash(text))}", "en", kind, text, spans, "chat")


def test_causes_are_counted_and_no_record_is_printed() -> None:
    causes = Causes()
    found = record("Hi Giulia, the invoice is attached.", "Giulia")
    unproposed = record("the account belongs to qx7, see below", "qx7")
    covered = record("write to jane.doe@example.com today", "jane.doe")
    negative = record("Send the build log to ops@example.com tonight.", None, "negative")
    clean = record("The weekly report is due on Friday afternoon.", None, "negative")
    for example in (found, unproposed, covered, negative, clean):
        causes.add(example)
    assert causes.names == 3
    assert causes.missed == {NO_CANDIDATE: 1, OTHER_CLASS: 1}
    assert (causes.negatives, causes.altered) == (2, 1)
    assert causes.altered_by == {("email", "email"): 1}
    assert causes.altered_formats == {("chat", "email", "email"): 1}
    report = causes.report()
    assert "1  chat: email / email" in report
    assert "qx7" not in report and "ops@example.com" not in report and "Giulia" not in report
