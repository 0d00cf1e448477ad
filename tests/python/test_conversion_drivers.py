"""Conversion drivers and drop-off paths (#21) on the end-to-end warehouse: the planted information
gaps come out on top and significant, the control touchpoints do not; every association compares
people watched equally long (landmarks), so time watched makes no driver; step events are flagged
and untested; the counts, odds ratios, thresholds, Holm correction and paths equal an independent
pandas recomputation from the intermediate tables; rpt_information_gaps is the drivers report's
touchpoint rows; the charts draw."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy.stats import norm

from customer_journey.ml.journey_charts import conversion_drivers_plot, dropoff_paths_plot
from customer_journey.synth import personas as P

REPO = Path(__file__).resolve().parents[2]
VARS = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]
PLANTED_PRE_PURCHASE = {g.touchpoint for g in P.GAPS if g.effect > 0 and g.stage != "retention"}
CONTROLS = {g.touchpoint for g in P.GAPS if g.effect == 0} | {"search"}
KEY = ["funnel_name", "step_order", "behaviour_type", "behaviour"]
LANDMARK_HOURS = VARS["driver_landmark_hours"]


def _drivers(db) -> pd.DataFrame:
    return db.execute("select * from marts.rpt_conversion_drivers").df()


# --- the planted gaps and the controls ---


def test_planted_gaps_rank_on_top_of_the_consideration_step_and_are_significant(db):
    drivers = _drivers(db)
    step = drivers[(drivers.funnel_name == "journey_stages") & (drivers.funnel_step == "consideration")]
    top = step.sort_values("driver_rank").head(len(PLANTED_PRE_PURCHASE))
    assert set(top.behaviour) == PLANTED_PRE_PURCHASE, top[["behaviour", "driver_rank", "adjusted_p_value"]]
    assert (top.behaviour_type == "information_touchpoint").all() and (top.evidence == "case_crossover").all()
    assert top.is_significant.all() and (top.goes_with == "dropout").all()
    assert (top.adjusted_p_value < VARS["driver_significance_level"]).all()
    assert (top.dropoff_lift > 0.05).all()


def test_control_touchpoints_are_significant_nowhere(db):
    drivers = _drivers(db)
    controls = drivers[(drivers.behaviour_type == "information_touchpoint") & drivers.behaviour.isin(CONTROLS)]
    # every control is tested at the stages it is met in (enough people for the case-crossover)
    tested = controls[controls.p_value.notna()]
    assert len(tested) >= 8 and set(CONTROLS) <= set(tested.behaviour), tested[KEY]
    assert not controls.is_significant.any(), controls[controls.is_significant][KEY + ["dropoff_z_score"]]


def test_information_gaps_are_the_drivers_touchpoint_rows(db):
    gaps = db.execute("select * from marts.rpt_information_gaps").df()
    drivers = _drivers(db)
    subset = drivers[
        (drivers.funnel_name == "journey_stages")
        & drivers.funnel_step.isin(["consideration", "purchase"])
        & (drivers.behaviour_type == "information_touchpoint")
        & (drivers.exposed_people > 0)
    ]
    merged = gaps.merge(
        subset.add_prefix("d_"),
        left_on=["journey_stage", "information_touchpoint"],
        right_on=["d_funnel_step", "d_behaviour"],
        validate="one_to_one",
    )
    assert len(merged) == len(gaps) == len(subset) >= 8
    for gap_col, driver_col in [
        ("exposed_people", "exposed_people"),
        ("stage_people", "step_people"),
        ("dropped_after_touchpoint", "dropped_after_touchpoint"),
        ("expected_dropped", "expected_dropped"),
        ("z_score", "dropoff_z_score"),
        ("lift_ci_low", "dropoff_lift_ci_low"),
        ("revenue_at_risk_amount", "revenue_at_risk_amount"),
    ]:
        assert np.allclose(merged[gap_col], merged[f"d_{driver_col}"], equal_nan=True), gap_col


def test_step_events_are_reported_but_neither_tested_nor_ranked(db):
    drivers = _drivers(db)
    consideration = drivers[(drivers.funnel_name == "journey_stages") & (drivers.funnel_step == "consideration")]
    flagged = set(consideration[consideration.is_step_event].behaviour)
    # the path to an order (seeds/funnels.csv) and what enters consideration, e.g. checkout_start
    # (odds ratio in the thousands before #21's review) and add_to_cart
    assert {"checkout_start", "add_to_cart", "product_view", "sign_up"} <= flagged, flagged
    assert {"page_view", "ad_click"}.isdisjoint(flagged)
    steps = drivers[drivers.is_step_event]
    assert set(steps.behaviour_type) == {"event_type", "event_threshold"}
    assert steps.p_value.isna().all() and steps.adjusted_p_value.isna().all() and not steps.is_significant.any()
    assert steps.odds_ratio.notna().all()
    # an event funnel's own steps are step events at each of its steps
    funnels = pd.read_csv(REPO / "seeds/funnels.csv")
    for funnel, types in funnels.groupby("funnel_name").event_type:
        rows = drivers[(drivers.funnel_name == funnel) & drivers.behaviour.isin(set(types))]
        rows = rows[rows.behaviour_type.isin(["event_type", "event_threshold"])]
        assert len(rows) and rows.is_step_event.all(), funnel
    for _, step in drivers.groupby(["funnel_name", "step_order"]):
        ordered = step.sort_values("driver_rank").is_step_event.to_numpy()
        assert not (ordered[:-1] & ~ordered[1:]).any(), "a step event ranks above another row"


def test_is_reliable_only_on_case_crossover_rows(db):
    drivers = _drivers(db)
    crossover = drivers.evidence == "case_crossover"
    assert drivers[~crossover].is_reliable.isna().all()
    assert drivers[crossover].is_reliable.notna().all()
    assert (
        drivers[crossover].is_reliable == (drivers[crossover].exposed_people.fillna(0) >= VARS["min_group_size"])
    ).all()


# --- time watched: converters' windows end when they convert, drop-outs' run the whole window ---


def test_association_rows_compare_people_watched_equally_long(db, windows):
    """Each association row compares converters and drop-outs still at the step at its landmark, so
    both were watched at least landmark_hours and the behaviour is counted within them; counted
    over each person's own window instead, drop-outs (watched 7 or 30 days) out-did converters who
    left the step in seconds, and "page_view at least 2 times within 30 days" was the awareness
    step's significant driver of dropping out. (What they did before the landmark:
    test_counts_odds_ratios_thresholds_and_holm_match_pandas.)"""
    steps, _ = windows
    drivers = _drivers(db)
    association = drivers[drivers.evidence == "association"]
    plain = association.behaviour_type != "event_threshold"
    assert (association[plain].landmark_hours == LANDMARK_HOURS).all()
    assert (association[~plain].landmark_hours == 24 * association[~plain].threshold_days).all()
    width = association.funnel_name.map(steps.groupby("funnel_name").window_days.first())
    assert (association.landmark_hours < 24 * width).all()
    for (funnel, order, hours), rows in association.groupby(["funnel_name", "step_order", "landmark_hours"]):
        at_step = steps[(steps.funnel_name == funnel) & (steps.step_order == order)]
        watched = at_step.days_observed >= hours / 24
        population = at_step[watched]
        # the same time watched: every converter and drop-out compared was there at the landmark
        assert (rows.landmark_converters == population.is_converted.sum()).all()
        assert (rows.landmark_dropouts == (~population.is_converted).sum()).all()
        assert (rows.landmark_dropouts == rows.step_dropouts).all()
        # nobody lost silently: the others converted before the landmark
        assert (rows.converted_before_landmark == (at_step.is_converted & ~watched).sum()).all()
    # at awareness converters were watched for a median of seconds and drop-outs for 30 days:
    # compared at the landmark, nothing there goes with either outcome beyond chance
    awareness = association[(association.funnel_name == "journey_stages") & (association.step_order == 1)]
    assert len(awareness) >= 5 and not awareness.is_significant.any(), awareness[KEY + ["adjusted_p_value"]]
    assert (awareness.converted_before_landmark > 0.9 * awareness.step_converters).all()


# --- an independent recomputation from the intermediate tables (pandas, not the report's SQL) ---


@pytest.fixture(scope="module")
def windows(e2e_warehouse) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect(str(e2e_warehouse), read_only=True)
    entries = con.execute(
        "select funnel_name, person_id, funnel_step, step_order, is_last_step, is_converted, entered_at, next_step_at "
        "from intermediate.int_funnel_entries"
    ).df()
    data_end = con.execute("select max(last_event_at) from intermediate.int_person_milestones").fetchone()[0]
    events = con.execute(
        "select person_id, event_id, event_at, event_type, event_category, information_touchpoint, "
        "is_information_seeking, channel, device from intermediate.int_events_sessionized"
    ).df()
    con.close()
    days = pd.read_csv(REPO / "seeds/funnels.csv").groupby("funnel_name").conversion_window_days.max().to_dict()
    days["journey_stages"] = VARS["funnel_conversion_window_days"]
    steps = entries[~entries.is_last_step].copy()
    steps["window_days"] = steps.funnel_name.map(days)
    width = pd.to_timedelta(steps.window_days, unit="D")
    steps = steps[steps.entered_at + width <= data_end].copy()
    width = pd.to_timedelta(steps.window_days, unit="D")
    awareness = entries[(entries.funnel_name == "journey_stages") & (entries.step_order == 1)]
    awareness_at = steps.person_id.map(awareness.set_index("person_id").entered_at)
    considering = (steps.funnel_name == "journey_stages") & (steps.funnel_step == "consideration")
    steps["start"] = steps.entered_at.where(~considering, awareness_at)
    steps["end"] = steps.next_step_at.fillna(steps.entered_at + width)
    steps["days_observed"] = (steps.end - steps.start).dt.total_seconds() / 86400
    inside = steps.merge(events, on="person_id")
    inside = inside[(inside.event_at >= inside.start) & (inside.event_at < inside.end)].copy()
    inside["days"] = (inside.event_at - inside.start).dt.total_seconds() / 86400
    return steps, inside


def _woolf(did_conv, did_drop, converters, dropouts):
    a, b = did_conv + 0.5, converters - did_conv + 0.5
    c, d = did_drop + 0.5, dropouts - did_drop + 0.5
    log_or = np.log(a * d / (b * c))
    se = np.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return np.exp(log_or), se, log_or / se, 2 * norm.sf(np.abs(log_or / se))


def _step_event_types(steps: pd.DataFrame) -> set[tuple[str, int, str]]:
    """(funnel, step, event type) of the step events, from the seeds and the stages' definitions."""
    funnels = pd.read_csv(REPO / "seeds/funnels.csv")
    taxonomy = pd.read_csv(REPO / "seeds/event_taxonomy.csv")
    stage_order = pd.read_csv(REPO / "seeds/journey_stages.csv").set_index("journey_stage").stage_order
    taxonomy["stage_order"] = taxonomy.journey_stage.map(stage_order)
    order_funnels = set(funnels[funnels.event_type == "order_completed"].funnel_name)
    order_path = set(funnels[funnels.funnel_name.isin(order_funnels)].event_type) | {"order_completed"}
    # what enters each journey stage (int_person_milestones, int_funnel_steps)
    entering = {
        "consideration": set(taxonomy[taxonomy.stage_order >= 2].event_type),
        "purchase": order_path,
        "retention": order_path,
        "advocacy": set(taxonomy[taxonomy.journey_stage == "advocacy"].event_type),
    }
    by_order = {order: entering.get(stage, set()) for stage, order in stage_order.items()}
    flagged = set()
    for funnel, order in steps[["funnel_name", "step_order"]].drop_duplicates().itertuples(index=False):
        if funnel == "journey_stages":
            types = by_order.get(order, set()) | by_order.get(order + 1, set())
        else:
            types = set(funnels[funnels.funnel_name == funnel].event_type)
            types |= order_path if funnel in order_funnels else set()
        flagged |= {(funnel, order, t) for t in types}
    return flagged


