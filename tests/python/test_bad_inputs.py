"""Bad input never gives a wrong green build: it is quarantined with a named reason, or the build stops
naming the file, table or column (issue: "No wrong green build").

One small generated data set is built clean (the baseline). A dirty copy of it, read from a raw path
with a quote and a space, carries one change per case: placeholder dates (1900-01-01, 0001-01-01),
NaN / Infinity / absurd amounts, text in a numeric Parquet column, events in hive-style partition
folders, epoch-integer timestamps (seconds in one file, milliseconds in another) and a 0-byte file.
Its build must pass with exactly the planted rows quarantined under their reasons and everything else
equal to the baseline (fct_orders, snapshots, churn predictions, the data calendar). Other inputs must
stop the build with a message that names the problem.
"""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from conftest import make_dataset, run_dbt

pytestmark = pytest.mark.dbt

# the bad rows planted in the dirty copy, with the reason each must be quarantined under
PLANTED_CUSTOMERS = {"C9000001": ("1900-01-01 00:00:00", "implausible_timestamp")}
PLANTED_ORDERS = {
    9000001: ("nan", "implausible_amount"),
    9000002: ("inf", "implausible_amount"),
    9000003: ("-inf", "implausible_amount"),
    9000004: ("1e15", "implausible_amount"),
    9000005: ("abc", "unparseable_amount"),
    9000006: ("12,50", "unparseable_amount"),
}
PLACEHOLDER_ORDER = 9000007  # ordered at 0001-01-01 (as epoch seconds)
TABLES = ["customers", "events", "orders", "order_items", "feedback", "marketing_actions"]


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(("_", ".")))


def _raw_rows_from_files(raw: Path, table: str) -> int:
    """Rows of a raw table counted by an independent reader (pyarrow), every file under its folder."""
    total = 0
    for path in _files(raw / table):
        if path.stat().st_size == 0:
            continue
        if path.suffix == ".parquet":
            total += pq.ParquetFile(path).metadata.num_rows
        else:
            total += pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=False)).num_rows
    return total


