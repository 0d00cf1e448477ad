"""The semantic layer: `mf query` (MetricFlow) answers the metrics from the built warehouse,
and its numbers equal direct SQL on the marts."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from conftest import DBT, REPO

MF = str(Path(sys.executable).with_name("mf"))


# what a dbt project is made of: linked into a scratch project, because mf reads
# <project>/target/semantic_manifest.json and nothing else
PROJECT_PARTS = ["dbt_project.yml", "profiles.yml", "selectors.yml", "models", "macros", "seeds", "tests"]


@pytest.fixture(scope="module")
def mf_env(e2e_warehouse, e2e_data, tmp_path_factory) -> dict:
    """A copy of the e2e warehouse (mf opens it for writing) and the project parsed against it."""
    work = tmp_path_factory.mktemp("semantic")
    shutil.copy(e2e_warehouse, work / "warehouse.duckdb")
    project = work / "project"
    project.mkdir()
    for part in PROJECT_PARTS:
        (project / part).symlink_to(REPO / part)
    env = {
        **os.environ,
        "CJ_RAW_PATH": str(e2e_data),
        "CJ_DUCKDB_PATH": str(work / "warehouse.duckdb"),
        "CJ_DUCKDB_TEMP_DIR": str(work / "tmp"),
        "CJ_PII_SALT": os.environ.get("CJ_PII_SALT") or "test-salt-0123456789",
        "DBT_PROJECT_DIR": str(project),
        "DBT_PROFILES_DIR": str(project),
        "DBT_LOG_PATH": str(work / "logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MF_WORK": str(work),
    }
    parsed = subprocess.run([DBT, "parse", "--quiet"], cwd=project, env=env, capture_output=True, text=True)
    assert parsed.returncode == 0, parsed.stdout[-3000:] + parsed.stderr[-3000:]
    assert (project / "target" / "semantic_manifest.json").exists()
    return env


def _mf(env: dict, *args: str) -> list[dict]:
    out = Path(env["MF_WORK"]) / f"mf-{abs(hash(args))}.csv"
    proc = subprocess.run(
        [MF, "query", *args, "--csv", str(out)], cwd=env["DBT_PROJECT_DIR"], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0 and out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    with out.open() as f:
        return list(csv.DictReader(f))


def _sql(env: dict, query: str) -> list[tuple]:
    con = duckdb.connect(env["CJ_DUCKDB_PATH"], read_only=True)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_revenue_orders_and_aov_by_month_equal_sql(mf_env):
    rows = _mf(
        mf_env, "--metrics", "revenue,orders,aov", "--group-by", "metric_time__month", "--order", "metric_time__month"
    )
    expected = {
        str(month)[:7]: (revenue, orders, aov)
        for month, revenue, orders, aov in _sql(
            mf_env,
            """
            select date_trunc('month', ordered_date), sum(revenue_amount),
                   count(case when order_status <> 'cancelled' then 1 end),
                   sum(revenue_amount) / nullif(count(case when is_completed then 1 end), 0)
            from marts.fct_orders group by 1
            """,
        )
    }
    assert len(rows) == len(expected) >= 4
    for row in rows:
        revenue, orders, aov = expected[row["metric_time__month"][:7]]
        assert float(row["revenue"]) == pytest.approx(revenue)
        assert int(float(row["orders"])) == orders
        assert float(row["aov"]) == pytest.approx(aov)


def test_nps_and_churn_rate_equal_sql(mf_env):
    (nps,) = _mf(mf_env, "--metrics", "nps")
    (expected_nps,) = _sql(
        mf_env,
        """
        select 100.0 * (count(case when score >= 9 then 1 end) - count(case when score <= 6 then 1 end)) / count(*)
        from marts.fct_feedback where feedback_type = 'nps'
        """,
    )[0]
    assert float(nps["nps"]) == pytest.approx(expected_nps)
    churn = _mf(mf_env, "--metrics", "churn_rate", "--group-by", "metric_time__day", "--order", "metric_time__day")
    expected = dict(
        _sql(
            mf_env,
            "select cast(as_of_date as varchar), avg(case when is_churned then 1.0 else 0.0 end) "
            "from marts.fct_customer_labels where is_churned is not null group by 1",
        )
    )
    observed = {r["metric_time__day"][:10]: float(r["churn_rate"]) for r in churn if r["churn_rate"]}
    assert observed and observed == pytest.approx(expected)


def test_funnel_rates_and_information_gap_dropoff_equal_sql(mf_env):
    (row,) = _mf(mf_env, "--metrics", "consideration_to_purchase_rate,information_gap_dropoff_rate")
    rate, dropoff = _sql(
        mf_env,
        """
        select count(purchase_at) * 1.0 / count(consideration_at),
               count(case when has_unanswered_before_purchase and not has_purchased then 1 end) * 1.0
               / count(case when has_unanswered_before_purchase then 1 end)
        from marts.fct_customer_journeys
        """,
    )[0]
    assert float(row["consideration_to_purchase_rate"]) == pytest.approx(rate)
    assert float(row["information_gap_dropoff_rate"]) == pytest.approx(dropoff)
    # the planted information gaps make people who met an unanswered question drop off more often
    assert 0 < dropoff < 1


def test_saved_queries_answer(mf_env):
    for name in ("journey_dashboard_monthly", "funnel_monthly", "customer_health"):
        rows = _mf(mf_env, "--saved-query", name)
        assert len(rows) >= 4, name


def test_lifecycle_stickiness_and_revenue_retention_equal_sql(mf_env):
    states = _mf(
        mf_env,
        "--metrics",
        "lifecycle_customers_monthly",
        "--group-by",
        "metric_time__month,customer_period__lifecycle_state",
    )
    expected = {
        (str(month)[:7], state): count
        for month, state, count in _sql(
            mf_env,
            "select period_start, lifecycle_state, count(distinct customer_id) from marts.fct_customer_lifecycle "
            "where period_grain = 'month' group by 1, 2",
        )
    }
    observed = {
        (r["metric_time__month"][:7], r["customer_period__lifecycle_state"]): int(
            float(r["lifecycle_customers_monthly"])
        )
        for r in states
    }
    assert observed == expected and {state for _, state in expected} >= {"new", "returning", "dormant"}

    monthly = _mf(
        mf_env,
        "--metrics",
        "monthly_active_customers,active_days_per_monthly_active_customer",
        "--group-by",
        "metric_time__month",
    )
    stickiness = {
        month: (active, ratio)
        for month, active, ratio in _sql(
            mf_env,
            "select strftime(period_start, '%Y-%m'), count(distinct case when is_active then customer_id end), "
            "sum(active_days) * 1.0 / count(distinct case when is_active then customer_id end) "
            "from marts.fct_customer_lifecycle where period_grain = 'month' group by 1",
        )
    }
    assert len(monthly) == len(stickiness) >= 4
    for r in monthly:
        active, ratio = stickiness[r["metric_time__month"][:7]]
        assert int(float(r["monthly_active_customers"])) == active
        assert float(r["active_days_per_monthly_active_customer"]) == pytest.approx(ratio)
    # rolled up to the year, active customers count each customer once
    (yearly,) = _mf(mf_env, "--metrics", "monthly_active_customers")
    distinct = _sql(mf_env, "select count(distinct customer_id) from marts.fct_customer_lifecycle where is_active")
    assert int(float(yearly["monthly_active_customers"])) == distinct[0][0]

    retention = _mf(
        mf_env, "--metrics", "net_revenue_retention", "--group-by", "cohort_month_row__months_since_first_purchase"
    )
    expected_nrr = dict(
        _sql(
            mf_env,
            "select months_since_first_purchase, sum(revenue_amount) / sum(first_month_revenue_amount) "
            "from marts.rpt_revenue_retention where dimension = 'all' and not is_partial_period group by 1",
        )
    )
    observed_nrr = {
        int(r["cohort_month_row__months_since_first_purchase"]): float(r["net_revenue_retention"])
        for r in retention
        if r["net_revenue_retention"]
    }
    assert observed_nrr == pytest.approx(expected_nrr) and observed_nrr[0] == pytest.approx(1.0)


def test_predicted_clv_equals_sql(mf_env):
    (row,) = _mf(mf_env, "--metrics", "predicted_clv,average_predicted_clv")
    total, average = _sql(mf_env, "select sum(predicted_clv), avg(predicted_clv) from ml.customer_lifetime_value")[0]
    assert total > 0
    assert float(row["predicted_clv"]) == pytest.approx(total)
    assert float(row["average_predicted_clv"]) == pytest.approx(average)


def test_return_on_ad_spend_equals_the_attribution_table(mf_env):
    rows = _mf(
        mf_env,
        "--metrics",
        "return_on_ad_spend",
        "--group-by",
        "attribution_channel__attribution_model,attribution_channel__channel",
    )
    expected = {
        (model, channel): roas
        for model, channel, roas in _sql(
            mf_env,
            "select attribution_model, channel, return_on_ad_spend from ml.channel_attribution_by_model "
            "where return_on_ad_spend is not null",
        )
    }
    observed = {
        (r["attribution_channel__attribution_model"], r["attribution_channel__channel"]): float(r["return_on_ad_spend"])
        for r in rows
        if r["return_on_ad_spend"]
    }
    assert len(expected) >= 8 and observed == pytest.approx(expected)
