"""Incremental builds equal a full refresh, and survive being killed.

A data set is built in full, then grown a day at a time with the generator's
`--append-days` (late events from the previous days arrive with each day, and
the appended data carries duplicates and the other dirt), with an incremental
`dbt build` after each day. A `--full-refresh` of the same raw data into
another warehouse must then hold the same rows in every incremental model.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from conftest import DBT, REPO, dbt_env, make_dataset, prime_partial_parse, run_dbt
from customer_journey.synth import generate, load_manifest

# every incremental model of the project, by schema
INCREMENTAL_MODELS = [
    "intermediate.int_events_validated",
    "intermediate.int_bot_visitors",
    "intermediate.int_events_stitched",
    "intermediate.int_events_sessionized",
    "intermediate.int_customer_daily_activity",
    "intermediate.int_sessions",
    "marts.fct_sessions",
    "marts.fct_customer_feature_snapshots",
    "intermediate.int_funnel_step_events",
    "intermediate.int_funnel_step_paths",
    "intermediate.int_journey_paths",
]
# bookkeeping columns that may differ between equal data
IGNORED = {"dbt_loaded_at"}
# the SQL layer downstream of the events: what the loop and the invariant exercise
SELECT = ["--selector", "incremental_core", "--indirect-selection", "cautious"]


def _append_day(raw) -> None:
    generate(load_manifest(raw), raw, append_days=1, quiet=True)


def _differences(db_a, db_b, model: str) -> tuple[int, int, int]:
    """(rows only in a, rows only in b, rows in a) for `model`, comparing every data column."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{db_a}' as a (read_only)")
        con.execute(f"attach '{db_b}' as b (read_only)")
        schema, table = model.split(".")
        columns = [
            (name, dtype)
            for name, dtype in con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = 'a' and table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            ).fetchall()
            if name not in IGNORED
        ]
        assert columns, f"{model} not found"
        # floating-point sums depend on the order a parallel scan adds them in: compare to 1e-9
        cols = ", ".join(
            f'round("{name}", 9) as "{name}"' if dtype in ("DOUBLE", "FLOAT") else f'"{name}"'
            for name, dtype in columns
        )
        only_a = con.execute(
            f"select count(*) from (select {cols} from a.{model} except all select {cols} from b.{model})"
        ).fetchone()[0]
        only_b = con.execute(
            f"select count(*) from (select {cols} from b.{model} except all select {cols} from a.{model})"
        ).fetchone()[0]
        rows = con.execute(f"select count(*) from a.{model}").fetchone()[0]
    finally:
        con.close()
    return only_a, only_b, rows


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """A data set built in full, then grown by three appended days with an incremental build after each."""
    base = tmp_path_factory.mktemp("incremental")
    raw = base / "raw"
    make_dataset(raw, customers=800, days=60, seed=11, dirt_rate=0.03)
    work = base / "incremental"
    first = run_dbt(["build", *SELECT], raw, work)
    assert first.returncode == 0, first.output[-4000:]
    counts = []
    for _ in range(3):
        _append_day(raw)
        step = run_dbt(["build", *SELECT], raw, work)
        assert step.returncode == 0, step.output[-4000:]
        con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
        counts.append(con.execute("select count(*) from intermediate.int_events_validated").fetchone()[0])
        con.close()
    return raw, work, counts


def test_appended_days_bring_late_and_duplicate_events(grown):
    raw, work, counts = grown
    assert counts[0] < counts[1] < counts[2]
    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    try:
        last_build = con.execute("select max(dbt_loaded_at) from intermediate.int_events_validated").fetchone()[0]
        reasons = dict(
            con.execute(
                "select quarantine_reason, count(*) from intermediate.int_events_validated "
                "where dbt_loaded_at = ? and quarantine_reason is not null group by 1",
                [last_build],
            ).fetchall()
        )
        batch, total = con.execute(
            "select count(case when dbt_loaded_at = ? then 1 end), count(*) from intermediate.int_events_validated",
            [last_build],
        ).fetchone()
        # late arrivals land in place: the last build wrote rows timed before the newest event
        # the build before it had
        late_rows = con.execute(
            "select count(*) from intermediate.int_events_validated where dbt_loaded_at = ? "
            "and event_at < (select max(event_at) from intermediate.int_events_validated where dbt_loaded_at < ?)",
            [last_build, last_build],
        ).fetchone()[0]
        # the lookback window was re-validated, and its unchanged rows kept their earlier stamp
        kept_stamps = con.execute(
            "select count(*) from intermediate.int_events_validated where dbt_loaded_at < ? "
            "and event_at >= (select max(event_at) - interval 2 day from intermediate.int_events_validated)",
            [last_build],
        ).fetchone()[0]
    finally:
        con.close()
    assert reasons.get("exact_duplicate", 0) + reasons.get("duplicate_event_id", 0) > 0, reasons
    assert late_rows > 0
    assert kept_stamps > 0
    # ... and only new or changed rows: about a day's worth, not the window or the history
    assert 0 < batch < total / 20, (batch, total)