def _checksum(con: duckdb.DuckDBPyConnection, relation: str, drop: tuple[str, ...] = ("dbt_loaded_at",)) -> tuple:
    """Row count and an order-independent hash of every row (doubles rounded to 6 places)."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        relation.split("."),
    ).fetchall()
    exprs = [
        f'round("{name}", 6)' if kind in ("DOUBLE", "FLOAT") else f'"{name}"'
        for name, kind in columns
        if name not in drop
    ]
    return con.execute(f"select count(*), sum(hash({', '.join(exprs)})) from {relation}").fetchone()


def _dirty_copy(clean: Path, dst: Path) -> Path:
    shutil.copytree(clean, dst, ignore=shutil.ignore_patterns("_pending"))
    # 1. placeholder dates: a customer signed up on 1900-01-01
    customers = pq.read_table(_files(dst / "customers")[0])
    planted = customers.slice(0, 1).to_pylist()[0]
    extra = [
        dict(planted, customer_id=cid, signup_at=at, email=f"{cid}@example.com")
        for cid, (at, _) in PLANTED_CUSTOMERS.items()
    ]
    pq.write_table(pa.Table.from_pylist(extra, schema=customers.schema), dst / "customers" / "late-export.parquet")

    # 5. epoch-integer timestamps: the orders file split in two, seconds in one, milliseconds in the other
    (orders_file,) = _files(dst / "orders")
    con = duckdb.connect()
    con.register("orders", pq.read_table(orders_file))
    orders_file.unlink()
    epoch = con.sql(
        "select * replace (epoch(cast(ordered_at as timestamp))::bigint as ordered_at) from orders"
    ).to_arrow_table()
    half = epoch.num_rows // 2
    pq.write_table(epoch.slice(0, half), dst / "orders" / "seconds.parquet")
    millis = epoch.slice(half).to_pandas()
    millis["ordered_at"] = millis["ordered_at"] * 1000
    pq.write_table(
        pa.Table.from_pandas(millis, schema=epoch.schema, preserve_index=False), dst / "orders" / "millis.parquet"
    )

    # 2. and 3. text in a numeric Parquet column, NaN / Infinity / absurd amounts; the placeholder order date
    template = epoch.slice(0, 1).to_pylist()[0]
    bad = [dict(template, order_id=oid, order_amount=amount) for oid, (amount, _) in PLANTED_ORDERS.items()]
    bad.append(dict(template, order_id=PLACEHOLDER_ORDER, order_amount="10.0", ordered_at=-62135596800))
    schema = epoch.schema.set(epoch.schema.get_field_index("order_amount"), pa.field("order_amount", pa.string()))
    pq.write_table(pa.Table.from_pylist(bad, schema=schema), dst / "orders" / "typed-as-text.parquet")

    # 4. events in hive-style partition folders (the layout most exporters write)
    # (the generator writes the people's events and the bots' in separate files: all are moved)
    events_files = _files(dst / "events")
    events = pa.concat_tables([pq.read_table(f) for f in events_files])
    for events_file in events_files:
        events_file.unlink()
    half = events.num_rows // 2
    for part, rows in (("date=2025-01-01", events.slice(0, half)), ("date=2025-01-02", events.slice(half))):
        (dst / "events" / part).mkdir()
        pq.write_table(rows, dst / "events" / part / "part-0.parquet")

    # 7. a 0-byte file: an empty part of its table
    (dst / "feedback" / "empty-export.csv").touch()
    return dst


@pytest.fixture(scope="module")
def clean_data(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bad_inputs") / "clean"
    make_dataset(out, customers=300, days=150, seed=11, dirt_rate=0.01)
    return out


@pytest.fixture(scope="module")
def baseline(clean_data, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("bad_inputs_baseline")
    result = run_dbt(["build"], clean_data, work)
    assert result.returncode == 0, result.output[-4000:]
    return work / "warehouse.duckdb"


@pytest.fixture(scope="module")
def dirty(clean_data, tmp_path_factory) -> tuple[Path, Path]:
    # 8. a raw path with a quote and a space in it
    raw = _dirty_copy(clean_data, tmp_path_factory.mktemp("bad_inputs_dirty") / "it's raw data")
    work = tmp_path_factory.mktemp("bad_inputs_dirty_build")
    result = run_dbt(["build"], raw, work)
    assert result.returncode == 0, result.output[-4000:]
    assert "WARN=0" in result.output, result.output[-4000:]
    return raw, work / "warehouse.duckdb"


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def test_planted_rows_are_quarantined_with_their_reasons(dirty):
    _, warehouse = dirty
    con = _connect(warehouse)
    customers = dict(
        con.execute(
            "select row_key, quarantine_reason from marts.fct_quarantined_rows where source_table = 'customers' "
            "and row_key like 'C9%'"
        ).fetchall()
    )
    assert customers == {cid: reason for cid, (_, reason) in PLANTED_CUSTOMERS.items()}
    orders = dict(
        con.execute(
            "select row_key, quarantine_reason from marts.fct_quarantined_rows "
            "where source_table = 'orders' and row_key like '900000%'"
        ).fetchall()
    )
    expected = {str(oid): reason for oid, (_, reason) in PLANTED_ORDERS.items()}
    expected[str(PLACEHOLDER_ORDER)] = "implausible_timestamp"
    assert orders == expected
    # the raw value is kept for the user to see
    raw_values = con.execute(
        "select raw_values from marts.fct_quarantined_rows where source_table = 'orders' and row_key = '9000005'"
    ).fetchone()[0]
    assert '"abc"' in raw_values


def test_everything_else_equals_the_build_without_the_bad_rows(dirty, baseline):
    _, warehouse = dirty
    dirty_con, clean_con = _connect(warehouse), _connect(baseline)
    for relation in [
        "marts.fct_orders",
        "marts.dim_customers",
        "marts.fct_sessions",
        "marts.fct_customer_feature_snapshots",
        "intermediate.int_data_calendar",
        "ml.churn_predictions",
        "ml.purchase_predictions",
    ]:
        drop = ("dbt_loaded_at", "scored_at", "model_version", "trained_at")
        assert _checksum(dirty_con, relation, drop) == _checksum(clean_con, relation, drop), relation
    # one absurd date cannot move the calendar or empty the intelligence layer
    assert (
        dirty_con.execute("select min(as_of_date) from intermediate.int_feature_snapshot_dates").fetchone()[0].year
        >= 2024
    )
    assert dirty_con.execute("select count(*) from ml.churn_predictions").fetchone()[0] > 0
    assert dirty_con.execute("select count(*) from ml.purchase_predictions").fetchone()[0] > 0
    revenue = dirty_con.execute("select sum(revenue_amount) from marts.dim_customers").fetchone()[0]
    assert revenue is not None and math.isfinite(revenue)


def test_no_raw_row_is_unaccounted_for(dirty, clean_data, baseline):
    """Raw rows counted from the files by pyarrow = rows the build read = clean + quarantined, per table."""
    for raw, warehouse in (dirty, (clean_data, baseline)):
        con = _connect(warehouse)
        summary = {
            table: (raw_rows, clean_rows, quarantined)
            for table, raw_rows, clean_rows, quarantined in con.execute(
                "select source_table, raw_rows, clean_rows, quarantined_rows from marts.rpt_quarantine_summary "
                "where quarantine_reason = '_total'"
            ).fetchall()
        }
        for table in TABLES:
            raw_rows, clean_rows, quarantined = summary[table]
            assert raw_rows == _raw_rows_from_files(raw, table), (raw, table)
            assert raw_rows == clean_rows + quarantined, (raw, table)


def _stopped(raw: Path, work: Path, *expected: str, extra_env: dict[str, str] | None = None) -> None:
    result = run_dbt(["run", "--select", "stg_raw__customers"], raw, work, extra_env)
    assert result.returncode != 0, result.output[-3000:]
    for text in expected:
        assert text in result.output, (text, result.output[-3000:])


def test_a_folder_mixing_parquet_and_csv_stops_the_build(clean_data, tmp_path):
    raw = shutil.copytree(clean_data, tmp_path / "raw")
    pacsv.write_csv(pq.read_table(_files(raw / "customers")[0]), raw / "customers" / "more.csv")
    _stopped(raw, tmp_path / "work", "Raw table 'customers'", "mixes 1 Parquet and 1 CSV", "more.csv")


def test_a_file_of_another_format_stops_the_build(clean_data, tmp_path):
    raw = shutil.copytree(clean_data, tmp_path / "raw")
    (raw / "orders" / "orders-2025.json").write_text('{"order_id": 1}\n')
    _stopped(raw, tmp_path / "work", "Raw table 'orders'", "orders-2025.json", "neither Parquet")


def test_a_required_table_of_empty_files_stops_the_build_by_name(clean_data, tmp_path):
    raw = shutil.copytree(clean_data, tmp_path / "raw")
    for path in _files(raw / "customers"):
        path.unlink()
    (raw / "customers" / "customers.csv").touch()
    _stopped(raw, tmp_path / "work", "Raw table 'customers' is required", "all empty (0 bytes)")


def test_a_horizon_var_that_is_not_a_number_of_days_stops_the_build_by_name(clean_data, tmp_path):
    result = run_dbt(
        ["compile", "--select", "int_data_calendar", "--vars", "{churn_horizon_days: soon}"],
        clean_data,
        tmp_path / "work",
    )
    assert result.returncode != 0
    assert "var churn_horizon_days: soon is neither 'auto' nor a whole number of days above 0" in result.output


def test_other_data_on_a_built_warehouse_stops_the_build(dirty, baseline, tmp_path):
    raw, _ = dirty
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(baseline, work / "warehouse.duckdb")
    _stopped(raw, work, "This warehouse", "was built from raw data at", "CJ_DUCKDB_PATH", "--full-refresh")
    # the documented way out works
    result = run_dbt(["run", "--select", "stg_raw__customers", "--full-refresh"], raw, work)
    assert result.returncode == 0, result.output[-3000:]


def test_numbers_as_text_in_a_csv_are_quarantined_and_rates_are_named(clean_data, baseline, tmp_path):
    """CSV exports: '12,50' and 'abc' amounts are quarantined (raw value kept); a 0-byte optional CSV is an
    empty table; a salt with a quote works; a rate test that fires names table, reason, count and key."""
    raw = shutil.copytree(clean_data, tmp_path / "raw", ignore=shutil.ignore_patterns("_pending"))
    (orders_file,) = _files(raw / "orders")
    orders = pq.read_table(orders_file).to_pylist()
    orders_file.unlink()
    bad = [dict(orders[0], order_id=oid, order_amount=amount) for oid, amount in ((9100001, "12,50"), (9100002, "abc"))]
    text = pa.Table.from_pylist([{k: (None if v is None else str(v)) for k, v in row.items()} for row in orders + bad])
    pacsv.write_csv(text, raw / "orders" / "orders.csv")
    for path in _files(raw / "feedback"):
        path.unlink()
    (raw / "feedback" / "feedback.csv").touch()
    work = tmp_path / "work"
    result = run_dbt(
        ["build", "--selector", "sql_layers", "--vars", "{quarantine_warn_rate: 0.0001}"],
        raw,
        work,
        {"CJ_PII_SALT": "it's a salt, quoted"},
    )
    assert result.returncode == 0, result.output[-4000:]
    named = re.search(
        r"Quarantine rate of raw table 'orders' is [0-9.]+ % \(limit 0\.01 %\): (\d+) of (\d+) rows refused, "
        r"most as '([a-z_]+)' \((\d+) rows; e\.g\. key (\S+)\)",
        result.output,
    )
    assert named, result.output[-3000:]
    assert int(named.group(2)) == len(orders) + 2 and int(named.group(1)) >= 2
    con = _connect(work / "warehouse.duckdb")
    refused = con.execute(
        "select row_key, quarantine_reason from marts.fct_quarantined_rows "
        "where source_table = 'orders' and row_key like '91%' order by 1"
    ).fetchall()
    assert refused == [("9100001", "unparseable_amount"), ("9100002", "unparseable_amount")]
    assert con.execute("select count(*) from marts.fct_feedback").fetchone()[0] == 0
    assert _checksum(con, "marts.fct_orders") == _checksum(_connect(baseline), "marts.fct_orders")
