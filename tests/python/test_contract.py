"""The raw-data contract: missing tables and columns, absent optional tables, unreadable files."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import copy_dataset, make_dataset, run_dbt


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("contract") / "raw"
    make_dataset(out, customers=300, days=30, seed=1)
    return out


def test_missing_required_table_names_table_and_pattern(tiny, tmp_path):
    raw = copy_dataset(tiny, tmp_path / "raw")
    shutil.rmtree(raw / "orders")
    result = run_dbt(["run", "--select", "stg_raw__customers"], raw, tmp_path / "work")
    assert result.returncode != 0
    assert "Raw table 'orders' is required" in result.output
    assert f"no Parquet or CSV files are under '{raw}/orders'" in result.output


def test_missing_required_column_names_table_pattern_and_column(tiny, tmp_path):
    raw = copy_dataset(tiny, tmp_path / "raw")
    for path in (raw / "orders").glob("*.parquet"):
        table = pq.read_table(path).drop_columns(["ordered_at"])
        pq.write_table(table, path)
    result = run_dbt(["run", "--select", "stg_raw__orders"], raw, tmp_path / "work")
    assert result.returncode != 0
    assert "Raw table 'orders'" in result.output
    assert "missing required column 'ordered_at'" in result.output
    assert f"parquet files under '{raw}/orders'" in result.output


def test_unreadable_file_is_named(tiny, tmp_path):
    raw = copy_dataset(tiny, tmp_path / "raw")
    bad = raw / "feedback" / "part-corrupt.parquet"
    bad.write_bytes(b"this is not parquet")
    result = run_dbt(["run", "--select", "stg_raw__feedback"], raw, tmp_path / "work")
    assert result.returncode != 0
    assert "part-corrupt.parquet" in result.output


def test_missing_salt_stops_the_build(tiny, tmp_path):
    result = run_dbt(["run", "--select", "stg_raw__customers"], tiny, tmp_path / "work", {"CJ_PII_SALT": ""})
    assert result.returncode != 0
    assert "CJ_PII_SALT" in result.output


def test_csv_files_are_read_like_parquet(tiny, tmp_path):
    """A user's CSV export works without code changes; optional tables may be absent."""
    raw = tmp_path / "raw"
    con = duckdb.connect()
    for table in ("customers", "orders"):
        (raw / table).mkdir(parents=True)
        con.execute(
            f"copy (select * from read_parquet('{tiny}/{table}/*.parquet')) to '{raw}/{table}/export.csv' (header)"
        )
    work = tmp_path / "work"
    result = run_dbt(["run", "--select", "+dim_customers"], raw, work)
    assert result.returncode == 0, result.output[-4000:]
    built = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    expected = con.execute(
        f"select count(distinct customer_id) from read_parquet('{tiny}/customers/*.parquet')"
    ).fetchone()[0]
    assert built.execute("select count(*) from marts.dim_customers").fetchone()[0] == expected


def test_absent_optional_tables_give_empty_typed_outputs(tiny, tmp_path):
    raw = copy_dataset(tiny, tmp_path / "raw", tables=["customers", "orders"])
    work = tmp_path / "work"
    result = run_dbt(["build", "--exclude", "resource_type:unit_test"], raw, work)
    assert result.returncode == 0, result.output[-4000:]
    assert "WARN=0" in result.output
    built = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    assert built.execute("select count(*) from marts.fct_sessions").fetchone()[0] == 0
    assert built.execute("select count(*) from marts.dim_customers").fetchone()[0] > 250
    # typed, not all-varchar: the contract's types survive an empty table
    types = dict(
        built.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_sessions'"
        ).fetchall()
    )
    assert types["session_started_at"] == "TIMESTAMP"
    assert types["event_count"] == "BIGINT"


def test_source_freshness_flags_stale_data(tiny, tmp_path):
    """The generated data ends in 2025: every timestamped table is far past the error threshold."""
    result = run_dbt(["source", "freshness"], tiny, tmp_path / "work")
    assert result.returncode != 0
    for table in ("customers", "events", "orders", "feedback", "marketing_actions"):
        assert f"source raw.{table}" in result.output or f"Failure in source {table}" in result.output, table
    assert "order_items" not in result.output  # no timestamp: no freshness check


