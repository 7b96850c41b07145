"""Summarize a py-spy profile of the gateway: where the time of one request goes.

    python bench/profile_summary.py PROFILE.folded [--requests N] [--top 25]

Reads py-spy's ``--format raw`` output (folded stacks, recorded with ``--threads --nolineno``),
as bench/run.py --profile writes it. Each sample of the event-loop thread is put in one
category: walking from the innermost frame outwards, the first frame that belongs to a known
part of the path decides (so an ``orjson.dumps`` called by the writer counts as the record writer,
and aiohttp's shared ``http_writer`` counts as server or client by its caller). Other threads
(the SQLite threads of aiosqlite) are counted apart. py-spy sees Python frames only: time in C
(orjson, sqlite3, socket system calls) counts in the Python function that called it.
"""

from __future__ import annotations

import argparse
import collections
from collections.abc import Iterable
from pathlib import Path

EVENT_LOOP = "event loop (uvloop's C loop: epoll, reads, callbacks)"
OTHER = "other"
WRITER = "record writer: encoding and inserting rows (loop side)"
# gateway/upstream_http.py since issue #18's lean client; aiohttp's client in older profiles
UPSTREAM = "upstream client: request and response"

# (category, test on one "function (file)" frame). Order matters only within one frame.
RULES: list[tuple[str, callable]] = [
    ("middleware: request id, error rendering", lambda f: "new_request_id" in f),
    ("pipeline: records (rows, ULIDs, writer queue)", lambda f: "RecordWriter.submit" in f),
    ("pipeline: payload hash", lambda f: f.startswith("payload_hash ")),
    ("pipeline: records (rows, ULIDs, writer queue)", lambda f: "(gateway/records.py)" in f),
    ("pipeline: records (rows, ULIDs, writer queue)", lambda f: "(core/ids.py)" in f),
    (WRITER, lambda f: "(gateway/writer.py)" in f),
    (WRITER, lambda f: "(core/storage/bulk_insert.py)" in f),
    (WRITER, lambda f: "(core/storage/rollups.py)" in f),
    (WRITER, lambda f: "(sqlalchemy/" in f),
    (WRITER, lambda f: "(aiosqlite/" in f),
    ("pipeline: authentication (cached key)", lambda f: "(gateway/auth.py)" in f),
    ("pipeline: authentication (cached key)", lambda f: "(core/storage/" in f),
    ("pipeline: validation (orjson + pydantic)", lambda f: "(fronts/chat_request.py)" in f),
    ("pipeline: validation (orjson + pydantic)", lambda f: "(pydantic" in f),
    ("pipeline: adapter (build request, parse response)", lambda f: "(providers/" in f),
    ("pipeline: routing, pricing, tokens", lambda f: "(gateway/routing.py)" in f),
    ("pipeline: routing, pricing, tokens", lambda f: "(gateway/pricing.py)" in f),
    ("pipeline: routing, pricing, tokens", lambda f: "(gateway/tokens.py)" in f),
    (
        "pipeline: chat_completions' own lines",
        lambda f: "(gateway/pipeline.py)" in f or "(gateway/ledger.py)" in f,
    ),
    (UPSTREAM, lambda f: "(gateway/forwarder.py)" in f or "(gateway/upstream_http.py)" in f),
    (UPSTREAM, lambda f: "(aiohttp/client" in f or "(aiohttp/connector.py)" in f),
    ("middleware: request id, error rendering", lambda f: "(gateway/middleware.py)" in f),
    ("aiohttp server: parse request, route, respond", lambda f: "(aiohttp/web_" in f),
    ("aiohttp server: parse request, route, respond", lambda f: "(aiohttp/http_parser.py)" in f),
    ("logging", lambda f: "(logging/" in f or "(gateway/logs.py)" in f),
    (EVENT_LOOP, lambda f: f.startswith(("run_app ", "run_forever ", "run_until_complete "))),
]


def parse(lines: Iterable[str]) -> list[tuple[str, list[str], int]]:
    """(thread, frames outermost first, samples) per folded line."""
    samples = []
    for line in lines:
        line = line.rstrip("\n")
        if not line:
            continue
        stack, _, count = line.rpartition(" ")
        thread, *frames = stack.split(";")
        samples.append((thread, frames, int(count)))
    return samples


def thread_names(path: Path) -> dict[int, str]:
    """Thread id → name, from py-spy's "thread (TID): NAME" prefixes."""
    names = {}
    for thread, _, _ in parse(path.read_text().splitlines()):
        head, _, name = thread.partition("): ")
        if head.startswith("thread (") and head[8:].isdigit():
            names[int(head[8:])] = name
    return names


def category(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, test in RULES:
            if test(frame):
                return name
    return OTHER


def summarize(
    path: Path, requests: int | None = None, cpu_per_request_us: float | None = None, top: int = 25
) -> str:
    """A text report; with ``cpu_per_request_us`` (the event-loop thread's measured CPU per
    request) the shares are also given in microseconds per request."""
    samples = parse(path.read_text().splitlines())
    threads: collections.Counter[str] = collections.Counter()
    for thread, _, count in samples:
        threads[thread] += count
    main = next((t for t in threads if t.endswith("MainThread")), None)
    total = sum(threads.values())
    lines = [f"py-spy samples (active threads only): {total}"]
    for thread, count in threads.most_common():
        lines.append(f"  {count / total:6.1%}  {thread}")
    if main is None:
        return "\n".join(lines)
    main_samples = [(frames, count) for thread, frames, count in samples if thread == main]
    main_total = sum(count for _, count in main_samples)
    by_category: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    for frames, count in main_samples:
        by_category[category(frames)] += count
        own[frames[-1] if frames else "?"] += count

    def cost(count: int) -> str:
        share = count / main_total
        if cpu_per_request_us is None:
            return f"{share:6.1%}"
        return f"{share:6.1%} {share * cpu_per_request_us:7.1f} µs"

    lines.append("")
    lines.append(
        "Event-loop thread by part of the path"
        + (
            f" (µs per request of its {cpu_per_request_us:.0f} µs CPU)"
            if cpu_per_request_us
            else ""
        )
        + ":"
    )
    for name, count in by_category.most_common():
        lines.append(f"  {cost(count)}  {name}")
    lines.append("")
    lines.append(f"Event-loop thread, top {top} functions by own time:")
    for frame, count in own.most_common(top):
        lines.append(f"  {cost(count)}  {frame}")
    if requests:
        lines.append("")
        lines.append(f"({requests} requests in the profiled run)")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("profile", type=Path)
    parser.add_argument("--requests", type=int)
    parser.add_argument("--cpu-per-request-us", type=float)
    parser.add_argument("--top", type=int, default=25)
    arguments = parser.parse_args()
    print(
        summarize(
            arguments.profile, arguments.requests, arguments.cpu_per_request_us, arguments.top
        )
    )