def _expected_tests(steps: pd.DataFrame, inside: pd.DataFrame) -> pd.DataFrame:
    """Every association row and candidate of the report, each among the people still at the step
    at its landmark (watched at least that long): plain behaviours in the first var
    driver_landmark_hours, "at least n times within d days" among the people still there after d."""
    landmark_days = LANDMARK_HOURS / 24
    seeking = inside.is_information_seeking.astype(bool)
    early = (inside.days_observed >= landmark_days) & (inside.days < landmark_days)
    kinds = [
        pd.DataFrame(
            {
                "behaviour_type": np.where(seeking, "information_touchpoint", "event_type"),
                "behaviour": np.where(seeking, inside.information_touchpoint, inside.event_type),
            }
        ),
        pd.DataFrame({"behaviour_type": "channel", "behaviour": inside.channel.fillna("(unknown)").to_numpy()}),
        pd.DataFrame({"behaviour_type": "device", "behaviour": inside.device.fillna("(unknown)").to_numpy()}),
    ]
    base = inside[["funnel_name", "step_order", "person_id", "is_converted"]].reset_index(drop=True)
    plain = pd.concat([pd.concat([base, k], axis=1)[early.to_numpy()] for k in kinds]).drop_duplicates()
    plain["threshold_count"] = np.nan
    plain["threshold_days"] = np.nan
    plain["landmark_hours"] = LANDMARK_HOURS
    # the n-th occurrence of each (non information-seeking) event type, days after the window opened
    typed = inside[~seeking].sort_values(["event_at", "event_id"])
    typed = typed.assign(n=typed.groupby(["funnel_name", "step_order", "person_id", "event_type"]).cumcount() + 1)
    rows = []
    for funnel, width in steps.groupby("funnel_name").window_days.first().items():
        for n in VARS["driver_threshold_counts"]:
            for d in sorted({d for d in VARS["driver_threshold_days"] if d < width}):
                if n == 1 and d * 24 == LANDMARK_HOURS:
                    continue  # the plain row
                hit = typed[
                    (typed.funnel_name == funnel) & (typed.n == n) & (typed.days < d) & (typed.days_observed >= d)
                ]
                rows.append(
                    hit[["funnel_name", "step_order", "person_id", "is_converted", "event_type"]]
                    .rename(columns={"event_type": "behaviour"})
                    .assign(
                        behaviour_type="event_threshold", threshold_count=n, threshold_days=d, landmark_hours=d * 24
                    )
                )
    tests = pd.concat([plain, *rows])
    counts = (
        tests.groupby(KEY + ["threshold_count", "threshold_days", "landmark_hours"], dropna=False)
        .agg(people_who_did=("person_id", "size"), converters_who_did=("is_converted", "sum"))
        .reset_index()
    )
    totals = steps.groupby(["funnel_name", "step_order"]).agg(
        step_people=("person_id", "size"), step_converters=("is_converted", "sum")
    )
    counts = counts.join(totals, on=["funnel_name", "step_order"])
    counts["step_dropouts"] = counts.step_people - counts.step_converters
    # the population at each landmark: watched at least that long (a drop-out: the whole window)
    populations = []
    for hours in counts.landmark_hours.unique():
        kept = steps[steps.days_observed >= hours / 24]
        populations.append(
            kept.groupby(["funnel_name", "step_order"])
            .agg(landmark_people=("person_id", "size"), landmark_converters=("is_converted", "sum"))
            .reset_index()
            .assign(landmark_hours=hours)
        )
    counts = counts.merge(pd.concat(populations), on=["funnel_name", "step_order", "landmark_hours"], how="left")
    counts["landmark_dropouts"] = counts.landmark_people - counts.landmark_converters
    counts["dropouts_who_did"] = counts.people_who_did - counts.converters_who_did
    counts["odds_ratio"], counts["se"], counts["z"], counts["p"] = _woolf(
        counts.converters_who_did, counts.dropouts_who_did, counts.landmark_converters, counts.landmark_dropouts
    )
    flagged = _step_event_types(steps)
    counts["is_step_event"] = [
        t in {"event_type", "event_threshold"} and (f, o, b) in flagged
        for f, o, t, b in counts[KEY].itertuples(index=False)
    ]
    return counts


