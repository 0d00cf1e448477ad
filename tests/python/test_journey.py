"""Journey marts on generated data: planted information gaps are recovered, the funnel matches an
independent recomputation from the raw files, and the reports add up."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pytest

from bot_exclusion import flagged_devices, without_bot_events
from customer_journey.synth import personas as P

REPO = Path(__file__).resolve().parents[2]
WINDOW = pd.Timedelta(days=30)
PLANTED_PRE_PURCHASE = {g.touchpoint for g in P.GAPS if g.effect > 0 and g.stage != "retention"}
CONTROLS = {g.touchpoint for g in P.GAPS if g.effect == 0} | {"search"}


def _gaps(db) -> pd.DataFrame:
    return db.execute("select * from marts.rpt_information_gaps order by priority_rank nulls last").df()


def test_planted_gaps_come_out_on_top(db):
    gaps = _gaps(db)
    ranked = gaps[gaps.priority_rank.notna()].sort_values("priority_rank")
    top = ranked.head(len(PLANTED_PRE_PURCHASE))
    assert set(top.information_touchpoint) == PLANTED_PRE_PURCHASE
    assert (top.journey_stage == "consideration").all()
    assert (top.dropoff_lift > 0).all() and top.is_significant.all()


def test_planted_post_purchase_gap_has_positive_lift(db):
    gaps = _gaps(db)
    support = gaps[(gaps.information_touchpoint == "support_contact") & (gaps.journey_stage == "purchase")]
    assert len(support) == 1
    assert support.dropoff_lift.iloc[0] > 0


def test_unplanted_touchpoints_show_no_significant_lift(db):
    gaps = _gaps(db)
    controls = gaps[gaps.information_touchpoint.isin(CONTROLS)]
    assert len(controls) >= 4
    assert not controls.is_significant.any(), controls[
        ["information_touchpoint", "journey_stage", "dropoff_lift", "z_score"]
    ]
    # and every planted gap's lift is above every control's
    planted = gaps[gaps.information_touchpoint.isin(PLANTED_PRE_PURCHASE) & (gaps.journey_stage == "consideration")]
    assert planted.dropoff_lift.min() > controls[controls.is_reliable].dropoff_lift.max()


def test_report_columns_are_consistent(db):
    gaps = _gaps(db)
    assert np.allclose(gaps.dropoff_lift, (gaps.dropped_after_touchpoint - gaps.expected_dropped) / gaps.exposed_people)
    assert (gaps.lift_ci_low <= gaps.dropoff_lift).all() and (gaps.dropoff_lift <= gaps.lift_ci_high).all()
    assert (gaps.exposed_people <= gaps.stage_people).all()
    assert (gaps.revenue_at_risk_amount >= 0).all()


# --- an independent recomputation of the funnel from the raw files (pandas, not the dbt SQL) ---


def _parse(series: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(series, utc=True, errors="coerce", format="ISO8601")
    return parsed.dt.tz_localize(None)


def _read(raw: Path, table: str) -> pd.DataFrame:
    return ds.dataset(raw / table).to_table().to_pandas()


def _funnel_from_raw(raw: Path, bots: set[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The journey funnel (and the stitched events) from the raw files; `bots`: the devices whose
    anonymous events to leave out, as the warehouse's bot filter does (None: keep every event)."""
    now = pd.Timestamp.now() + pd.Timedelta(hours=24)
    taxonomy = pd.read_csv(REPO / "seeds/event_taxonomy.csv")
    stages = pd.read_csv(REPO / "seeds/journey_stages.csv").set_index("journey_stage").stage_order
    stage_of = taxonomy.set_index("event_type").journey_stage.map(stages)

    customers = _read(raw, "customers")
    customers["signup_at"] = _parse(customers.signup_at)
    customers = customers[customers.customer_id.notna() & customers.signup_at.notna() & (customers.signup_at <= now)]
    customers = customers.sort_values("signup_at").drop_duplicates("customer_id")
    known = set(customers.customer_id)

    orders = _read(raw, "orders")
    orders["ordered_at"] = _parse(orders.ordered_at)
    orders = orders[
        orders.order_id.notna()
        & orders.customer_id.isin(known)
        & orders.ordered_at.notna()
        & (orders.ordered_at <= now)
        & (orders.order_amount >= 0)
        & (orders.discount_amount.fillna(0) >= 0)
        & orders.status.isin(["completed", "cancelled", "returned"])
    ]
    orders = orders.sort_values("ordered_at").drop_duplicates("order_id")
    orders = orders[orders.status != "cancelled"]

    feedback = _read(raw, "feedback")
    feedback["created_at"] = _parse(feedback.created_at)
    feedback = feedback[
        feedback.feedback_id.notna()
        & feedback.customer_id.isin(known)
        & feedback.created_at.notna()
        & (feedback.created_at <= now)
        & feedback.feedback_type.isin(["review", "nps"])
    ]
    feedback = feedback.sort_values("created_at").drop_duplicates("feedback_id")

    events = _read(raw, "events")
    events["event_type"] = events.event_type.str.strip().str.lower()
    events["event_at"] = _parse(events.event_at)
    events = events[
        events.event_id.notna()
        & events.event_at.notna()
        & (events.event_at <= now)
        & events.event_type.isin(set(taxonomy.event_type))
        & (events.customer_id.isna() | events.customer_id.isin(known))
    ]
    events = events.sort_values(["event_at"]).drop_duplicates("event_id")
    if bots is not None:
        events = without_bot_events(events, bots)

    # stitching: a device's anonymous events go to its only customer, or on a shared device
    # to the customer who identifies next on it (else the last one before)
    pairs = events[events.customer_id.notna()][["anonymous_id", "customer_id"]].drop_duplicates()
    per_device = pairs.groupby("anonymous_id").customer_id.nunique()
    only = pairs[pairs.anonymous_id.isin(per_device[per_device == 1].index)].set_index("anonymous_id").customer_id
    events["person_id"] = events.customer_id
    anon = events.person_id.isna()
    events.loc[anon, "person_id"] = events.loc[anon, "anonymous_id"].map(only)
    shared = anon & events.anonymous_id.isin(per_device[per_device > 1].index)
    if shared.any():
        ident = events[events.customer_id.notna() & events.anonymous_id.isin(per_device[per_device > 1].index)]
        ident = ident[["anonymous_id", "event_at", "customer_id"]].sort_values("event_at")
        todo = events[shared][["event_id", "anonymous_id", "event_at"]].sort_values("event_at")
        nxt = pd.merge_asof(todo, ident, on="event_at", by="anonymous_id", direction="forward")
        prv = pd.merge_asof(todo, ident, on="event_at", by="anonymous_id", direction="backward")
        resolved = nxt.customer_id.fillna(prv.customer_id)
        events.loc[shared, "person_id"] = (
            pd.Series(resolved.values, index=todo.event_id).reindex(events[shared].event_id).values
        )
    events["person_id"] = events.person_id.fillna("anon:" + events.anonymous_id)

    first_event = events.groupby("person_id").event_at.min()
    considered = events[events.event_type.map(stage_of) >= 2].groupby("person_id").event_at.min()
    people = pd.DataFrame({"first_event": first_event, "first_consideration": considered})
    people = people.join(customers.set_index("customer_id").signup_at, how="outer")
    people["awareness"] = people[["first_event", "signup_at"]].min(axis=1)
    people["consideration"] = people[["first_consideration", "signup_at"]].min(axis=1)
    people.loc[people.consideration > people.awareness + WINDOW, "consideration"] = pd.NaT

    by_customer = orders.groupby("customer_id").ordered_at.apply(lambda s: np.sort(s.values))

    def first_after(customer, at, strict=False):
        if pd.isna(at) or customer not in by_customer.index:
            return pd.NaT
        times = by_customer[customer]
        idx = np.searchsorted(times, np.datetime64(at), side="right" if strict else "left")
        return pd.Timestamp(times[idx]) if idx < len(times) else pd.NaT

    people["purchase"] = [first_after(p, c) for p, c in zip(people.index, people.consideration, strict=True)]
    people.loc[people.purchase > people.consideration + WINDOW, "purchase"] = pd.NaT
    people["retention"] = [first_after(p, c, strict=True) for p, c in zip(people.index, people.purchase, strict=True)]
    people.loc[people.retention > people.purchase + WINDOW, "retention"] = pd.NaT
    fb = feedback.groupby("customer_id").created_at.apply(lambda s: np.sort(s.values))

    def first_feedback(customer, at):
        if pd.isna(at) or customer not in fb.index:
            return pd.NaT
        times = fb[customer]
        idx = np.searchsorted(times, np.datetime64(at), side="left")
        return pd.Timestamp(times[idx]) if idx < len(times) else pd.NaT

    people["advocacy"] = [first_feedback(p, r) for p, r in zip(people.index, people.retention, strict=True)]
    people.loc[people.advocacy > people.retention + WINDOW, "advocacy"] = pd.NaT

    order = ["awareness", "consideration", "purchase", "retention", "advocacy"]
    rows = []
    for i, stage in enumerate(order):
        entered = people[stage].notna()
        converted = entered & people[order[i + 1]].notna() if i + 1 < len(order) else entered & False
        rows.append({"journey_stage": stage, "entered": int(entered.sum()), "converted": int(converted.sum())})
    return pd.DataFrame(rows).set_index("journey_stage"), events


