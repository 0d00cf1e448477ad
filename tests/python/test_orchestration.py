"""Dagster orchestration (customer_journey.orchestration), run in process.

The definitions load over the project's manifest with their lineage; the raw-folder sensor's rules
hold on a temp folder; and, end to end on a small generated data set, the sensor turns an appended
day into exactly one incremental run whose warehouse equals the same incremental `dbt build` run by
hand, which is published, while a failing build is not.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from conftest import make_dataset, run_dbt
from customer_journey.orchestration import fingerprints
from customer_journey.orchestration.definitions import (
    BuildConfig,
    build_definitions,
    dbt_build_args,
    published_path,
    wait_for_build_lock,
)
from customer_journey.synth import generate, load_manifest
from customer_journey.warehouse_session import acquire_build_lock

# the end-to-end builds use the incremental chain only (the selector test_incremental.py builds)
SELECTOR = "incremental_core"
CAUTIOUS = ["--indirect-selection", "cautious"]  # no tests of models outside the selector
IGNORED_COLUMNS = {"dbt_loaded_at"}


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    """The project parsed once (manifest and partial-parse state) with the data set's environment."""
    base = tmp_path_factory.mktemp("orchestration")
    raw = base / "raw"
    make_dataset(raw, customers=300, days=30, seed=23, dirt_rate=0.02)
    work = base / "dagster"
    result = run_dbt(["parse"], raw, work)
    assert result.returncode == 0, result.output[-4000:]
    env = {
        "CJ_RAW_PATH": str(raw),
        "CJ_DUCKDB_PATH": str(work / "warehouse.duckdb"),
        "CJ_DUCKDB_TEMP_DIR": str(work / "tmp"),
        "CJ_MODEL_DIR": str(work / "models"),
        "CJ_ASSETS_DIR": str(work / "assets"),
        "CJ_PII_SALT": os.environ.get("CJ_PII_SALT") or "test-salt-0123456789",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        # dagster-dbt writes each invocation's artifacts under $DBT_TARGET_PATH (and reuses its partial parse)
        "DBT_TARGET_PATH": str(work / "target"),
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        yield raw, work


# --- definitions --------------------------------------------------------------------------------


def test_definitions_load_with_lineage_sensor_schedule(parsed):
    _, work = parsed
    defs = build_definitions(work / "target", prepare=False)
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    for name in (
        "raw/events",
        "staging/stg_raw__events",
        "intermediate/int_sessions",
        "marts/fct_sessions",
        "marts/rpt_information_gaps",
        "ml/churn_predictions",
        "activation/next_best_actions",
        "published_warehouse",
    ):
        assert name in keys, name

    def parents(key: str) -> set[str]:
        return {k.to_user_string() for k in graph.get(dg.AssetKey(key.split("/"))).parent_keys}

    # raw -> staging -> intermediate -> marts, and publish after the marts, ml and activation
    assert "raw/events" in parents("staging/stg_raw__events")
    assert "staging/stg_raw__events" in parents("intermediate/int_events_validated")
    assert "intermediate/int_sessions" in parents("marts/fct_sessions")
    assert {"marts/fct_sessions", "ml/churn_predictions", "activation/next_best_actions"} <= parents(
        "published_warehouse"
    )
    assert not any(k.startswith(("staging/", "intermediate/")) for k in parents("published_warehouse"))
    # the job builds every dbt asset, then publishes
    job = defs.resolve_job_def("build_warehouse")
    buildable = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    assert job.asset_layer.executable_asset_keys == buildable
    assert len(buildable) > 100
    sensor = defs.resolve_sensor_def("raw_files_sensor")
    assert sensor.job_name == "build_warehouse"
    schedule = defs.resolve_schedule_def("weekly_retrain")
    assert schedule.cron_schedule == "0 3 * * 1"
    assert schedule.job_name == "build_warehouse"
    request = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=None)).run_requests[0]
    assert request.run_config["ops"] == {"warehouse": {"config": {"retrain": "always", "full_refresh": False}}}


