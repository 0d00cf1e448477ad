"""Time anchors from the data (#20 item 6), checked on each generator shape: with the vars at 'auto',
the label horizons and the snapshot cadence follow the data's span by the documented rule (recomputed
here from the raw files), so even a 9-day log gets labelled snapshots. Collected through
test_shapes_build (one build per shape)."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd


def _raw_span_days(raw) -> int:
    """Days from the first to the last day with an event, order or sign-up, both included, from the raw files."""
    days = []
    for table, column in (("events", "event_at"), ("orders", "ordered_at"), ("customers", "signup_at")):
        if not (raw / table).exists():
            continue
        frame = duckdb.sql(
            f"select try_cast({column} as timestamp) as ts "
            f"from read_parquet('{raw}/{table}/**/*.parquet', union_by_name = true)"
        ).df()
        days.append(pd.to_datetime(frame.ts.dropna()).dt.normalize())
    found = pd.concat(days)
    return int((found.max() - found.min()).days) + 1


def _expected(span: int) -> dict[str, int]:
    """The documented rule (int_data_calendar)."""
    if span >= 100:
        every = 30 if span >= 365 else 14
        return {
            # 90 days, or less where 90 would leave under three labelled snapshot dates
            "churn_horizon_days": min(90, max(1, span - 28 - 2 * every)),
            "purchase_horizon_days": 30,
            "snapshot_every_days": every,
            "snapshot_warmup_days": 28,
        }
    return {
        "churn_horizon_days": max(1, span // 3),
        "purchase_horizon_days": max(1, span // 6),
        "snapshot_every_days": max(1, span // 10),
        "snapshot_warmup_days": max(1, span // 5),
    }


def test_time_anchors_follow_the_data_span_and_labels_close(shape_build):
    shape, raw, warehouse, _ = shape_build
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        calendar = con.execute("select * from intermediate.int_data_calendar").df().iloc[0]
        dates = [
            d
            for (d,) in con.execute(
                "select as_of_date from intermediate.int_feature_snapshot_dates order by 1"
            ).fetchall()
        ]
        labels = con.execute(
            "select as_of_date, count(is_churned) as churn, count(will_purchase) as purchase "
            "from marts.fct_customer_labels group by 1 order by 1"
        ).df()
    finally:
        con.close()
    span = _raw_span_days(raw)
    expected = _expected(span)
    assert int(calendar.span_days) == span, shape
    assert {k: int(calendar[k]) for k in expected} == expected, (shape, span)
    assert calendar.time_anchor_basis.startswith(f"derived from the data span ({span} days)"), (
        calendar.time_anchor_basis
    )

    first = pd.Timestamp(calendar.first_data_date).date()
    latest = pd.Timestamp(calendar.latest_as_of_date).date()
    step, warmup = expected["snapshot_every_days"], expected["snapshot_warmup_days"]
    assert [pd.Timestamp(d).date() for d in dates] == [
        first + timedelta(days=warmup + i * step)
        for i in range((latest - first).days // step + 1)
        if first + timedelta(days=warmup + i * step) <= latest
    ]
    # a label exists exactly where its window lies in the data; every shape gets purchase labels on
    # at least two dates (out-of-time validation needs two), and churn labels on two or more
    last_day = pd.Timestamp(calendar.last_data_date)
    for target, horizon in (("purchase", "purchase_horizon_days"), ("churn", "churn_horizon_days")):
        closed = labels.as_of_date.map(lambda d, h=expected[horizon]: pd.Timestamp(d) + timedelta(days=h)) <= (
            last_day + timedelta(days=1)
        )
        assert (labels.loc[~closed, target] == 0).all(), (shape, target)
        assert (labels.loc[closed, target] > 0).sum() >= 2, (shape, target, labels)
