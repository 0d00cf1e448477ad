"""Checks of the ML layer's segments on each generator shape; collected through test_shapes_build
(its module-scoped shape_build fixture builds each shape once).

Segmentation either passes its quality checks (status 'ok': silhouette strictly between -1 and 1,
at least two populated segments) or is refused with a reason and the rule-based fallback; every
customer has a segment; and every word of every segment name is a claim that holds against the
segment's profile, recomputed here by SQL over marts.dim_customer_features joined to
ml.customer_segments (not by the code under test), and against ml.segment_profiles."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import pandas as pd
import pytest

# at least half repeat buyers, and more than the population: 3 % against 1.25 % is not "loyal"
REGULAR = (
    "repeat-buyer share above the population's and at least half",
    lambda s, p: s["repeat"] > p["repeat"] and s["repeat"] >= 0.5,
)
# each word a segment name may contain, and the claim it makes about the segment (s) against the
# population (p); written from the definitions, independently of the naming code
CLAIMS = {
    "loyal": REGULAR,
    "regular": REGULAR,
    "browser": ("fewer than half ordered, with sessions", lambda s, p: s["buyers"] < 0.5 and s["sessions"] > 0),
    "prospect": ("fewer than half of its customers ordered", lambda s, p: s["buyers"] < 0.5),
    "no orders": ("no customer ordered", lambda s, p: s["buyers"] == 0),
    "new": ("median tenure below the population's", lambda s, p: s["tenure"] < p["tenure"]),
    "high-value": ("mean lifetime revenue above the population's", lambda s, p: s["revenue"] > p["revenue"]),
    "lapsed": ("median recency above the population's", lambda s, p: s["recency"] > p["recency"]),
    "at-risk": ("median recency above the population's", lambda s, p: s["recency"] > p["recency"]),
    "active": ("median recency at most the population's", lambda s, p: s["recency"] <= p["recency"]),
    "recent": ("median recency at most the population's", lambda s, p: s["recency"] <= p["recency"]),
    "one-time": ("under half of its buyers ordered twice", lambda s, p: s["repeat_of_buyers"] < 0.5),
    "occasional": ("at least half of its buyers ordered twice", lambda s, p: s["repeat_of_buyers"] >= 0.5),
    "repeat": ("at least half of its buyers ordered twice", lambda s, p: s["repeat_of_buyers"] >= 0.5),
    "engaged": ("mean sessions above the population's", lambda s, p: s["sessions"] > p["sessions"]),
    "dormant": ("mean sessions at most the population's", lambda s, p: s["sessions"] <= p["sessions"]),
    "bargain-driven": ("mean discount share above the population's", lambda s, p: s["discount"] > p["discount"]),
}


def claim_words(name: str) -> list[str]:
    """The claim words of a segment name (its '(high feature)' and '#n' suffixes aside); a word
    also matches in the plural ('browsers', 'regulars')."""
    base = name.split(" (")[0].split(" #")[0]
    tokens = base.split()
    return sorted(word for word in CLAIMS if (word in base if " " in word else word in tokens or word + "s" in tokens))


# words a name may hold that claim nothing (nouns)
NEUTRAL_WORDS = {"buyers", "no", "orders", "yet"}


def unchecked_words(name: str) -> list[str]:
    """Words of a name that are neither a claim of CLAIMS nor a neutral noun: a name must not say
    what no test checks."""
    base = name.split(" (")[0].split(" #")[0]
    known = {*CLAIMS, *(w + "s" for w in CLAIMS), *NEUTRAL_WORDS}
    return [t for t in base.split() if t not in known and not any(t in w.split() for w in CLAIMS if " " in w)]


def broken_claims(name: str, segment: Mapping[str, float], population: Mapping[str, float]) -> list[str]:
    """The claims of `name` that do not hold (a comparison with a missing number never holds)."""
    return [
        f"{name!r}: '{word}' claims {CLAIMS[word][0]}; segment {dict(segment)}, population {dict(population)}"
        for word in claim_words(name)
        if not CLAIMS[word][1](segment, population)
    ]


INDEPENDENT_SEGMENT_SQL = """
select
    s.segment_id,
    any_value(s.segment_name) as segment_name,
    count(*) as customers,
    avg(case when coalesce(f.orders_lifetime, 0) >= 1 then 1.0 else 0.0 end) as buyers,
    avg(case when coalesce(f.orders_lifetime, 0) >= 2 then 1.0 else 0.0 end) as repeat,
    sum(case when f.orders_lifetime >= 2 then 1.0 else 0.0 end)
        / nullif(sum(case when f.orders_lifetime >= 1 then 1.0 else 0.0 end), 0) as repeat_of_buyers,
    median(f.recency_days) as recency,
    median(f.tenure_days) as tenure,
    avg(coalesce(f.revenue_lifetime, 0)) as revenue,
    avg(coalesce(f.sessions_90d, 0)) as sessions,
    avg(f.discount_share) as discount
from ml.customer_segments s
join marts.dim_customer_features f using (customer_id)
group by s.segment_id
order by s.segment_id
"""

INDEPENDENT_POPULATION_SQL = """
select
    avg(case when coalesce(orders_lifetime, 0) >= 2 then 1.0 else 0.0 end) as repeat,
    median(recency_days) as recency,
    median(tenure_days) as tenure,
    avg(coalesce(revenue_lifetime, 0)) as revenue,
    avg(coalesce(sessions_90d, 0)) as sessions,
    avg(discount_share) as discount
