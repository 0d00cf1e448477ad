"""BI hand-off: a reader on the published copy is never broken or shown half a build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from conftest import REPO, prime_partial_parse, run_dbt
from customer_journey.ops.publish import PublishRefused, publish


def test_reader_keeps_consistent_data_while_a_build_and_publish_run(e2e_warehouse, e2e_data, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(e2e_warehouse, work / "warehouse.duckdb")
    shutil.copytree(e2e_warehouse.parent / "models", work / "models")
    published = tmp_path / "bi" / "customer_journey.duckdb"
    copied = publish(work / "warehouse.duckdb", published)
    assert copied["marts.fct_sessions"] > 0 and "ml.customer_segments" in copied
    assert not any(name.startswith("staging.") for name in copied)
    with duckdb.connect(str(published), read_only=True) as check:
        # the v1.2.0 storage format (what the Evidence report's Node DuckDB 1.4 opens), and the
        # deprecated aliases resolve inside the copy on its own
        storage = check.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = current_database()"
        ).fetchone()[0]
        assert storage.startswith("v1.2.0"), storage
        aliased = check.execute("select count(*) from marts.next_best_actions").fetchone()[0]
        assert aliased == copied["activation.next_best_actions"]

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


def _warehouse_copy(e2e_warehouse, tmp_path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(e2e_warehouse, work / "warehouse.duckdb")
    return work


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".tmp.wal")))


def test_a_failed_build_is_not_published(e2e_warehouse, e2e_data, tmp_path):
    work = _warehouse_copy(e2e_warehouse, tmp_path)
    published = tmp_path / "bi" / "customer_journey.duckdb"
    publish(work / "warehouse.duckdb", published)
    before = published.stat().st_mtime_ns
    # an error-severity data test fails: the build is recorded as failed
    result = run_dbt(
        ["build", "--select", "rpt_quarantine_summary", "--vars", "{quarantine_error_rate: -1}"], e2e_data, work
    )
    assert result.returncode != 0
    with pytest.raises(PublishRefused, match=r"its last `dbt build` failed \(1 failed: quarantine_rate_below_error"):
        publish(work / "warehouse.duckdb", published)
    assert published.stat().st_mtime_ns == before and _leftovers(published.parent) == []
    # a good build publishes again
    assert run_dbt(["build", "--select", "rpt_quarantine_summary"], e2e_data, work).returncode == 0
    assert publish(work / "warehouse.duckdb", published)["marts.rpt_quarantine_summary"] > 0


def test_a_killed_build_is_not_published(e2e_warehouse, e2e_data, tmp_path):
    work = _warehouse_copy(e2e_warehouse, tmp_path)
    env = {
        **os.environ,
        "CJ_RAW_PATH": str(e2e_data),
        "CJ_DUCKDB_PATH": str(work / "warehouse.duckdb"),
        "CJ_DUCKDB_TEMP_DIR": str(work / "tmp"),
        "CJ_PII_SALT": os.environ.get("CJ_PII_SALT") or "test-salt-0123456789",
        "PYTHONUNBUFFERED": "1",
    }
    dbt = str(Path(sys.executable).with_name("dbt"))
    prime_partial_parse(work / "t", env)
    proc = subprocess.Popen(
        [dbt, "run", "--select", "+fct_orders", "--target-path", str(work / "t"), "--log-path", str(work / "l")],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    for line in proc.stdout:  # the hooks ran once the first model starts
        if "START sql" in line:
            break
    proc.kill()
    proc.wait()
    with pytest.raises(PublishRefused, match="has not finished"):
        publish(work / "warehouse.duckdb", tmp_path / "bi" / "customer_journey.duckdb")
    assert _leftovers(tmp_path / "bi") == []


def test_publish_refuses_cleanly_while_a_build_holds_the_warehouse(e2e_warehouse, tmp_path):
    work = _warehouse_copy(e2e_warehouse, tmp_path)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(60)",
            str(work / "warehouse.duckdb"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(PublishRefused, match="another process holds it"):
            publish(work / "warehouse.duckdb", tmp_path / "bi" / "customer_journey.duckdb")
    finally:
        holder.kill()
        holder.wait()
    assert _leftovers(tmp_path / "bi") == []


def test_a_killed_publish_leaves_the_old_copy_and_the_next_one_completes(e2e_warehouse, tmp_path):
    """Kill point during publish: readers keep the previous copy; the next publish cleans up and completes."""
    work = _warehouse_copy(e2e_warehouse, tmp_path)
    published = tmp_path / "bi" / "customer_journey.duckdb"
    before = publish(work / "warehouse.duckdb", published)
    stamp = published.stat().st_mtime_ns
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from customer_journey.ops.publish import publish; "
            "publish(Path(sys.argv[1]), Path(sys.argv[2]))",
            str(work / "warehouse.duckdb"),
            str(published),
        ]
    )
    partial = published.with_name(f".{published.name}.{proc.pid}.tmp")
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and not (partial.exists() and partial.stat().st_size):
        time.sleep(0.01)
    assert proc.poll() is None, "publish finished before it could be killed"
    proc.kill()
    proc.wait()
    assert published.stat().st_mtime_ns == stamp and _leftovers(published.parent)  # old copy; debris of the kill
    with duckdb.connect(str(published), read_only=True) as reader:
        assert reader.execute("select count(*) from marts.fct_sessions").fetchone()[0] == before["marts.fct_sessions"]
    assert publish(work / "warehouse.duckdb", published) == before
    assert _leftovers(published.parent) == []