def test_dbt_arguments_carry_the_retrain_var():
    assert dbt_build_args(BuildConfig()) == ["build"]
    assert dbt_build_args(BuildConfig(retrain="always"), unit_tests=False) == [
        "build",
        "--vars",
        '{"retrain": "always"}',
        "--exclude-resource-type",
        "unit_test",
    ]
    with pytest.raises(dg.Failure):
        dbt_build_args(BuildConfig(retrain="sometimes"))


# --- the sensor's rules, on a temp folder (pure functions) ----------------------------------------


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _tick(cursor: str | None, raw: Path, outcome: str | None = fingerprints.SUCCESS) -> fingerprints.Decision:
    """One tick over `raw`; the run of a pending request ended as `outcome` (None: still running)."""
    pending = fingerprints.pending_run_key(cursor) is not None
    return fingerprints.decide(cursor, fingerprints.scan(raw), outcome if pending else None)


def _settled(cursor: str | None, raw: Path) -> tuple[list[fingerprints.Decision], str]:
    """Two ticks over an unchanged folder: the decisions and the cursor after them."""
    first = _tick(cursor, raw)
    second = _tick(first.cursor, raw)
    return [first, second], second.cursor


def test_sensor_rules_on_a_folder(tmp_path):
    raw = tmp_path / "raw"
    _write(raw / "events" / "part-d00000-00030.parquet", b"a" * 100)
    _write(raw / "customers" / "part-d00000-00030.parquet", b"c" * 10)
    # the first stable scan builds once (a new instance cannot know what the warehouse was built from)
    decisions, cursor = _settled(None, raw)
    assert [d.run for d in decisions] == [False, True]
    assert "waiting" in decisions[0].reason
    # no change -> no run, however many ticks
    for _ in range(3):
        decision = _tick(cursor, raw)
        assert not decision.run, decision.reason
        cursor = decision.cursor
    # a new day file -> exactly one run over the next ticks, naming it
    _write(raw / "events" / "part-d00030-00031.parquet", b"b" * 50)
    decisions, cursor = _settled(cursor, raw)
    assert [d.run for d in decisions] == [False, True]
    assert decisions[1].reason == "1 added"
    assert fingerprints.changes(None, fingerprints.scan(raw))["added"][-1] == "events/part-d00030-00031.parquet"
    # the same files again -> none
    for _ in range(2):
        decision = _tick(cursor, raw)
        assert not decision.run
        cursor = decision.cursor
    # a modified file (same size, new mtime) -> one
    day = raw / "events" / "part-d00030-00031.parquet"
    stat = day.stat()
    os.utime(day, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    decisions, cursor = _settled(cursor, raw)
    assert [d.run for d in decisions] == [False, True]
    assert decisions[1].reason == "1 changed"
    # a file still being written (growing between ticks) waits until it stops
    growing = raw / "orders" / "part-d00031-00032.parquet"
    _write(growing, b"o" * 10)
    decision = _tick(cursor, raw)
    with growing.open("ab") as handle:
        handle.write(b"o" * 10)
    decision = _tick(decision.cursor, raw)
    assert not decision.run
    decision = _tick(decision.cursor, raw)
    assert decision.run and decision.reason == "1 added"
    cursor = decision.cursor
    # files the build does not read change nothing
    for ignored in ("_truth/dirt/x.parquet", "_pending/events/c0000.parquet", "_manifest.json", "events/.x.swp"):
        _write(raw / ignored, b"x")
    _write(raw / "events" / "part-d00032.parquet.tmp", b"x")
    decisions, cursor = _settled(cursor, raw)
    assert not any(d.run for d in decisions)
    # a removed file is a change too (the build reads what is there)
    growing.unlink()
    decisions, cursor = _settled(cursor, raw)
    assert [d.run for d in decisions] == [False, True]
    assert decisions[1].reason == "1 removed"


def test_run_keys_differ_per_change_set(tmp_path):
    raw = tmp_path / "raw"
    _write(raw / "events" / "a.parquet", b"a")
    decisions, cursor = _settled(None, raw)
    first_key = decisions[1].run_key
    _write(raw / "events" / "b.parquet", b"b")
    second = _settled(cursor, raw)[0][1]
    assert second.run and second.run_key and second.run_key != first_key
    # an unreadable cursor counts as none: the next stable scan builds once
    assert _settled("{not json", raw)[0][1].run


def test_a_change_set_is_built_only_by_a_successful_run(tmp_path):
    raw = tmp_path / "raw"
    day = raw / "events" / "a.parquet"
    _write(day, b"a")
    decisions, cursor = _settled(None, raw)
    first = decisions[1]
    assert first.run
    # while the run is queued or running nothing more is requested, even for files arriving meanwhile
    _write(raw / "orders" / "b.parquet", b"b")
    for _ in range(2):
        decision = _tick(cursor, raw, outcome=None)
        assert not decision.run and "has not finished" in decision.reason
        cursor = decision.cursor
    # it fails: the change set is not built; the files as they are now are requested again
    decision = _tick(cursor, raw, outcome=fingerprints.FAILURE)
    assert decision.run and decision.run_key != first.run_key
    keys = [first.run_key, decision.run_key]
    cursor = decision.cursor
    # ... and fails again, twice: the third failure of the same files stops the retries
    decision = _tick(cursor, raw, outcome=fingerprints.FAILURE)
    assert decision.run and decision.reason.endswith("attempt 2 of 3 after a failed run"), decision.reason
    keys.append(decision.run_key)
    decision = _tick(decision.cursor, raw, outcome=fingerprints.FAILURE)
    assert decision.run and decision.reason.endswith("attempt 3 of 3 after a failed run")
    keys.append(decision.run_key)
    decision = _tick(decision.cursor, raw, outcome=fingerprints.FAILURE)
    assert not decision.run and "failed 3 times" in decision.reason
    decision = _tick(decision.cursor, raw)
    assert not decision.run and "failed 3 times" in decision.reason
    # the files change (fixed): requested again, and a success makes them built
    stat = day.stat()
    os.utime(day, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    decisions, cursor = _settled(decision.cursor, raw)
    assert [d.run for d in decisions] == [False, True]
    fixed = decisions[1]
    keys.append(fixed.run_key)
    decision = _tick(cursor, raw)
    assert not decision.run and decision.reason == "no new or changed raw files"
    # a file added and removed again: the folder is back to a built state, yet each is a new run key
    extra = raw / "events" / "c.parquet"
    _write(extra, b"c")
    decisions, cursor = _settled(decision.cursor, raw)
    assert decisions[1].run
    keys.append(decisions[1].run_key)
    extra.unlink()
    decisions, cursor = _settled(cursor, raw)  # the run adding it succeeds; the removal settles, runs
    assert [d.run for d in decisions] == [False, True]
    assert decisions[1].run and decisions[1].run_key.split("-")[0] == fixed.run_key.split("-")[0]
    keys.append(decisions[1].run_key)
    assert len(set(keys)) == len(keys) == 7, keys


def test_warehouse_busy_follows_the_build_lock(tmp_path):
    database = tmp_path / "w.duckdb"
    assert not fingerprints.warehouse_busy(database)
    handle = acquire_build_lock(database)
    try:
        assert fingerprints.warehouse_busy(database)
    finally:
        assert handle is not None
        handle.close()
    assert not fingerprints.warehouse_busy(database)


def test_a_run_waits_for_the_build_lock(tmp_path):
    database = tmp_path / "w.duckdb"
    handle = acquire_build_lock(database)
    assert handle is not None
    messages: list[str] = []
    log = type("Log", (), {"info": lambda self, message: messages.append(message)})()
    with pytest.raises(dg.Failure, match="stayed locked"):
        wait_for_build_lock(database, log, timeout=0.3, poll=0.1)
    threading.Timer(0.5, handle.close).start()
    started = time.monotonic()
    wait_for_build_lock(database, log, timeout=30, poll=0.1)
    assert 0.4 < time.monotonic() - started < 10
    assert "waiting" in messages[0]


# --- end to end, in process ---------------------------------------------------------------------


def _sensor_ticks(defs: dg.Definitions, instance: dg.DagsterInstance, cursor: str | None, ticks: int = 2):
    """Evaluate the sensor `ticks` times; (run requests, cursor)."""
    sensor = defs.resolve_sensor_def("raw_files_sensor")
    requests = []
    for _ in range(ticks):
        data = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs))
        requests += data.run_requests or []
        cursor = data.cursor
    return requests, cursor