@pytest.fixture(scope="module")
def raw_funnel_and_events(e2e_data, e2e_warehouse):
    return _funnel_from_raw(e2e_data, bots=flagged_devices(e2e_warehouse))


@pytest.fixture(scope="module")
def funnel_from_raw(raw_funnel_and_events):
    return raw_funnel_and_events[0]


def _event_funnel(events: pd.DataFrame, steps: list[str], window: pd.Timedelta) -> pd.DataFrame:
    """Strict-order event funnel: step 1 at a person's first event of its type, each next step at their
    first event of its type at or after the previous step and within `window` of it."""
    current = events[events.event_type == steps[0]].groupby("person_id").event_at.min()
    rows = []
    for k, step in enumerate(steps):
        reached = pd.Series(dtype="datetime64[ns]")
        if k + 1 < len(steps):
            candidates = events[events.event_type == steps[k + 1]].join(
                current.rename("previous"), on="person_id", how="inner"
            )
            candidates = candidates[
                (candidates.event_at >= candidates.previous) & (candidates.event_at <= candidates.previous + window)
            ]
            reached = candidates.groupby("person_id").event_at.min()
        rows.append({"funnel_step": step, "entered": len(current), "converted": len(reached)})
        current = reached
    return pd.DataFrame(rows).set_index("funnel_step")