@pytest.mark.parametrize("model", INCREMENTAL_MODELS)
def test_incremental_equals_full_refresh(grown, tmp_path_factory, model):
    raw, work, _ = grown
    full = _full_refresh(raw, tmp_path_factory)
    only_incremental, only_full, rows = _differences(work / "warehouse.duckdb", full, model)
    assert rows > 0
    assert (only_incremental, only_full) == (0, 0), (
        f"{model}: {only_incremental} rows only in the incremental build, {only_full} only in the full refresh"
    )


def _skipped_raw_files(raw, warehouse_dir, lookback_days: int) -> set[str]:
    """The raw files the next incremental build of int_events_validated leaves out of its scan,
    from its compiled SQL."""
    vars_ = f"{{incremental_lookback_days: {lookback_days}}}"
    result = run_dbt(["compile", "--select", "int_events_validated", "--vars", vars_], raw, warehouse_dir)
    assert result.returncode == 0, result.output[-3000:]
    sql = next((warehouse_dir / "target" / "compiled").rglob("int_events_validated.sql")).read_text()
    found = re.search(r"source_file not in \(([^)]*)\)", sql)
    return set(re.findall(r"'((?:[^']|'')*)'", found.group(1))) if found else set()


def test_raw_files_read_before_and_outside_the_window_are_skipped(grown, tmp_path):
    """An incremental build leaves out the raw files it read before that hold no row of its
    window (they lose it no row), reads the others, and reads a file modified since again."""
    raw, work, _ = grown
    copy = tmp_path / "planned"
    copy.mkdir()
    shutil.copy(work / "warehouse.duckdb", copy / "warehouse.duckdb")
    # a one-day window, so some older files hold none of it (with the default four days all do)
    skipped = _skipped_raw_files(raw, copy, lookback_days=1)
    con = duckdb.connect(str(copy / "warehouse.duckdb"), read_only=True)
    try:
        window = (
            "(event_at is null or event_at >= (select max(event_at) - interval 1 day "
            "from intermediate.int_events_validated where row_reason is null))"
        )
        in_window = dict(
            con.execute(
                f"select source_file, count(case when {window} then 1 end) from staging.stg_raw__events group by 1"
            ).fetchall()
        )
    finally:
        con.close()
    assert skipped and skipped < set(in_window), (skipped, in_window)
    assert {file: in_window[file] for file in skipped} == dict.fromkeys(skipped, 0)
    # a file written again after the build read it is no longer trusted: read again, by the window
    touched = sorted(skipped)[0]
    Path(touched).touch()
    assert _skipped_raw_files(raw, copy, lookback_days=1) == skipped - {touched}


def _failed_tests(output: str) -> set[str]:
    return set(re.findall(r"(?:FAIL|ERROR) \d+ (\w+) ", output))


def test_data_tests_check_the_newest_batch(grown, tmp_path, tmp_path_factory):
    """In an incremental build the data tests on incremental models read the newest batch (unique
    tests: its keys against the whole table); in a full build the batch is every row."""
    raw, work, _ = grown
    copy = tmp_path / "tested"
    copy.mkdir()
    shutil.copy(work / "warehouse.duckdb", copy / "warehouse.duckdb")
    con = duckdb.connect(str(copy / "warehouse.duckdb"))
    try:
        newest = "(select max(dbt_loaded_at) from {})"
        # an old row (an earlier batch) breaks not_null on the stitched person
        con.execute(
            "update intermediate.int_events_stitched set person_id = null where event_id = (select min(event_id) "
            f"from intermediate.int_events_stitched where dbt_loaded_at < {newest.format('intermediate.int_events_stitched')})"
        )
        # a session of the newest batch takes the id of an older one: a duplicate key across batches
        con.execute(
            "update intermediate.int_sessions set session_id = (select min(session_id) from intermediate.int_sessions "
            f"where dbt_loaded_at < {newest.format('intermediate.int_sessions')}) where session_id = (select "
            f"min(session_id) from intermediate.int_sessions where dbt_loaded_at = {newest.format('intermediate.int_sessions')})"
        )
        # a row of the newest batch breaks accepted_values on the quarantine reason
        con.execute(
            "update intermediate.int_events_validated set quarantine_reason = 'planted' where event_id = (select "
            "min(event_id) from intermediate.int_events_validated where dbt_loaded_at = "
            f"{newest.format('intermediate.int_events_validated')})"
        )
    finally:
        con.close()
    tested = ["test", "--select", "int_events_stitched", "int_sessions", "int_events_validated"]
    batch_only = run_dbt(tested, raw, copy)
    failed = _failed_tests(batch_only.output)
    assert "unique_int_sessions_session_id" in failed, batch_only.output[-3000:]
    assert any(name.startswith("accepted_values_int_events_val") for name in failed), failed
    assert "not_null_int_events_stitched_person_id" not in failed, failed
    compiled = next((copy / "target" / "compiled").rglob("not_null_int_events_stitched_person_id.sql")).read_text()
    assert "dbt_loaded_at = (select max(batch_stamps.dbt_loaded_at)" in compiled
    # a full build stamps every row of a model alike, so there the same filter keeps every row
    full = duckdb.connect(str(_full_refresh(raw, tmp_path_factory)), read_only=True)
    try:
        for model in INCREMENTAL_MODELS:
            if model != "marts.fct_sessions":  # a view over int_sessions
                assert full.execute(f"select count(distinct dbt_loaded_at) from {model}").fetchone()[0] == 1, model
    finally:
        full.close()