def _execute(defs: dg.Definitions, instance: dg.DagsterInstance, request: dg.RunRequest):
    return defs.resolve_job_def("build_warehouse").execute_in_process(
        instance=instance, run_config=request.run_config, tags=request.tags, raise_on_error=False
    )


def _failures(result) -> str:
    return "\n".join(
        str(e.event_specific_data.error.to_string())[-3000:]
        for e in result.all_events
        if e.event_type == dg.DagsterEventType.STEP_FAILURE
    )


def _relations(database: Path, schemas: tuple[str, ...]) -> dict[str, object]:
    """Every table and view of `schemas` in `database`, as Arrow tables (views read in their own catalog)."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        names = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() where schema_name in ? "
            "union all select schema_name || '.' || view_name from duckdb_views() "
            "where schema_name in ? and not internal order by 1",
            [list(schemas), list(schemas)],
        ).fetchall()
        return {name: con.sql(f"select * from {name}").to_arrow_table() for (name,) in names}
    finally:
        con.close()


def _table_differences(a: Path, b: Path) -> dict[str, tuple[int, int, int]]:
    """Per marts relation: (rows only in a, rows only in b, rows in a), comparing every data column;
    per staging / intermediate relation, the row counts' differences."""
    left, right = (
        _relations(a, ("staging", "intermediate", "marts")),
        _relations(b, ("staging", "intermediate", "marts")),
    )
    assert sorted(left) == sorted(right)
    con = duckdb.connect()
    out: dict[str, tuple[int, int, int]] = {}
    try:
        for name in sorted(left):
            rows_a, rows_b = left[name].num_rows, right[name].num_rows
            if not name.startswith("marts."):
                out[name] = (rows_a - rows_b, rows_b - rows_a, rows_a)
                continue
            con.register("rel_a", left[name])
            con.register("rel_b", right[name])
            columns = [
                (column, str(dtype))
                for column, dtype in zip(left[name].column_names, left[name].schema.types, strict=True)
                if column not in IGNORED_COLUMNS
            ]
            # floating-point sums depend on the order a parallel scan adds them in: compare to 1e-9
            cols = ", ".join(f'round("{c}", 9) as "{c}"' if t in ("double", "float") else f'"{c}"' for c, t in columns)
            only_a, only_b = con.execute(
                f"select (select count(*) from (select {cols} from rel_a except all select {cols} from rel_b)), "
                f"(select count(*) from (select {cols} from rel_b except all select {cols} from rel_a))"
            ).fetchall()[0]
            out[name] = (only_a, only_b, rows_a)
            con.unregister("rel_a")
            con.unregister("rel_b")
    finally:
        con.close()
    return out


