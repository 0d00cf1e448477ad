"""rpt_report_status: every journey report's row count, and a reason whenever one is empty.

The empty case (no clickstream) is checked on real data in test_importers.py (Online Retail, France)."""

from __future__ import annotations

REPORTS = {
    "fct_sessions": ("int_sessions", "select count(*) from intermediate.int_sessions"),
    "rpt_funnel": ("int_funnel_entries", "select count(*) from intermediate.int_funnel_entries"),
    "rpt_paths": ("int_events_sessionized", "select count(*) from intermediate.int_events_sessionized"),
    "rpt_conversion_drivers": (
        "int_funnel_step_outcomes",
        "select count(*) from intermediate.int_funnel_step_outcomes",
    ),
    "rpt_information_gaps": (
        "int_events_sessionized",
        "select count(*) from intermediate.int_events_sessionized where is_information_seeking",
    ),
    "rpt_dropoff_paths": ("int_funnel_step_outcomes", "select count(*) from intermediate.int_funnel_step_outcomes"),
    "rpt_channel_attribution": (
        "int_orders_cleaned",
        "select count(*) from intermediate.int_orders_cleaned where is_completed",
    ),
    "rpt_retention_cohorts": (
        "int_orders_cleaned",
        "select count(*) from intermediate.int_orders_cleaned where is_completed",
    ),
    "rpt_lifecycle": ("int_customer_active_days", "select count(*) from intermediate.int_customer_active_days"),
    "rpt_feedback_monthly": ("int_feedback_cleaned", "select count(*) from intermediate.int_feedback_cleaned"),
}


def test_every_report_has_rows_and_its_counts_are_the_tables(db):
    rows = db.execute(
        "select report_name, report_rows, report_status, reason, main_input, main_input_rows from marts.rpt_report_status"
    ).fetchall()
    assert {r[0] for r in rows} == set(REPORTS)
    for name, report_rows, status, reason, main_input, main_input_rows in rows:
        assert report_rows == db.execute(f"select count(*) from marts.{name}").fetchone()[0], name
        assert report_rows > 0 and status == "ok" and reason is None, name
        expected_input, count_sql = REPORTS[name]
        assert main_input == expected_input
        assert main_input_rows == db.execute(count_sql).fetchone()[0], name