def test_orders_without_amounts_are_kept(tiny, tmp_path):
    """A clickstream-style export: no order_amount. Orders are kept; their amount is the sum of their
    priced lines, or null where the lines carry no price. Identical lines without a line number are
    units bought, not duplicates."""
    raw = copy_dataset(tiny, tmp_path / "raw")
    for path in (raw / "orders").glob("*.parquet"):
        pq.write_table(pq.read_table(path).drop_columns(["order_amount"]), path)
    items = pq.read_table(next((raw / "order_items").glob("*.parquet")))
    first = items.slice(0, 1)
    pq.write_table(first, raw / "order_items" / "same-line-again.parquet")
    work = tmp_path / "work"
    result = run_dbt(
        ["build", "--select", "+fct_orders", "+rpt_quarantine_summary", "--indirect-selection", "cautious"], raw, work
    )
    assert result.returncode == 0, result.output[-4000:]
    built = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    refused = dict(
        built.execute(
            "select quarantine_reason, count(*) from marts.fct_quarantined_rows where source_table = 'orders' group by 1"
        ).fetchall()
    )
    assert "null_amount" not in refused
    raw_orders = built.execute("select count(*) from raw.orders").fetchone()[0]
    assert built.execute("select count(*) from marts.fct_orders").fetchone()[0] == raw_orders - sum(refused.values())
    # the amount is the sum of the order's lines (the duplicated line counted twice)
    mismatched = built.execute(
        """
        select count(*) from marts.fct_orders as orders
        inner join (
            select order_id, sum(quantity * unit_price) as lines from intermediate.int_order_items_cleaned group by 1
        ) as lines on orders.order_id = lines.order_id
        where abs(orders.order_amount - lines.lines) > 1e-9
        """
    ).fetchone()[0]
    assert mismatched == 0
    duplicated = built.execute(
        "select count(*) from intermediate.int_order_items_cleaned where order_id = ? and product_id = ?",
        [str(first.column("order_id")[0].as_py()), first.column("product_id")[0].as_py()],
    ).fetchone()[0]
    assert duplicated >= 2
    built.close()
    # no prices anywhere: the orders stay, with a null amount
    for path in (raw / "order_items").glob("*.parquet"):
        pq.write_table(pq.read_table(path).drop_columns(["unit_price"]), path)
    result = run_dbt(
        ["build", "--select", "+fct_orders", "--full-refresh", "--indirect-selection", "cautious"], raw, work
    )
    assert result.returncode == 0, result.output[-4000:]
    built = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    counts = built.execute("select count(*), count(order_amount) from marts.fct_orders").fetchone()
    assert counts[0] == raw_orders - sum(refused.values()) and counts[1] == 0


def test_source_freshness_as_of_the_data_end(tiny, tmp_path):
    """A historical data set judged against its own end (var freshness_as_of) is fresh; a day's gap
    before that instant is not."""
    con = duckdb.connect()
    newest = con.execute(
        f"select max(cast(ordered_at as timestamp)) from read_parquet('{tiny}/orders/*.parquet')"
    ).fetchone()[0]
    as_of = newest.strftime("%Y-%m-%d %H:%M:%S")
    result = run_dbt(
        ["source", "freshness", "--select", "source:raw.orders", "--vars", f"{{freshness_as_of: '{as_of}'}}"],
        tiny,
        tmp_path / "work",
    )
    assert result.returncode == 0, result.output[-3000:]
    assert "PASS" in result.output
    later = (newest + pd.Timedelta(days=10)).strftime("%Y-%m-%d")
    result = run_dbt(
        ["source", "freshness", "--select", "source:raw.orders", "--vars", f"{{freshness_as_of: '{later}'}}"],
        tiny,
        tmp_path / "work2",
    )
    assert result.returncode != 0