def _count(database: Path, relation: str) -> int:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(f"select count(*) from {relation}").fetchall()[0][0]
    finally:
        con.close()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_an_appended_day_triggers_one_incremental_run_equal_to_dbt_by_hand(parsed, tmp_path):
    raw, work = parsed
    database = work / "warehouse.duckdb"
    defs = build_definitions(work / "target", selector=SELECTOR, unit_tests=False, prepare=False, extra_args=CAUTIOUS)
    instance = dg.DagsterInstance.ephemeral()
    started = time.monotonic()

    # a new instance: the first stable scan builds the warehouse once, and publishes it
    requests, cursor = _sensor_ticks(defs, instance, None)
    assert len(requests) == 1
    first = _execute(defs, instance, requests[0])
    assert first.success, _failures(first)
    assert published_path() == work / "bi" / "warehouse.duckdb"
    assert published_path().exists()
    requests, cursor = _sensor_ticks(defs, instance, cursor)
    assert requests == []

    # the warehouse as the first run left it, kept for the incremental build by hand
    first_build = tmp_path / "first_build.duckdb"
    shutil.copy(database, first_build)
    events_before = _count(database, "intermediate.int_events_validated")

    # an appended day of generated data -> exactly one run request over the next ticks, then none
    generate(load_manifest(raw), raw, append_days=1, quiet=True)
    requests, cursor = _sensor_ticks(defs, instance, cursor, ticks=3)
    assert len(requests) == 1
    assert "added" in requests[0].tags["customer_journey/changes"]
    assert _sensor_ticks(defs, instance, cursor)[0] == []
    result = _execute(defs, instance, requests[0])
    assert result.success, _failures(result)
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"intermediate/int_events_validated", "marts/fct_sessions", "published_warehouse"} <= materialized
    dagster_seconds = time.monotonic() - started
    by_dagster = tmp_path / "by_dagster.duckdb"
    shutil.copy(database, by_dagster)

    # the same incremental build by hand, on the first build's warehouse put back in place (same
    # environment and target as the parse: dbt reuses its partial parse)
    shutil.copy(first_build, database)
    by_hand = run_dbt(["build", "--selector", SELECTOR, *CAUTIOUS], raw, work)
    assert by_hand.returncode == 0, by_hand.output[-4000:]
    differences = _table_differences(by_dagster, database)
    assert differences["marts.fct_sessions"][2] > 0
    assert differences["marts.fct_customer_feature_snapshots"][2] > 0
    assert {k: v for k, v in differences.items() if v[:2] != (0, 0)} == {}
    # the run was incremental and took the new day: more events, the first build's rows kept their batch
    assert differences["intermediate.int_events_validated"][2] > events_before
    con = duckdb.connect(str(by_dagster), read_only=True)
    try:
        batches = con.execute("select count(distinct dbt_loaded_at) from intermediate.int_events_validated")
        assert batches.fetchall()[0][0] == 2
    finally:
        con.close()
    # ... and published: the BI copy holds the new sessions
    assert _count(published_path(), "marts.fct_sessions") == differences["marts.fct_sessions"][2]
    print(f"dagster: two runs in {dagster_seconds:.1f} s")