_FULL: dict = {}


def _full_refresh(raw, tmp_path_factory):
    if "db" not in _FULL:
        work = tmp_path_factory.mktemp("full_refresh")
        result = run_dbt(["build", *SELECT, "--full-refresh"], raw, work)
        assert result.returncode == 0, result.output[-4000:]
        _FULL["db"] = work / "warehouse.duckdb"
    return _FULL["db"]


# where the kill points fall: the line of dbt's output to wait for, and how long after it to kill
KILL_POINTS = [
    (
        "inside the first incremental model's statement",
        "START sql incremental model intermediate.int_events_validated",
        0.3,
    ),
    (
        "between models, after stitching committed its batch",
        "OK created sql incremental model intermediate.int_events_stitched",
        0,
    ),
    (
        "inside the feature snapshots' statement",
        "START sql incremental model marts.fct_customer_feature_snapshots",
        0.3,
    ),
]


def _killed_run(args: list[str], raw, work, marker: str, delay: float) -> str:
    """Run dbt, SIGKILL it `delay` seconds after `marker` appears in its output; its output."""
    env = dbt_env(raw, work)
    prime_partial_parse(work / "target2", env)
    log = work / "killed.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [DBT, *args, "--target-path", str(work / "target2"), "--log-path", str(work / "logs2")],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 300
        while time.time() < deadline and proc.poll() is None and marker not in log.read_text():
            time.sleep(0.02)
        time.sleep(delay)
        assert proc.poll() is None, f"the build finished before the kill point '{marker}': " + log.read_text()[-2000:]
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    output = log.read_text()
    assert "Completed successfully" not in output
    return output


def test_builds_killed_at_five_points_end_equal_to_a_full_refresh(tmp_path):
    """SIGKILL an incremental run at three points of the SQL chain in turn (each re-run killed at
    the next point), and a Python model midway; the next builds complete and equal a full refresh.
    (The fifth kill point, during publish, is in test_publish.py.)"""
    raw = tmp_path / "raw"
    make_dataset(raw, customers=400, days=45, seed=5, dirt_rate=0.02)
    work = tmp_path / "killed"
    assert run_dbt(["build", *SELECT], raw, work).returncode == 0
    _append_day(raw)

    for _, marker, delay in KILL_POINTS:
        # `run`: the kill points are models; the data tests a build would run before them write nothing
        _killed_run(["run", *SELECT], raw, work, marker, delay)
        if "int_events_stitched" in marker:
            con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
            try:
                stitched, snapshots = (
                    con.execute(f"select max(dbt_loaded_at) from {model}").fetchone()[0]
                    for model in ("intermediate.int_events_stitched", "marts.fct_customer_feature_snapshots")
                )
            finally:
                con.close()
            # the kill left the warehouse half way: stitching is a build ahead of the snapshots
            assert stitched > snapshots
    resumed = run_dbt(["build", *SELECT], raw, work)
    assert resumed.returncode == 0, resumed.output[-4000:]
    # a Python model killed while it computes; the re-run replaces what it left
    python_model = ["run", "--select", "fct_customer_labels", "feature_importance"]
    _killed_run(python_model, raw, work, "START python table model ml.feature_importance", 0.5)
    assert run_dbt(python_model, raw, work).returncode == 0

    full = tmp_path / "full"
    assert run_dbt(["build", *SELECT, "--full-refresh"], raw, full).returncode == 0
    assert run_dbt(python_model, raw, full).returncode == 0
    for model in [*INCREMENTAL_MODELS, "ml.feature_importance"]:
        only_incremental, only_full, _ = _differences(work / "warehouse.duckdb", full / "warehouse.duckdb", model)
        assert (only_incremental, only_full) == (0, 0), (
            f"{model} after the killed builds: {only_incremental}/{only_full}"
        )