def test_funnel_matches_an_independent_recomputation_from_raw(db, funnel_from_raw):
    built = (
        db.execute(
            "select funnel_step as journey_stage, entered_count, converted_count, conversion_rate "
            "from marts.rpt_funnel where funnel_name = 'journey_stages' and period = 'all' and dimension = 'all'"
        )
        .df()
        .set_index("journey_stage")
    )
    for stage, expected in funnel_from_raw.iterrows():
        assert built.loc[stage, "entered_count"] == expected.entered, stage
        assert built.loc[stage, "converted_count"] == expected.converted, stage
    assert built.loc["awareness", "entered_count"] > 2000
    assert 0.1 < built.loc["consideration", "conversion_rate"] < 0.9


def test_funnel_slices_add_up(db):
    """Each dimension partitions the people: its slices add up to the 'all' row."""
    totals = db.execute(
        """
        select dimension, funnel_name || '/' || funnel_step, sum(entered_count), sum(converted_count)
        from marts.rpt_funnel where period = 'all' group by 1, 2
        """
    ).fetchall()
    by_stage: dict[str, set] = {}
    for _, stage, entered, converted in totals:
        by_stage.setdefault(stage, set()).add((entered, converted))
    assert all(len(v) == 1 for v in by_stage.values()), by_stage
    assert {"journey_stages/awareness", "product/add_to_cart", "search/search"} <= set(by_stage)
    monthly = db.execute(
        "select funnel_name || '/' || funnel_step, sum(entered_count) from marts.rpt_funnel "
        "where period <> 'all' and dimension = 'all' group by 1"
    ).fetchall()
    overall = dict(
        db.execute(
            "select funnel_name || '/' || funnel_step, entered_count from marts.rpt_funnel "
            "where period = 'all' and dimension = 'all'"
        ).fetchall()
    )
    assert dict(monthly) == overall


@pytest.mark.parametrize(
    ("funnel", "steps"),
    [
        ("product", ["product_view", "add_to_cart", "checkout_start", "order_completed"]),
        ("search", ["search", "product_view", "order_completed"]),
    ],
)
def test_event_funnels_match_an_independent_count_from_raw_events(db, raw_funnel_and_events, funnel, steps):
    _, events = raw_funnel_and_events
    expected = _event_funnel(events, steps, pd.Timedelta(days=7))
    built = (
        db.execute(
            "select funnel_step, step_order, entered_count, converted_count from marts.rpt_funnel "
            "where funnel_name = ? and period = 'all' and dimension = 'all' order by step_order",
            [funnel],
        )
        .df()
        .set_index("funnel_step")
    )
    assert list(built.index) == steps
    assert built.entered_count.to_dict() == expected.entered.to_dict()
    assert built.converted_count.to_dict() == expected.converted.to_dict()
    assert expected.entered.iloc[-1] > 50  # the funnel reaches its end on the generated data