def _holm(p: np.ndarray) -> np.ndarray:
    order = np.argsort(p, kind="stable")
    m = len(p)
    adjusted = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.maximum.accumulate(adjusted)
    return out


def test_counts_odds_ratios_thresholds_and_holm_match_pandas(db, windows):
    steps, inside = windows
    expected = _expected_tests(steps, inside)
    drivers = _drivers(db)
    # plain rows: the same behaviours, the same landmark populations, counts and odds ratios
    plain = expected[expected.behaviour_type != "event_threshold"]
    got = drivers[drivers.behaviour_type != "event_threshold"].merge(
        plain, on=KEY, how="left", suffixes=("", "_pandas"), indicator=True
    )
    # touchpoints met only in sessions the crossover counts have no association row: zero counts
    only_crossover = got._merge == "left_only"
    assert (got[only_crossover].behaviour_type == "information_touchpoint").all()
    assert (got[only_crossover].people_who_did == 0).all()
    both = got[~only_crossover]
    assert len(both) == len(plain) and len(both) > 100
    columns = ["people_who_did", "converters_who_did", "dropouts_who_did", "step_people", "step_converters"]
    columns += ["landmark_hours", "landmark_people", "landmark_converters", "landmark_dropouts", "is_step_event"]
    for col in columns:
        assert (both[col] == both[f"{col}_pandas"]).all(), col
    assert (both.converted_before_landmark == both.step_converters - both.landmark_converters_pandas).all()
    assert np.allclose(both.odds_ratio, both.odds_ratio_pandas, rtol=1e-9)
    assert np.allclose(both.odds_ratio_z_score, both.z, rtol=1e-9)
    assert np.allclose(both.odds_ratio_p_value, both.p, rtol=1e-6, atol=1e-300)
    z = VARS["driver_interval_z"]
    assert np.allclose(both.odds_ratio_ci_low, np.exp(np.log(both.odds_ratio_pandas) - z * both.se), rtol=1e-9)
    assert np.allclose(both.odds_ratio_ci_high, np.exp(np.log(both.odds_ratio_pandas) + z * both.se), rtol=1e-9)

    # thresholds: the reported one is the candidate with the smallest p (step events too)
    candidates = expected[expected.behaviour_type == "event_threshold"].copy()
    candidates["abs_z"] = candidates.z.abs()
    best = candidates.sort_values(
        ["p", "abs_z", "threshold_count", "threshold_days"], ascending=[True, False, True, True]
    ).drop_duplicates(KEY)
    reported = drivers[drivers.behaviour_type == "event_threshold"].merge(
        best, on=KEY, suffixes=("", "_pandas"), validate="one_to_one"
    )
    assert len(reported) == len(best) > 20
    for col in ["threshold_count", "threshold_days", "landmark_hours", "people_who_did", "landmark_people"]:
        assert (reported[col] == reported[f"{col}_pandas"]).all(), col
    assert (reported.is_step_event == reported.is_step_event_pandas).all()
    assert np.allclose(reported.odds_ratio, reported.odds_ratio_pandas, rtol=1e-9)
    sizes = candidates.groupby(KEY).size().rename("n_candidates").reset_index()
    assert (reported.merge(sizes, on=KEY).eval("threshold_candidates == n_candidates")).all()

    # Holm over every test: association tests of the rows and threshold candidates that are not
    # touchpoints nor step events, and the case-crossover of touchpoints with enough exposed people
    association = expected[(expected.behaviour_type != "information_touchpoint") & ~expected.is_step_event]
    crossover = drivers[(drivers.evidence == "case_crossover") & drivers.is_reliable & drivers.dropoff_z_score.notna()]
    family = pd.concat(
        [
            association.assign(p_family=association.p),
            crossover[KEY].assign(p_family=2 * norm.sf(np.abs(crossover.dropoff_z_score))),
        ]
    )
    family["adjusted"] = _holm(family.p_family.to_numpy())
    assert len(family) > 100

    chosen = best[KEY + ["threshold_count", "threshold_days"]]
    adjusted = pd.concat(
        [
            family[family.behaviour_type != "event_threshold"],
            family.merge(chosen, on=KEY + ["threshold_count", "threshold_days"]),
        ]
    )
    checked = drivers.merge(adjusted[KEY + ["adjusted"]], on=KEY, how="left")
    tested = checked.p_value.notna()
    assert tested.sum() == len(adjusted)
    assert (
        checked[checked.is_step_event].p_value.isna().all() and not checked[checked.is_step_event].is_significant.any()
    )
    assert np.allclose(checked.adjusted_p_value[tested], checked.adjusted[tested], rtol=1e-5, atol=1e-300)
    assert (checked.is_significant == (checked.adjusted < VARS["driver_significance_level"])).all()