def test_changed_path_settings_recompute_every_persons_paths(grown, tmp_path):
    """int_funnel_step_paths keeps each person's paths between builds: when the path settings
    change, an incremental build must rebuild everyone's (path_settings differs), not only the
    people with new events, and so equal a full refresh with the new settings."""
    raw, work, _ = grown
    vars_ = ["--vars", "{path_max_length: 2, dropoff_path_element: event_category}"]
    select = ["--select", "int_funnel_step_paths", "--exclude-resource-type", "test"]
    incremental, full = tmp_path / "incremental", tmp_path / "full"
    for copy in (incremental, full):
        copy.mkdir()
        shutil.copy(work / "warehouse.duckdb", copy / "warehouse.duckdb")
    assert run_dbt(["build", *select, *vars_], raw, incremental).returncode == 0
    assert run_dbt(["build", *select, *vars_, "--full-refresh"], raw, full).returncode == 0
    model = "intermediate.int_funnel_step_paths"
    only_incremental, only_full, rows = _differences(incremental / "warehouse.duckdb", full / "warehouse.duckdb", model)
    assert rows > 0
    assert (only_incremental, only_full) == (0, 0)
    con = duckdb.connect(str(incremental / "warehouse.duckdb"), read_only=True)
    try:
        settings, longest = con.execute(
            f"select list(distinct path_settings), max(before_path_length) from {model}"
        ).fetchone()
    finally:
        con.close()
    assert settings == ["event_category|2"] and longest == 2


STEP_MODELS = [
    "int_funnel_stage_entries",
    "int_funnel_event_entries",
    "int_funnel_entries",
    "int_funnel_step_outcomes",
    "int_funnel_step_events",
    "int_funnel_step_paths",
]


def _step_models_after(grown, tmp_path, args: list[str], prepare=None) -> None:
    """The funnel step models rebuilt with `args` on a copy of the grown warehouse, incrementally
    (after `prepare(connection)`) and as a full refresh: every stored step table must be equal."""
    raw, work, _ = grown
    select = ["--select", *STEP_MODELS, "--exclude-resource-type", "test"]
    incremental, full = tmp_path / "incremental", tmp_path / "full"
    for copy in (incremental, full):
        copy.mkdir()
        shutil.copy(work / "warehouse.duckdb", copy / "warehouse.duckdb")
    if prepare is not None:
        con = duckdb.connect(str(incremental / "warehouse.duckdb"))
        try:
            prepare(con)
        finally:
            con.close()
    result = run_dbt(["build", *select, *args], raw, incremental)
    assert result.returncode == 0, result.output[-3000:]
    result = run_dbt(["build", *select, *args, "--full-refresh"], raw, full)
    assert result.returncode == 0, result.output[-3000:]
    for model in ("intermediate.int_funnel_step_events", "intermediate.int_funnel_step_paths"):
        only_incremental, only_full, rows = _differences(
            incremental / "warehouse.duckdb", full / "warehouse.duckdb", model
        )
        assert rows > 0
        assert (only_incremental, only_full) == (0, 0), (model, only_incremental, only_full)


@pytest.mark.parametrize("days", [3, 45])
def test_a_changed_conversion_window_leaves_no_step_events_of_the_old_windows(grown, tmp_path, days):
    """A changed window (30 days by default) changes the drop-outs' time watched: those people are
    recomputed. A longer one also takes away the outcomes whose window now ends after the data:
    people left with none are not in the batch, and their rows must be deleted (delete_stale_rows)."""
    _step_models_after(grown, tmp_path, ["--vars", f"{{funnel_conversion_window_days: {days}}}"])


def test_the_first_build_after_an_upgrade_recomputes_the_step_events_without_dbt_loaded_at(grown, tmp_path):
    """A warehouse from before int_funnel_step_events had dbt_loaded_at: its next incremental build
    computes the batch before on_schema_change adds the column, so it must not read the column
    (last_loaded_at_or_start) and must recompute everyone."""

    def drop_the_column(con) -> None:
        con.execute("alter table intermediate.int_funnel_step_events drop column dbt_loaded_at")

    _step_models_after(grown, tmp_path, [], prepare=drop_the_column)