from marts.dim_customer_features
"""


def _floats(row: Mapping) -> dict[str, float]:
    return {k: (float("nan") if pd.isna(v) else float(v)) for k, v in row.items() if k not in ("segment_name",)}


def test_segmentation_passes_its_checks_or_refuses_with_a_fallback(shape_build):
    shape, _, warehouse, _ = shape_build
    con = duckdb.connect(str(warehouse), read_only=True)
    run = con.execute("select * from ml.segmentation_runs order by run_at desc limit 1").df().iloc[0]
    methods = con.execute("select distinct segment_method from ml.customer_segments").df().segment_method.tolist()
    populated = con.execute("select count(distinct segment_id) from ml.customer_segments").fetchone()[0]
    if run.status == "ok":
        assert -1 < run.silhouette < 1, (shape, run.silhouette)
        assert populated >= 2 and run.segment_count == populated, (shape, populated)
        assert methods == ["kmeans"], (shape, methods)
        assert pd.isna(run.status_reason)
    else:
        assert run.status == "refused", (shape, run.status)
        assert isinstance(run.status_reason, str) and len(run.status_reason) > 10, (shape, run.status_reason)
        assert methods == ["rules"] and pd.isna(run.silhouette), (shape, methods, run.silhouette)
    # a feature without spread among the customers is never clustered: each dropped one says why
    used = [f for f in str(run.features_used).split(", ") if f]
    for feature in used:
        spread = con.execute(
            f"select count(distinct round({feature}, 9)), count({feature}) from marts.dim_customer_features"
        ).fetchone()
        assert spread[0] >= 2, (shape, feature, spread)
    dropped = str(run.dropped_features or "")
    asked = [f for f in run.feature_list.split(", ")]
    assert sorted(used + [f for f in asked if f + ":" in dropped]) == sorted(asked), (shape, used, dropped)


def test_every_customer_has_one_segment(shape_build):
    shape, _, warehouse, _ = shape_build
    con = duckdb.connect(str(warehouse), read_only=True)
    counts = con.execute(
        """
        select count(f.customer_id), count(s.customer_id), count(distinct s.customer_id), count(s.segment_name)
        from marts.dim_customer_features f left join ml.customer_segments s using (customer_id)
        """
    ).fetchone()
    assert counts[0] > 0 and counts[0] == counts[1] == counts[2] == counts[3], (shape, counts)


def test_every_segment_name_holds_against_its_profile(shape_build):
    shape, _, warehouse, _ = shape_build
    con = duckdb.connect(str(warehouse), read_only=True)
    segments = con.execute(INDEPENDENT_SEGMENT_SQL).df()
    population = _floats(con.execute(INDEPENDENT_POPULATION_SQL).df().iloc[0])
    profiles = con.execute("select * from ml.segment_profiles order by segment_id").df()
    # segment_profiles states the same numbers as the independent SQL
    merged = segments.merge(profiles, on="segment_id", suffixes=("", "_profile"))
    assert len(merged) == len(segments) == len(profiles), shape
    assert (merged.segment_name == merged.segment_name_profile).all()
    for ours, theirs in [
        ("customers", "customer_count"),
        ("buyers", "buyer_share"),
        ("repeat", "repeat_buyer_share"),
        ("repeat_of_buyers", "repeat_share_of_buyers"),
        ("recency", "median_recency_days"),
        ("tenure", "median_tenure_days"),
        ("revenue", "avg_revenue_lifetime"),
        ("sessions", "avg_sessions_90d"),
    ]:
        pd.testing.assert_series_equal(
            merged[ours].astype(float), merged[theirs].astype(float), check_names=False, rtol=1e-9
        )
    for ours, theirs in [
        ("repeat", "population_repeat_buyer_share"),
        ("recency", "population_median_recency_days"),
        ("tenure", "population_median_tenure_days"),
        ("revenue", "population_avg_revenue_lifetime"),
        ("sessions", "population_avg_sessions_90d"),
        ("discount", "population_avg_discount_share"),
    ]:
        assert profiles[theirs].astype(float).to_numpy() == pytest.approx(population[ours], rel=1e-9, nan_ok=True)
    broken = []
    for _, row in segments.iterrows():
        assert not unchecked_words(row.segment_name), (shape, row.segment_name)
        broken += broken_claims(row.segment_name, _floats(row), population)
    assert not broken, f"{shape}: " + "\n".join(broken)


def test_scaling_is_fitted_on_enough_rows_and_flags_features_without_spread(shape_build):
    """feature_scaling_params: the training snapshots when they hold at least var
    feature_scaling_min_training_rows (200) rows, else the current profiles; has_spread recomputed
    here from the rows fitted on."""
    shape, _, warehouse, _ = shape_build
    con = duckdb.connect(str(warehouse), read_only=True)
    params = con.execute("select * from ml.feature_scaling_params").df().set_index("feature_name")
    training = con.execute(
        """
        select s.* from marts.fct_customer_feature_snapshots s
        join marts.fct_customer_labels l using (customer_id, as_of_date)
        where l.is_purchase_window_complete
        """
    ).df()
    fitted_on = "training_snapshots" if len(training) >= 200 else "current_profiles"
    rows = (
        training if fitted_on == "training_snapshots" else con.execute("select * from marts.dim_customer_features").df()
    )
    assert set(params.fitted_on) == {fitted_on}, (shape, len(training), set(params.fitted_on))
    assert set(params.training_row_count) == {len(training)} and set(params.fitted_on_rows) == {len(rows)}
    values = rows[list(params.index)].astype("float64")
    std = values.std(ddof=0)
    assert params.std_value.to_numpy() == pytest.approx(std.to_numpy(), rel=1e-6, abs=1e-9, nan_ok=True), shape
    spread = (std > 1e-9 * (1 + values.mean().abs())).fillna(False)
    assert (params.has_spread == spread.loc[params.index]).all(), (
        shape,
        params.has_spread[params.has_spread != spread],
    )