def test_p_values_match_scipy_over_the_whole_range(db):
    drivers = _drivers(db)
    z = drivers.odds_ratio_z_score.abs()
    assert z.max() > 10 and z.min() < 0.5
    assert np.allclose(drivers.odds_ratio_p_value, 2 * norm.sf(z), rtol=2e-7 * 10, atol=1e-300)


def test_ranks_put_significant_rows_first(db):
    drivers = _drivers(db)
    for _, step in drivers.groupby(["funnel_name", "step_order"]):
        ordered = step.sort_values("driver_rank")
        assert list(ordered.driver_rank) == list(range(1, len(step) + 1))
        flags = ordered.is_significant.to_numpy()
        assert not (~flags[:-1] & flags[1:]).any(), "a significant row ranks below a non-significant one"


def _paths(seq: pd.DataFrame, keys: list[str], last: bool, limit: int) -> pd.Series:
    seq = seq.sort_values(keys + ["event_at", "event_id"])
    new_group = (seq[keys] != seq[keys].shift()).any(axis=1)
    seq = seq[new_group | (seq.element != seq.element.shift())]
    rank = seq.groupby(keys).cumcount(ascending=not last)
    seq = seq[rank < limit]
    return seq.groupby(keys).element.agg(" > ".join)


def test_dropoff_paths_match_pandas(db, windows):
    steps, inside = windows
    limit, top = VARS["path_max_length"], VARS["path_top_n"]
    assert VARS["dropoff_path_element"] == "event_type"
    inside = inside.assign(element=inside.information_touchpoint.fillna(inside.event_type))
    keys = ["funnel_name", "step_order", "person_id"]
    before = _paths(inside, keys, last=True, limit=limit).rename("path")
    after = _paths(inside[~inside.is_converted & (inside.event_at > inside.entered_at)], keys, False, limit)
    people = steps.set_index(keys)
    groups = [
        people.join(before).assign(path_group=np.where(people.is_converted, "converters_before", "dropouts_before")),
        people[~people.is_converted].join(after.rename("path")).assign(path_group="dropouts_after"),
    ]
    groups[0]["path"] = groups[0].path.fillna("(no events)")
    groups[1]["path"] = groups[1].path.fillna("(no further events)")
    rows = pd.concat(groups).reset_index()
    counted = rows.groupby(["funnel_name", "step_order", "path_group", "path"]).size().rename("person_count")
    counted = counted.reset_index().sort_values(
        ["funnel_name", "step_order", "path_group", "person_count", "path"], ascending=[True, True, True, False, True]
    )
    counted["path_rank"] = counted.groupby(["funnel_name", "step_order", "path_group"]).cumcount() + 1
    expected = counted[counted.path_rank <= top].reset_index(drop=True)

    got = db.execute(
        "select funnel_name, step_order, path_group, path, person_count, path_rank, group_people, share_of_group "
        "from marts.rpt_dropoff_paths order by funnel_name, step_order, path_group, path_rank"
    ).df()
    assert len(got) == len(expected) > 100
    for col in ["funnel_name", "step_order", "path_group", "path", "person_count", "path_rank"]:
        assert (got[col].to_numpy() == expected[col].to_numpy()).all(), col
    sizes = rows.groupby(["funnel_name", "step_order", "path_group"]).size().rename("n")
    got = got.join(sizes, on=["funnel_name", "step_order", "path_group"])
    assert (got.group_people == got.n).all()
    assert np.allclose(got.share_of_group, got.person_count / got.n)


