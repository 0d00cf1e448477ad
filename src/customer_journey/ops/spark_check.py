"""`make test-spark`: the SQL layers on Apache Spark agree with DuckDB.

    cj spark-check [--customers 400 --days 60]

Generates a small data set, builds the SQL models (everything but the Python models and what
depends on them: dbt-spark's session method cannot run Python models) with their data and unit
tests on DuckDB and on local Spark (dbt-spark, session method), then compares the public marts
both built: row counts, and sums of their numeric columns. Prints the table and the time each
engine took; exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from customer_journey.ops.erase import write_empty_list
from customer_journey.synth import SynthConfig, generate

REPO = Path(__file__).resolve().parents[3]  # src/customer_journey/ops/spark_check.py
DESCRIPTION = __doc__.split("\n\n")[0]
DBT = str(Path(sys.executable).with_name("dbt"))
# the SQL layers (selectors.yml): staging, intermediate and marts, which never read the ML layer
SELECTION = ["--selector", "sql_layers"]
# public marts both engines build, and the numeric columns summed to compare them
MARTS = {
    "marts.dim_customers": ["order_count", "completed_order_count", "revenue_amount"],
    "marts.fct_orders": ["order_amount", "revenue_amount", "item_count"],
    "marts.fct_sessions": ["event_count", "product_view_count", "duration_seconds"],
    "marts.fct_customer_journeys": ["event_count", "session_count", "order_count", "unanswered_events_before_purchase"],
    "marts.fct_feedback": ["score"],
    "marts.dim_customer_features": [
        "orders_lifetime",
        "revenue_lifetime",
        "sessions_30d",
        "events_90d",
        "recency_days",
    ],
    "marts.rpt_retention_cohorts": ["cohort_customers", "active_customers", "revenue_amount"],
    "marts.rpt_channel_attribution": ["orders_touched", "credited_conversions", "credited_revenue_amount"],
    "marts.rpt_information_gaps": ["exposed_people", "dropped_after_touchpoint", "expected_dropped"],
    "marts.rpt_paths": ["person_count", "purchaser_count"],
    "marts.rpt_funnel": ["entered_count", "converted_count", "dropped_count"],
    "marts.rpt_conversion_drivers": [
        "step_people",
        "step_converters",
        "people_who_did",
        "converters_who_did",
        "exposed_people",
        "dropped_after_touchpoint",
        "revenue_at_risk_amount",
    ],
    "marts.rpt_dropoff_paths": ["person_count", "group_people"],
    "marts.rpt_report_status": ["report_rows", "main_input_rows"],
    "marts.fct_customer_lifecycle": [
        "periods_since_first_active",
        "active_days",
        "event_count",
        "order_count",
        "revenue_amount",
    ],
    "marts.rpt_lifecycle": [
        "new_customers",
        "returning_customers",
        "resurrected_customers",
        "dormant_customers",
        "churned_customers",
        "known_customers",
    ],
    "marts.rpt_lifecycle_transitions": ["customer_count", "from_state_customers"],
    "marts.rpt_stickiness": ["customer_count", "active_customers"],
    "marts.rpt_revenue_retention": [
        "cohort_customers",
        "active_customers",
        "revenue_amount",
        "cumulative_revenue_amount",
    ],
    "marts.rpt_quarantine_summary": ["raw_rows", "clean_rows", "quarantined_rows"],
    # the labels' horizons come from int_data_calendar (vars, or derived from the data span)
    "marts.fct_customer_labels": [
        "orders_in_churn_horizon",
        "orders_in_purchase_horizon",
        "is_churned",
        "will_purchase",
    ],
}


def _dbt(args: list[str], raw: Path, work: Path, target: str) -> float:
    env = {
        **os.environ,
        "CJ_TARGET": target,
        "CJ_RAW_PATH": str(raw),
        "CJ_DUCKDB_PATH": str(work / "duckdb.duckdb"),
        "CJ_DUCKDB_TEMP_DIR": str(work / "tmp"),
        "CJ_SPARK_DIR": str(work / "spark"),
        "CJ_PII_SALT": os.environ.get("CJ_PII_SALT") or "spark-check-salt-0123456789",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    started = time.perf_counter()
    proc = subprocess.run(
        [DBT, *args, "--target-path", str(work / f"target-{target}"), "--log-path", str(work / f"logs-{target}")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"dbt {' '.join(args)} failed on {target}:\n{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}")
    return time.perf_counter() - started


def _duckdb_numbers(work: Path) -> dict:
    import duckdb

    con = duckdb.connect(str(work / "duckdb.duckdb"), read_only=True)
    try:
        return {table: _numbers(lambda q: con.execute(q).fetchone(), table, cols) for table, cols in MARTS.items()}
    finally:
        con.close()


def _spark_numbers(work: Path) -> dict:
    from pyspark.sql import SparkSession

    spark_dir = work / "spark"
    session = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.warehouse.dir", f"{spark_dir}/tables")
        .config("javax.jdo.option.ConnectionURL", f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .enableHiveSupport()
        .getOrCreate()
    )
    try:
        return {
            table: _numbers(lambda q: tuple(session.sql(q).collect()[0]), table, cols) for table, cols in MARTS.items()
        }
    finally:
        session.stop()


def _numbers(fetch, table: str, columns: list[str]) -> tuple:
    sums = ", ".join(f"sum(cast({c} as double))" for c in columns)
    return tuple(round(float(v or 0), 4) for v in fetch(f"select count(*), {sums} from {table}"))


def add_arguments(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--customers", type=int, default=400)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--work", type=Path, default=None, help="keep the warehouses here (default: a temporary folder)")


def run(args: argparse.Namespace) -> int:
    work = args.work or Path(tempfile.mkdtemp(prefix="cj-spark-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    raw = work / "raw"
    generate(SynthConfig(customers=args.customers, days=args.days, seed=3, dirt_rate=0.01), raw, quiet=True)
    write_empty_list(raw)  # Spark reads every raw folder: the optional erasure list too (docs/erasure.md)

    duck_seconds = _dbt(["build", *SELECTION], raw, work, "duckdb")
    spark_seconds = _dbt(["build", *SELECTION], raw, work, "spark")
    duck, spark = _duckdb_numbers(work), _spark_numbers(work)

    failures = 0
    print(f"{'mart':34s} {'rows (duckdb / spark)':>24s}  sums")
    for table in MARTS:
        same = duck[table] == spark[table]
        failures += not same
        print(
            f"{table:34s} {int(duck[table][0]):>11,} / {int(spark[table][0]):<11,} {'equal' if same else 'DIFFERENT'}"
        )
        if not same:
            print(f"    duckdb {duck[table]}\n    spark  {spark[table]}")
    print(f"build + tests: duckdb {duck_seconds:.0f} s, spark (local) {spark_seconds:.0f} s; work folder {work}")
    return 1 if failures else 0