def test_attribution_models_each_credit_every_order_once(db):
    orders = db.execute(
        "select count(*), sum(order_amount) from intermediate.int_orders_cleaned where is_completed"
    ).fetchone()
    rows = db.execute(
        "select attribution_model, sum(credited_conversions), sum(credited_revenue_amount) "
        "from marts.rpt_channel_attribution group by 1"
    ).fetchall()
    assert {r[0] for r in rows} == {"first_touch", "last_touch", "linear", "position_based"}
    for _, conversions, revenue in rows:
        assert conversions == pytest.approx(orders[0])
        assert revenue == pytest.approx(orders[1])


def test_retention_cohorts(db):
    month0 = db.execute(
        "select min(retention_rate), max(retention_rate) from marts.rpt_retention_cohorts where months_since_first_purchase = 0"
    ).fetchone()
    assert month0 == (1.0, 1.0)
    buyers = db.execute(
        "select count(distinct customer_id) from intermediate.int_orders_cleaned where order_status <> 'cancelled'"
    ).fetchone()[0]
    cohort_sum = db.execute(
        "select sum(cohort_customers) from marts.rpt_retention_cohorts where months_since_first_purchase = 0"
    ).fetchone()[0]
    assert cohort_sum == buyers
    # cumulative revenue per customer never decreases within a cohort
    drops = db.execute(
        """
        select count(*) from (
            select cumulative_revenue_per_customer - lag(cumulative_revenue_per_customer)
                over (partition by cohort_month order by months_since_first_purchase) as delta
            from marts.rpt_retention_cohorts
        ) where delta < -1e-9
        """
    ).fetchone()[0]
    assert drops == 0


def test_paths_rank_and_count(db):
    paths = db.execute("select * from marts.rpt_paths").df()
    assert len(paths) >= 10
    assert (paths.person_count == paths.purchaser_count + paths.dropoff_count).all()
    assert (paths.path_length <= 5).all()
    for path in paths.path:
        steps = path.split(" > ")
        assert all(a != b for a, b in zip(steps, steps[1:], strict=False)), path  # repeats compressed


def test_journeys_one_row_per_person_and_stage_consistency(db):
    people = db.execute("select count(*) from intermediate.int_person_milestones").fetchone()[0]
    journeys = db.execute("select count(*) from marts.fct_customer_journeys").fetchone()[0]
    assert people == journeys
    bad = db.execute(
        """
        select count(*) from marts.fct_customer_journeys
        where (purchase_at is not null and consideration_at is null)
           or (purchase_at < consideration_at) or (retention_at <= purchase_at)
           or (current_stage = 'purchase' and purchase_at is null)
           or (has_unanswered_before_purchase and unanswered_events_before_purchase = 0)
        """
    ).fetchone()[0]
    assert bad == 0


def test_nps_matches_the_feedback(db):
    computed = db.execute(
        """
        select 100.0 * (count(*) filter (where score >= 9) - count(*) filter (where score <= 6)) / count(*)
        from intermediate.int_feedback_cleaned where feedback_type = 'nps'
        """
    ).fetchone()[0]
    monthly = db.execute(
        """
        select sum(nps * response_count) / sum(response_count) from marts.rpt_feedback_monthly
        where feedback_type = 'nps' and journey_stage = 'all'
        """
    ).fetchone()[0]
    assert monthly == pytest.approx(computed)


def test_funnel_overview_shares_and_channel_range():
    import pandas as pd

    from customer_journey.ml.funnel import funnel_overview

    rows = []
    for stage, order, entered, converted in [
        ("awareness", 1, 100, 50),
        ("consideration", 2, 50, 10),
        ("purchase", 3, 10, 0),
    ]:
        rate = converted / entered if order < 3 else None
        rows.append(("journey_stages", "all", stage, "all", "all", order, entered, converted, rate))
        for channel, bump in [("email", 0.1), ("direct", -0.1)]:
            rows.append(
                (
                    "journey_stages",
                    "all",
                    stage,
                    "channel",
                    channel,
                    order,
                    entered,
                    converted,
                    None if rate is None else rate + bump,
                )
            )
        rows.append(("journey_stages", "2025-06-01", stage, "all", "all", order, 1, 1, 1.0))  # a month
        rows.append(("product", "all", stage, "all", "all", order, 7, 7, 1.0))  # another funnel
    funnel = pd.DataFrame(
        rows,
        columns=[
            "funnel_name",
            "period",
            "funnel_step",
            "dimension",
            "dimension_value",
            "step_order",
            "entered_count",
            "converted_count",
            "conversion_rate",
        ],
    )
    out = funnel_overview(funnel)
    assert list(out.journey_stage) == ["awareness", "consideration", "purchase"]
    assert list(out.share_of_first_stage) == [1.0, 0.5, 0.1]
    assert out.channel_conversion_min.iloc[0] == pytest.approx(0.4)
    assert out.channel_conversion_max.iloc[1] == pytest.approx(0.3)
