"""BI hand-off: a reader on the published copy is never broken or shown half a build."""

from __future__ import annotations

import shutil
import threading
import time

import duckdb

from conftest import run_dbt
from customer_journey.ops.publish import publish


def test_reader_keeps_consistent_data_while_a_build_and_publish_run(e2e_warehouse, e2e_data, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(e2e_warehouse, work / "warehouse.duckdb")
    shutil.copytree(e2e_warehouse.parent / "models", work / "models")
    published = tmp_path / "bi" / "customer_journey.duckdb"
    copied = publish(work / "warehouse.duckdb", published)
    assert copied["marts.fct_sessions"] > 0 and "ml.customer_segments" in copied
    assert not any(name.startswith("staging.") for name in copied)

    reader = duckdb.connect(str(published), read_only=True)
    expected = reader.execute("select count(*), sum(event_count) from marts.fct_sessions").fetchone()
    errors: list[Exception] = []
    seen: list[tuple] = []
    stop = threading.Event()

    def keep_reading():
        while not stop.is_set():
            try:
                seen.append(reader.execute("select count(*), sum(event_count) from marts.fct_sessions").fetchone())
            except Exception as error:  # noqa: BLE001 - any failure is the finding
                errors.append(error)
            time.sleep(0.05)

    thread = threading.Thread(target=keep_reading)
    thread.start()
    try:
        # a rebuild that changes the data (sessions cut at 10 minutes: a change of history, so a full
        # refresh of the incremental models), then a publish, while the reader reads
        result = run_dbt(
            [
                "run",
                "--select",
                "int_events_sessionized",
                "int_sessions",
                "fct_sessions",
                "--full-refresh",
                "--vars",
                "{session_timeout_minutes: 10}",
            ],
            e2e_data,
            work,
        )
        publish(work / "warehouse.duckdb", published)
    finally:
        stop.set()
        thread.join()
    assert result.returncode == 0, result.output[-3000:]
    assert not errors, errors
    assert len(seen) > 5 and all(row == expected for row in seen)  # the old, complete data throughout
    reader.close()
    fresh = duckdb.connect(str(published), read_only=True)
    after = fresh.execute("select count(*), sum(event_count) from marts.fct_sessions").fetchone()
    assert after[0] > expected[0] and after[1] == expected[1]  # more, shorter sessions; the same events
