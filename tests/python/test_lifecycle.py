"""Lifecycle marts on the e2e warehouse: every customer-period's lifecycle state equals an
independent pandas computation from the cleaned inputs (the fact keeps the periods var
lifecycle_churned_periods_kept allows, the reports count every period); the reports add up to the
fact; revenue retention agrees with rpt_retention_cohorts; and the charts draw from small frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from customer_journey.ml import lifecycle_charts

KEY = ["customer_id", "period_grain", "period_start"]
STATES = ["new", "returning", "resurrected", "dormant", "churned"]
PROJECT = yaml.safe_load((Path(__file__).resolve().parents[2] / "dbt_project.yml").read_text())
CHURNED_PERIODS_KEPT = int(PROJECT["vars"]["lifecycle_churned_periods_kept"])


# --- an independent recomputation from the cleaned inputs (pandas, not the dbt SQL) ---


def _period_start(days: pd.Series, grain: str) -> pd.Series:
    if grain == "week":  # ISO weeks: from Monday
        return days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    return days.dt.to_period("M").dt.start_time


def _active_days(db) -> pd.DataFrame:
    """(customer, day) with an event of theirs or a non-cancelled order: var lifecycle_activity's default."""
    events = db.execute(
        "select customer_id, event_at from intermediate.int_events_sessionized where customer_id is not null"
    ).df()
    orders = db.execute(
        "select customer_id, order_status, is_completed, order_amount, ordered_at from intermediate.int_orders_cleaned"
    ).df()
    orders = orders[orders.order_status != "cancelled"]
    event_days = events.assign(day=events.event_at.dt.normalize())[["customer_id", "day"]].drop_duplicates()
    order_days = (
        orders.assign(day=orders.ordered_at.dt.normalize(), revenue=orders.order_amount.where(orders.is_completed, 0))
        .groupby(["customer_id", "day"])
        .agg(order_count=("ordered_at", "size"), revenue_amount=("revenue", "sum"))
        .reset_index()
    )
    days = event_days.merge(order_days, on=["customer_id", "day"], how="outer")
    return days.fillna({"order_count": 0, "revenue_amount": 0.0})


def _lifecycle(db) -> pd.DataFrame:
    days = _active_days(db)
    calendar = db.execute("select first_data_date, last_data_date from intermediate.int_data_calendar").df()
    first = min(pd.Timestamp(calendar.first_data_date[0]), days.day.min())
    last = max(pd.Timestamp(calendar.last_data_date[0]), days.day.max())
    rows = []
    for grain, step in (("week", "7D"), ("month", "MS")):
        bounds = _period_start(pd.Series([first, last]), grain)
        periods = pd.date_range(bounds[0], bounds[1], freq=step)
        ends = periods + (pd.Timedelta(days=6) if grain == "week" else pd.offsets.MonthEnd(0))
        partial = dict(zip(periods, (periods < first) | (ends > last), strict=True))
        end_of = dict(zip(periods, ends, strict=True))
        by_period = (
            days.assign(period_start=_period_start(days.day, grain))
            .groupby(["customer_id", "period_start"])
            .agg(
                active_days=("day", "nunique"),
                order_count=("order_count", "sum"),
                revenue_amount=("revenue_amount", "sum"),
            )
            .reset_index()
        )
        activity: dict[str, dict[pd.Timestamp, tuple]] = {}
        for row in by_period.itertuples(index=False):
            activity.setdefault(row.customer_id, {})[row.period_start] = (
                int(row.active_days),
                int(row.order_count),
                float(row.revenue_amount),
            )
        for customer, active in activity.items():
            start = min(active)
            previous_active, previous_state, churned_in_a_row = False, "(none)", 0
            for number, period in enumerate(p for p in periods if p >= start):
                is_active = period in active
                if number == 0:
                    state = "new"
                elif is_active:
                    state = "returning" if previous_active else "resurrected"
                else:
                    state = "dormant" if previous_active else "churned"
                churned_in_a_row = churned_in_a_row + 1 if state == "churned" else 0
                active_days, order_count, revenue_amount = active.get(period, (0, 0, 0.0))
                rows.append(
                    {
                        "customer_id": customer,
                        "period_grain": grain,
                        "period_start": period,
                        "lifecycle_state": state,
                        "previous_lifecycle_state": previous_state,
                        "periods_since_first_active": number,
                        "active_days": active_days,
                        "order_count": order_count,
                        "revenue_amount": revenue_amount,
                        "is_partial_period": bool(partial[period]),
                        "period_end": end_of[period],
                        "churned_in_a_row": churned_in_a_row,
                    }
                )
                previous_active, previous_state = is_active, state
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def expected(e2e_warehouse) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect(str(e2e_warehouse), read_only=True)
    try:
        return _lifecycle(con)
    finally:
        con.close()