# --- the charts, on small frames ---


def _small_drivers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "funnel_name": ["journey_stages"] * 3 + ["product"],
            "funnel_step": ["consideration", "consideration", "purchase", "product_view"],
            "step_order": [2, 2, 3, 1],
            "behaviour_label": ["search_zero_results", "add_to_cart at least 2 times within 1 days", "ios_app", "x"],
            "evidence": ["case_crossover", "association", "association", "association"],
            "goes_with": ["dropout", "conversion", "conversion", "neither"],
            "share_of_converters": [0.1, 0.7, 0.3, 0.5],
            "share_of_dropouts": [0.2, 0.1, 0.2, 0.5],
            "dropoff_lift": [0.13, np.nan, np.nan, np.nan],
            "driver_rank": [1, 2, 1, 1],
            "is_step_event": [False, False, False, False],
            "is_significant": [True, True, False, False],
        }
    )


def _small_paths() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "funnel_name": ["journey_stages"] * 4,
            "funnel_step": ["consideration"] * 3 + ["purchase"],
            "step_order": [2, 2, 2, 3],
            "path_group": ["converters_before", "dropouts_before", "dropouts_after", "dropouts_after"],
            "path": ["product_view > add_to_cart", "search_zero_results", "(no further events)", "page_view"],
            "path_rank": [1, 1, 1, 1],
            "share_of_group": [0.4, 0.2, 0.5, 1.0],
        }
    )