def test_a_failing_build_does_not_publish(parsed):
    raw, work = parsed
    defs = build_definitions(work / "target", selector=SELECTOR, unit_tests=False, prepare=False, extra_args=CAUTIOUS)
    instance = dg.DagsterInstance.ephemeral()
    target = published_path()
    before = _digest(target) if target.exists() else None
    # an events file the build cannot read
    bad = raw / "events" / "part-zz-broken.parquet"
    bad.write_bytes(b"this is not parquet")
    try:
        # the cursor of an instance that built the folder as it was before the broken file
        state = fingerprints.scan(raw)
        del state["events/part-zz-broken.parquet"]
        cursor = None
        for outcome in (None, None, fingerprints.SUCCESS):  # settle, request, the request's run succeeded
            cursor = fingerprints.decide(cursor, state, outcome).cursor
        requests, cursor = _sensor_ticks(defs, instance, cursor)
        assert len(requests) == 1
        result = _execute(defs, instance, requests[0])
        assert not result.success
        # the sensor sees the run failed: the same files are requested again, as a new run
        retry, cursor = _sensor_ticks(defs, instance, cursor, ticks=1)
        assert len(retry) == 1 and retry[0].run_key != requests[0].run_key
        assert "attempt 2 of 3" in retry[0].tags["customer_journey/changes"]
        again = _execute(defs, instance, retry[0])
        assert not again.success
    finally:
        bad.unlink()
    # the broken file removed, the folder is what the instance last built: nothing to do
    requests_after, _ = _sensor_ticks(defs, instance, cursor, ticks=2)
    assert requests_after == []
    failed = {e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE}
    assert failed == {"warehouse"}
    assert "published_warehouse" not in {
        e.step_key for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_START
    }
    assert (_digest(target) if target.exists() else None) == before