def _frame(db, sql: str) -> pd.DataFrame:
    frame = db.execute(sql).df()
    for column in ("period_start", "period_end", "cohort_month", "calendar_month"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    return frame


def test_every_customer_period_state_equals_the_pandas_computation(db, expected):
    built = _frame(db, "select * from marts.fct_customer_lifecycle")
    # the fact stops a lapse's rows after CHURNED_PERIODS_KEPT churned periods (the e2e data has
    # longer lapses: the rule drops rows); every row it keeps is the full computation's
    kept = expected[expected.churned_in_a_row <= CHURNED_PERIODS_KEPT]
    assert len(built) == len(kept) > 0 and len(kept) < 0.8 * len(expected)
    both = kept.merge(built, on=KEY, how="outer", suffixes=("_expected", ""), indicator=True)
    assert (both._merge == "both").all(), both[both._merge != "both"].head()
    for column in ["lifecycle_state", "previous_lifecycle_state", "periods_since_first_active", "active_days"]:
        wrong = both[both[f"{column}_expected"] != both[column]]
        assert wrong.empty, wrong[[*KEY, f"{column}_expected", column]].head()
    for column in ["order_count", "is_partial_period", "period_end"]:
        assert (both[f"{column}_expected"] == both[column]).all(), column
    assert np.allclose(both.revenue_amount_expected, both.revenue_amount)
    # every customer with activity has rows, and the data exercises every state in both grains
    assert built.customer_id.nunique() == expected.customer_id.nunique()
    assert (built[built.lifecycle_state == "churned"].groupby(["period_grain"]).size() > 0).all()
    assert set(built[built.period_grain == "week"].lifecycle_state) == set(STATES)
    assert set(built[built.period_grain == "month"].lifecycle_state) == set(STATES)


def test_lifecycle_report_counts_every_customer_period(db, expected):
    """rpt_lifecycle counts every known customer, whether or not the fact kept their churned row."""
    report = _frame(db, "select * from marts.rpt_lifecycle").set_index(["period_grain", "period_start"])
    counts = expected.pivot_table(
        index=["period_grain", "period_start"], columns="lifecycle_state", values="customer_id", aggfunc="size"
    )
    counts = counts.reindex(report.index).fillna(0).astype(int)
    for state in STATES:
        assert (report[f"{state}_customers"] == counts[state]).all(), state
    assert (report.active_customers == counts[["new", "returning", "resurrected"]].sum(axis=1)).all()
    assert (report.known_customers == counts[STATES].sum(axis=1)).all()
    # the quick ratio as growth accounting defines it, where it is defined
    defined = report.dormant_customers > 0
    quick = (counts.new + counts.resurrected) / counts.dormant
    assert np.allclose(report.quick_ratio[defined], quick[defined])
    assert report.quick_ratio[~defined].isna().all()
    # only the data's first and last periods may be partial
    for _, rows in report.reset_index().groupby("period_grain"):
        rows = rows.sort_values("period_start")
        assert not rows.is_partial_period.iloc[1:-1].any()
        assert rows.is_partial_period.iloc[-1]  # the e2e data ends mid-week and mid-month


def test_transitions_are_the_fact_pairs_and_add_up_to_the_states(db, expected):
    transitions = _frame(db, "select * from marts.rpt_lifecycle_transitions")
    pairs = (
        expected.groupby(["period_grain", "period_start", "previous_lifecycle_state", "lifecycle_state"])
        .size()
        .rename("customer_count")
        .reset_index()
        .rename(columns={"previous_lifecycle_state": "from_state", "lifecycle_state": "to_state"})
    )
    observed = transitions[transitions.customer_count > 0]
    merged = pairs.merge(observed, on=["period_grain", "period_start", "from_state", "to_state"], how="outer")
    assert (merged.customer_count_x == merged.customer_count_y).all(), merged[
        merged.customer_count_x != merged.customer_count_y
    ]
    # every period holds all eleven possible transitions
    assert (transitions.groupby(["period_grain", "period_start"]).size() == 11).all()
    # the period's from-state customers are the previous period's state counts
    lifecycle = _frame(db, "select * from marts.rpt_lifecycle")
    week = lifecycle[lifecycle.period_grain == "week"].sort_values("period_start").reset_index(drop=True)
    flows = transitions[(transitions.period_grain == "week") & (transitions.from_state == "returning")]
    previous = week.set_index(week.period_start.shift(-1)).returning_customers
    from_returning = flows.drop_duplicates("period_start").set_index("period_start").from_state_customers
    assert (from_returning == previous.reindex(from_returning.index).fillna(0)).all()


def test_stickiness_is_the_distribution_of_active_days(db, expected):
    sticky = _frame(db, "select * from marts.rpt_stickiness")
    active = expected[expected.active_days > 0]
    counts = active.groupby(["period_grain", "period_start", "active_days"]).size()
    built = sticky.set_index(["period_grain", "period_start", "active_days"]).customer_count
    assert (built[built > 0].sort_index() == counts.sort_index()).all()
    assert built.sum() == len(active)
    summary = active.groupby(["period_grain", "period_start"]).active_days.agg(["mean", "size"])
    periods = sticky.drop_duplicates(["period_grain", "period_start"]).set_index(["period_grain", "period_start"])
    summary = summary.reindex(periods.index)
    assert np.allclose(periods.mean_active_days, summary["mean"], equal_nan=True)
    assert (periods.active_customers == summary["size"].fillna(0)).all()
    # DAU / MAU: the average daily active customers over the period's active customers
    daily = active.groupby(["period_grain", "period_start"]).active_days.sum() / periods.observed_days
    assert np.allclose(periods.stickiness_ratio, daily.reindex(periods.index) / summary["size"], equal_nan=True)
    # one row per possible number of active days, up to the days the data covers
    most = sticky.groupby(["period_grain", "period_start"]).active_days.max()
    assert (most.reindex(periods.index) == periods.observed_days).all()
    weeks = periods.loc["week"]
    assert (weeks.observed_days[~weeks.is_partial_period] == 7).all()
    assert (weeks.observed_days[weeks.is_partial_period] < 7).all()
    assert (sticky.active_days <= 7).where(sticky.period_grain == "week", True).all()


# --- revenue retention ---


def test_revenue_retention_agrees_with_the_retention_cohorts(db):
    revenue = _frame(db, "select * from marts.rpt_revenue_retention")
    cohorts = _frame(db, "select * from marts.rpt_retention_cohorts")
    overall = revenue[revenue.dimension == "all"]
    key = ["cohort_month", "months_since_first_purchase"]
    both = cohorts.merge(overall, on=key, how="outer", indicator=True)
    assert (both._merge == "both").all() and len(both) == len(cohorts) > 0
    assert (both.cohort_customers_x == both.cohort_customers_y).all()
    assert (both.active_customers_x == both.active_customers_y).all()
    assert np.allclose(both.retention_rate, both.customer_retention_rate)
    assert np.allclose(both.revenue_amount_x, both.revenue_amount_y)
    assert np.allclose(both.cumulative_revenue_per_customer_x, both.cumulative_revenue_per_customer_y)
    # each breakdown splits the cohorts: its values add up to dimension all
    totals = overall.set_index(key)[["cohort_customers", "active_customers", "revenue_amount"]]
    for dimension in ["acquisition_channel", "first_order_category"]:
        parts = revenue[revenue.dimension == dimension].groupby(key)[totals.columns].sum()
        assert np.allclose(parts.reindex(totals.index), totals), dimension
    # net revenue retention: the month's revenue over the cohort's month-0 revenue
    base = revenue[revenue.months_since_first_purchase == 0].set_index(["dimension", "dimension_value", "cohort_month"])
    joined = revenue.join(base.revenue_amount.rename("base"), on=["dimension", "dimension_value", "cohort_month"])
    assert np.allclose(
        joined.net_revenue_retention, joined.revenue_amount / joined.base.replace(0, np.nan), equal_nan=True
    )


def test_first_order_category_breakdown_equals_pandas(db):
    orders = db.execute(
        "select order_id, customer_id, order_status, is_completed, order_amount, ordered_at "
        "from intermediate.int_orders_cleaned where order_status <> 'cancelled'"
    ).df()
    items = db.execute("select order_id, category, line_amount from intermediate.int_order_items_cleaned").df()
    first = orders.sort_values(["ordered_at", "order_id"]).drop_duplicates("customer_id")
    lines = items[items.category.notna()].merge(first[["order_id", "customer_id"]], on="order_id")
    lines = lines.assign(amount=lines.line_amount.fillna(0)).sort_values(
        ["customer_id", "amount", "category"], ascending=[True, False, True]
    )
    category = lines.drop_duplicates("customer_id").set_index("customer_id").category
    members = first.assign(
        cohort_month=first.ordered_at.dt.to_period("M").dt.start_time,
        dimension_value=first.customer_id.map(category).fillna("(unknown)"),
    )[["customer_id", "cohort_month", "dimension_value"]]
    activity = orders.merge(members, on="customer_id")
    activity["months_since_first_purchase"] = (
        activity.ordered_at.dt.to_period("M") - activity.cohort_month.dt.to_period("M")
    ).apply(lambda offset: offset.n)
    activity["revenue"] = activity.order_amount.where(activity.is_completed, 0).fillna(0)
    key = ["dimension_value", "cohort_month", "months_since_first_purchase"]
    expected = activity.groupby(key).agg(active_customers=("customer_id", "nunique"), revenue_amount=("revenue", "sum"))
    expected["cohort_customers"] = (
        members.groupby(["dimension_value", "cohort_month"]).size().reindex(expected.index.droplevel(2)).to_numpy()
    )
    built = _frame(db, "select * from marts.rpt_revenue_retention where dimension = 'first_order_category'")
    built = built.set_index(key)
    observed = built[built.active_customers > 0]
    expected = expected.reindex(observed.index)
    assert len(observed) == len(expected.dropna()) > 0
    assert (observed.active_customers == expected.active_customers).all()
    assert (observed.cohort_customers == expected.cohort_customers).all()
    assert np.allclose(observed.revenue_amount, expected.revenue_amount)
    assert set(observed.index.get_level_values(0)) - {"(unknown)"} == set(items.category.dropna())


# --- charts, on small frames ---


def _small_lifecycle() -> pd.DataFrame:
    starts = pd.to_datetime(["2025-06-02", "2025-06-09", "2025-06-16", "2025-06-01", "2025-07-01"])
    return pd.DataFrame(
        {
            "period_grain": ["week", "week", "week", "month", "month"],
            "new_customers": [10, 5, 0, 15, 3],
            "returning_customers": [0, 6, 7, 0, 9],
            "resurrected_customers": [0, 0, 2, 0, 0],
            "dormant_customers": [0, 4, 4, 0, 6],
            "churned_customers": [0, 0, 4, 0, 0],
            "quick_ratio": [np.nan, 1.25, 0.5, np.nan, 0.5],
            "is_partial_period": [False, False, True, False, True],
            "period_start": starts,
        }
    )


def _small_stickiness() -> pd.DataFrame:
    rows = []
    for grain, start, observed, counts, partial in (
        ("week", "2025-06-02", 7, [5, 3, 1, 0, 0, 0, 1], False),
        ("week", "2025-06-09", 3, [4, 2, 0], True),
        ("month", "2025-06-01", 30, [8, 4, 2] + [0] * 27, False),
    ):
        active = sum(counts)
        mean = sum((i + 1) * c for i, c in enumerate(counts)) / active
        for days, count in enumerate(counts, start=1):
            rows.append(
                {
                    "period_grain": grain,
                    "active_days": days,
                    "customer_count": count,
                    "share_of_active_customers": count / active,
                    "active_customers": active,
                    "mean_active_days": mean,
                    "stickiness_ratio": mean / observed,
                    "observed_days": observed,
                    "is_partial_period": partial,
                    "period_start": pd.Timestamp(start),
                }
            )
    return pd.DataFrame(rows)


def _small_revenue_retention() -> pd.DataFrame:
    rows = []
    for dimension, value, scale in (("all", "all", 1.0), ("acquisition_channel", "email", 0.4)):
        for cohort, months in (("2025-06-01", 3), ("2025-07-01", 2)):
            base = 1000 * scale
            for k in range(months):
                revenue = base * (1.0 if k == 0 else 0.7 / k)
                rows.append(
                    {
                        "dimension": dimension,
                        "dimension_value": value,
                        "months_since_first_purchase": k,
                        "cohort_customers": int(20 * scale),
                        "active_customers": int(20 * scale * (1.0 if k == 0 else 0.4 / k)),
                        "revenue_amount": revenue,
                        "first_month_revenue_amount": base,
                        "net_revenue_retention": revenue / base,
                        "is_partial_period": k == months - 1 and cohort == "2025-07-01",
                        "cohort_month": pd.Timestamp(cohort),
                    }
                )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("draw", "frame", "name"),
    [
        (lifecycle_charts.lifecycle_plot, _small_lifecycle, "lifecycle_overview"),
        (lifecycle_charts.stickiness_plot, _small_stickiness, "stickiness_overview"),
        (lifecycle_charts.revenue_retention_plot, _small_revenue_retention, "revenue_retention_overview"),
    ],
)
def test_each_chart_draws_a_png_into_the_assets_folder(draw, frame, name, tmp_path, monkeypatch):
    monkeypatch.setenv("CJ_ASSETS_DIR", str(tmp_path))
    path = draw(frame())
    assert path == tmp_path / f"{name}.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    # an empty report still gives a picture that says so, not an error
    empty = draw(frame().iloc[:0])
    assert empty.exists()


def test_revenue_pooling_weights_cohorts_by_their_month_zero_revenue():
    frame = _small_revenue_retention()
    pooled = lifecycle_charts._pooled(frame[frame.dimension == "all"]).set_index("months_since_first_purchase")
    # month 1: both cohorts (700 + 700 of 1000 + 1000); month 2: only the June cohort (350 of 1000)
    assert pooled.net_revenue_retention.tolist() == pytest.approx([1.0, 0.7, 0.35])
    assert pooled.customer_retention.tolist() == pytest.approx([1.0, 0.4, 0.2])