@pytest.mark.parametrize(
    ("draw", "frame", "name"),
    [
        (conversion_drivers_plot, _small_drivers(), "conversion_drivers.png"),
        (dropoff_paths_plot, _small_paths(), "dropoff_paths.png"),
        (conversion_drivers_plot, _small_drivers().iloc[0:0], "conversion_drivers.png"),
        (dropoff_paths_plot, _small_paths().iloc[0:0], "dropoff_paths.png"),
    ],
)
def test_charts_are_written(draw, frame, name, tmp_path, monkeypatch):
    monkeypatch.setenv("CJ_ASSETS_DIR", str(tmp_path / "assets"))
    path = draw(frame)
    assert path == tmp_path / "assets" / name
    assert path.stat().st_size > 2000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_charts_name_the_missing_columns():
    with pytest.raises(ValueError, match="share_of_dropouts"):
        conversion_drivers_plot(_small_drivers().drop(columns="share_of_dropouts"))


def test_charts_off_draws_nothing_and_a_wrong_setting_is_named(tmp_path, monkeypatch):
    from customer_journey.ml.journey_charts import report_charts

    monkeypatch.setenv("CJ_ASSETS_DIR", str(tmp_path / "assets"))
    monkeypatch.setenv("CJ_CHARTS", "off")
    assert conversion_drivers_plot(_small_drivers()) is None
    charts = report_charts({"rpt_conversion_drivers": _small_drivers(), "rpt_dropoff_paths": _small_paths()})
    assert charts.empty and list(charts.columns) == ["chart_file", "source_model", "source_rows"]
    assert not list((tmp_path / "assets").glob("*.png"))
    monkeypatch.setenv("CJ_CHARTS", "no")
    with pytest.raises(ValueError, match="CJ_CHARTS is 'no'"):
        dropoff_paths_plot(_small_paths())
    monkeypatch.setenv("CJ_CHARTS", "on")
    charts = report_charts({"rpt_conversion_drivers": _small_drivers(), "rpt_dropoff_paths": _small_paths()})
    assert sorted(charts.chart_file) == ["conversion_drivers.png", "dropoff_paths.png"]
