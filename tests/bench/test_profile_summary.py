"""bench/profile_summary.py puts each event-loop sample in the part of the path it belongs to."""

from __future__ import annotations

from pathlib import Path

from bench.profile_summary import EVENT_LOOP, UPSTREAM, WRITER, category, summarize


def test_the_upstream_client_is_its_own_part_even_on_a_torn_stack() -> None:
    # A coroutine resumed by the loop shows only its own frames, no pipeline above them.
    torn = [
        "Pool.request (gateway/upstream_http.py)",
        "_Connection.send (gateway/upstream_http.py)",
    ]
    assert category(torn) == UPSTREAM
    assert category(["run_app (aiohttp/web.py)", "data_received (gateway/upstream_http.py)"]) == (
        UPSTREAM
    )
    assert category(
        ["_serve (gateway/pipeline.py)", "HttpTransport.send (gateway/forwarder.py)"]
    ) == (UPSTREAM)


def test_rollups_count_as_the_record_writer_not_as_authentication() -> None:
    frames = [
        "RecordWriter._insert (gateway/writer.py)",
        "RollupWriter.insert (core/storage/rollups.py)",
        "fold (core/storage/rollups.py)",
    ]
    assert category(frames) == WRITER
    assert category(["run_app (aiohttp/web.py)"]) == EVENT_LOOP


def test_a_summary_of_a_folded_profile(tmp_path: Path) -> None:
    folded = tmp_path / "p.folded"
    folded.write_text(
        "thread (1): MainThread;Pool.request (gateway/upstream_http.py) 30\n"
        "thread (1): MainThread;run_app (aiohttp/web.py) 70\n"
        "thread (2): Thread-2 (_connection_worker_thread);execute (sqlite3) 25\n"
    )
    report = summarize(folded)
    assert "  80.0%  thread (1): MainThread" in report
    assert f"30.0%  {UPSTREAM}" in report and f"70.0%  {EVENT_LOOP}" in report
