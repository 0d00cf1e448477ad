"""Channel attribution: the data-driven models (Markov removal effects, Shapley values) on paths
with a known truth and on hand-checked examples, and the warehouse's attribution tables against
independent pandas computations on the end-to-end build (no extra dbt build)."""

from __future__ import annotations

import itertools
from math import factorial

import numpy as np
import pandas as pd
import pytest

from customer_journey.ml.attribution import (
    NO_TOUCH,
    OTHER,
    attribution_plot,
    data_driven_attribution,
    markov_credits,
    read_paths,
    shapley_credits,
    shapley_values,
)

COLUMNS = ["channel_path", "conversion_count", "non_conversion_count", "revenue_amount"]


def _paths(rows: list[tuple[str, int, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def _collapse(channels: list[str]) -> str:
    return " > ".join(c for i, c in enumerate(channels) if i == 0 or channels[i - 1] != c)


def simulate_known_effect(n: int = 40_000, seed: int = 3) -> pd.DataFrame:
    """Journeys from a known process, aggregated to path counts like int_channel_paths_counted.

    A journey enters through awareness channel A (30 %) or D. After A, 80 % go on to C
    (consideration); after D, 15 %. Who reaches C converts with probability 0.4; nobody else does.
    Half of those who reach C come back through B (a last-click channel: brand search by the
    already decided) before the outcome, converting or not, independently of it: B has no effect
    (without it the same journeys convert), yet it is the last touch of half the conversions,
    while A is never last in a conversion. The truth: without A about 0.7 x 0.15 x 0.4 = 4 % of
    journeys would convert instead of 0.3 x 0.8 x 0.4 + 4 % = 14 % (A causes 70 % of the
    conversions); without B, as many as with it.
    """
    rng = np.random.default_rng(seed)
    has_a = rng.random(n) < 0.3
    reaches_c = rng.random(n) < np.where(has_a, 0.8, 0.15)
    converted = reaches_c & (rng.random(n) < 0.4)
    has_b = reaches_c & (rng.random(n) < 0.5)
    revenue = np.where(converted, rng.uniform(50, 150, n), 0.0)
    paths = [
        " > ".join(["A" if a else "D", *(["C"] if c else []), *(["B"] if b else [])])
        for a, c, b in zip(has_a, reaches_c, has_b, strict=True)
    ]
    frame = pd.DataFrame(
        {
            "channel_path": paths,
            "conversion_count": converted.astype(int),
            "non_conversion_count": (~converted).astype(int),
            "revenue_amount": revenue,
        }
    )
    return frame.groupby("channel_path", as_index=False).sum()


def _last_touch(frame: pd.DataFrame) -> pd.Series:
    last = frame.channel_path.str.split(" > ").str[-1]
    return frame.conversion_count.groupby(last).sum()


def test_known_effect_markov_and_shapley_find_the_channel_that_works_where_last_touch_does_not():
    frame = simulate_known_effect()
    table = data_driven_attribution(frame, max_channels=16)
    credit = table.pivot(index="channel", columns="attribution_model", values="credited_conversions")
    last = _last_touch(frame).reindex(credit.index, fill_value=0)
    print("\nconversions credited on the simulated paths:")
    print(pd.concat([credit, last.rename("last_touch")], axis=1).round(1).to_string())
    # the truth: A causes about 70 % of the conversions, B none; last touch credits B with half
    assert last["A"] == 0 and last["B"] > 0.45 * frame.conversion_count.sum()
    assert credit.loc["A", "markov"] > 1.2 * credit.loc["B", "markov"]
    assert credit.loc["A", "shapley"] > 1.2 * credit.loc["B", "shapley"]


def test_every_model_credits_add_up_to_the_conversions_and_revenue():
    frame = pd.concat([simulate_known_effect(5_000), _paths([(NO_TOUCH, 7, 0, 700.0)])], ignore_index=True)
    table = data_driven_attribution(frame, max_channels=3)
    for model in ("markov", "shapley"):
        rows = table[table.attribution_model == model]
        assert rows.credited_conversions.sum() == pytest.approx(frame.conversion_count.sum(), rel=1e-12)
        assert rows.credited_revenue_amount.sum() == pytest.approx(frame.revenue_amount.sum(), rel=1e-12)
        none = rows[rows.channel == NO_TOUCH].iloc[0]
        assert (none.credited_conversions, none.credited_revenue_amount, none.orders_touched) == (7, 700.0, 7)
    # four channels over a cap of three: the two with the fewest conversions (B, D) are merged
    shapley = table[table.attribution_model == "shapley"]
    assert set(shapley.channel) == {"A", "C", OTHER, NO_TOUCH}
    other = shapley[shapley.channel == OTHER].iloc[0]
    assert other.orders_touched == frame[frame.channel_path.str.contains("B|D")].conversion_count.sum()


def test_markov_removal_effects_on_a_hand_checked_chain():
    """start -> A (2/3), B (1/3); A -> B (1/2), null (1/2); B -> conversion. P(conversion) = 2/3;
    without A 1/3 (removal effect 1/2), without B 0 (1): A gets 2 x 0.5 / 1.5 of the 2 orders."""
    data = read_paths(_paths([("A > B", 1, 0, 30.0), ("A", 0, 1, 0.0), ("B", 1, 0, 90.0)]))
    table = markov_credits(data).set_index("channel")
    assert table.removal_effect.to_dict() == pytest.approx({"A": 0.5, "B": 1.0})
    assert table.credited_conversions.to_dict() == pytest.approx({"A": 2 / 3, "B": 4 / 3})
    # both conversions come from B, worth 60 on average: revenue splits like the conversions
    assert table.credited_revenue_amount.to_dict() == pytest.approx({"A": 40.0, "B": 80.0})
    assert table.orders_touched.to_dict() == {"A": 1, "B": 2}


def test_markov_revenue_weights_the_conversions_by_their_value():
    """A converts alone (revenue 10) and via B (revenue 1000): B's removal costs 1/2 of the
    conversions but 1000/1010 of the expected revenue."""
    data = read_paths(_paths([("A", 1, 0, 10.0), ("A > B", 1, 0, 1000.0)]))
    table = markov_credits(data).set_index("channel")
    assert table.removal_effect.to_dict() == pytest.approx({"A": 1.0, "B": 0.5})
    assert table.revenue_removal_effect.to_dict() == pytest.approx({"A": 1.0, "B": 1000 / 1010})
    assert table.credited_revenue_amount.sum() == pytest.approx(1010.0)
    assert table.credited_revenue_amount["B"] == pytest.approx(1010 * (1000 / 1010) / (1 + 1000 / 1010))


def test_markov_handles_loops_and_the_removal_is_a_dead_end():
    """A > B > A: the chain revisits A; removing B leaves start -> A -> (B dead) as in the counts."""
    data = read_paths(_paths([("A > B > A", 2, 0, 20.0), ("A", 1, 3, 5.0), ("B", 0, 2, 0.0)]))
    table = markov_credits(data).set_index("channel")
    # transitions: start->A 6, start->B 2; A->B 2, A->conv 3, A->null 3; B->A 2, B->null 2
    # P(conv) solves x_A = 2/8 x_B + 3/8, x_B = 1/2 x_A: x_A = 3/7, x_B = 3/14; start: 6/8 x_A + 2/8 x_B
    base = 6 / 8 * 3 / 7 + 2 / 8 * 3 / 14
    without_b = 6 / 8 * 3 / 8
    assert table.removal_effect["A"] == pytest.approx(1.0)
    assert table.removal_effect["B"] == pytest.approx(1 - without_b / base)
    assert table.credited_conversions.sum() == pytest.approx(3.0)


def _shapley_by_permutations(frame: pd.DataFrame) -> tuple[dict[str, float], dict[str, float]]:
    """The Shapley values of the conversion-rate and revenue-per-journey games, from their
    definition: v(S) recomputed in pandas for every coalition, marginal gains averaged over every
    order of the channels."""
    sets = frame.channel_path.str.split(" > ").map(frozenset)
    journeys = frame.conversion_count + frame.non_conversion_count
    channels = sorted(set().union(*sets))

    def worth(coalition: frozenset) -> tuple[float, float]:
        within = sets.map(lambda s: s <= coalition)
        n = journeys[within].sum()
        if n == 0:
            return 0.0, 0.0
        return frame.conversion_count[within].sum() / n, frame.revenue_amount[within].sum() / n

    cache = {}
    rate = dict.fromkeys(channels, 0.0)
    revenue = dict.fromkeys(channels, 0.0)
    orders = list(itertools.permutations(channels))
    for order in orders:
        coalition: frozenset = frozenset()
        for channel in order:
            bigger = coalition | {channel}
            before = cache.setdefault(coalition, worth(coalition))
            after = cache.setdefault(bigger, worth(bigger))
            rate[channel] += (after[0] - before[0]) / len(orders)
            revenue[channel] += (after[1] - before[1]) / len(orders)
            coalition = bigger
    return rate, revenue


def test_shapley_values_are_those_of_the_conversion_rate_game_by_permutations():
    """v(S) = conversion rate (revenue per journey) of the journeys whose channels lie within S; the
    credits are the values, negatives set to 0, normalised to the conversions (revenue)."""
    frame = simulate_known_effect(3_000, seed=11)
    table = shapley_credits(read_paths(frame), max_channels=16).set_index("channel")
    rate, revenue = _shapley_by_permutations(frame)
    assert table.shapley_value.to_dict() == pytest.approx(rate)
    assert sum(rate.values()) == pytest.approx(
        frame.conversion_count.sum() / (frame.conversion_count + frame.non_conversion_count).sum()
    )
    positive = {c: max(v, 0.0) for c, v in rate.items()}
    expected = {c: v / sum(positive.values()) * frame.conversion_count.sum() for c, v in positive.items()}
    assert table.credited_conversions.to_dict() == pytest.approx(expected)
    positive = {c: max(v, 0.0) for c, v in revenue.items()}
    expected = {c: v / sum(positive.values()) * frame.revenue_amount.sum() for c, v in positive.items()}
    assert table.credited_revenue_amount.to_dict() == pytest.approx(expected)


def test_shapley_on_a_hand_checked_pair():
    """A converts 1 of 2 journeys (revenue 10), B 1 of 4 (30), A > B 2 of 2 (60). Rates: v(A) = 1/2,
    v(B) = 1/4, v(AB) = 4/8: A gets (1/2 + 1/4) / 2 = 3/8, B (1/4 + 0) / 2 = 1/8, so 3 and 1 of the
    4 orders. Revenue per journey: 5, 7.5, 12.5: A (5 + 5) / 2 = 5, B (7.5 + 7.5) / 2 = 7.5 of 12.5."""
    data = read_paths(_paths([("A", 1, 1, 10.0), ("B", 1, 3, 30.0), ("A > B", 2, 0, 60.0)]))
    table = shapley_credits(data, max_channels=16).set_index("channel")
    assert table.shapley_value.to_dict() == pytest.approx({"A": 3 / 8, "B": 1 / 8})
    assert table.credited_conversions.to_dict() == pytest.approx({"A": 3.0, "B": 1.0})
    assert table.credited_revenue_amount.to_dict() == pytest.approx({"A": 40.0, "B": 60.0})
    # B joining A's journeys lowers their rate (1/2 to 1/3): its value is negative, its credit 0
    data = read_paths(_paths([("A", 1, 1, 10.0), ("B", 0, 2, 0.0), ("A > B", 1, 1, 10.0)]))
    table = shapley_credits(data, max_channels=16).set_index("channel")
    assert table.shapley_value.to_dict() == pytest.approx({"A": 5 / 12, "B": -1 / 12})
    assert table.credited_conversions.to_dict() == pytest.approx({"A": 2.0, "B": 0.0})


def test_a_channel_as_frequent_without_conversion_as_with_it_gets_no_shapley_credit():
    """N is on half the journeys, drawn independently of everything: it changes no conversion rate.
    A worth that counts conversions only (each order split over its channels) gives it a quarter of
    the orders; the conversion-rate worth about none. A (20 % conversion vs 5 % for D) gets most."""
    rng = np.random.default_rng(1)
    n = 40_000
    has_a = rng.random(n) < 0.4
    converted = rng.random(n) < np.where(has_a, 0.2, 0.05)
    has_n = rng.random(n) < 0.5
    frame = (
        pd.DataFrame(
            {
                "channel_path": [
                    " > ".join([*(["N"] if x else []), "A" if a else "D"]) for x, a in zip(has_n, has_a, strict=True)
                ],
                "conversion_count": converted.astype(int),
                "non_conversion_count": (~converted).astype(int),
                "revenue_amount": np.where(converted, 100.0, 0.0),
            }
        )
        .groupby("channel_path", as_index=False)
        .sum()
    )
    orders = frame.conversion_count.sum()
    table = data_driven_attribution(frame, max_channels=16)
    shapley = table[table.attribution_model == "shapley"].set_index("channel")
    print("\nShapley credits with a channel of no effect (N):", shapley.credited_conversions.round(1).to_dict())
    assert shapley.credited_conversions["N"] < 0.02 * orders
    assert shapley.credited_revenue_amount["N"] < 0.02 * frame.revenue_amount.sum()
    assert abs(shapley.shapley_value["N"]) < 0.005
    assert shapley.credited_conversions["A"] > 0.7 * orders
    # the conversions-only worth: every order split evenly over its distinct channels
    split = frame.conversion_count / frame.channel_path.str.count(" > ").add(1)
    counted_only = split[frame.channel_path.str.contains("N")].sum()
    assert counted_only > 0.2 * orders


def test_shapley_values_of_known_games():
    """Three-player majority game: 1/3 each; a game v(S) = sum of weights: each gets its weight;
    checked against the permutation definition on a random game."""
    majority = np.array([[1.0 if bin(m).count("1") >= 2 else 0.0] for m in range(8)])
    assert shapley_values(majority)[:, 0] == pytest.approx([1 / 3] * 3)
    weights = np.array([2.0, 5.0, 11.0, 1.0])
    additive = np.array([[sum(w for i, w in enumerate(weights) if m >> i & 1)] for m in range(16)])
    assert shapley_values(additive)[:, 0] == pytest.approx(weights)
    rng = np.random.default_rng(0)
    game = np.r_[0.0, rng.random(15)][:, None]
    by_permutation = np.zeros(4)
    for order in itertools.permutations(range(4)):
        mask = 0
        for player in order:
            by_permutation[player] += game[mask | 1 << player, 0] - game[mask, 0]
            mask |= 1 << player
    assert shapley_values(game)[:, 0] == pytest.approx(by_permutation / factorial(4))


def test_no_paths_and_untouched_orders_only():
    empty = data_driven_attribution(_paths([]), max_channels=16)
    assert empty.empty and list(empty.columns)[:2] == ["attribution_model", "channel"]
    untouched = data_driven_attribution(_paths([(NO_TOUCH, 3, 0, 45.0)]), max_channels=16)
    assert untouched[["attribution_model", "channel", "credited_conversions"]].values.tolist() == [
        ["markov", NO_TOUCH, 3.0],
        ["shapley", NO_TOUCH, 3.0],
    ]
    with pytest.raises(ValueError, match="max_channels"):
        data_driven_attribution(_paths([("A", 1, 0, 1.0)]), max_channels=1)
    with pytest.raises(ValueError, match="from 2 to 20"):
        data_driven_attribution(_paths([("A", 1, 0, 1.0)]), max_channels=21)


def test_the_chart_is_drawn(tmp_path, monkeypatch):
    monkeypatch.setenv("CJ_ASSETS_DIR", str(tmp_path))
    table = data_driven_attribution(simulate_known_effect(2_000), max_channels=16)
    rule_based = pd.DataFrame(
        {"attribution_model": ["last_touch", "last_touch"], "channel": ["A", "B"], "credited_conversions": [1.0, 9.0]}
    )
    path = attribution_plot(table, rule_based)
    assert path == tmp_path / "channel_attribution_data_driven.png" and path.stat().st_size > 5_000


def test_generated_spend_covers_every_running_campaign_every_day():
    from customer_journey.synth.config import SynthConfig
    from customer_journey.synth.spend import CAMPAIGNS, draw_spend

    cfg = SynthConfig(customers=1_000, days=60, seed=5)
    spend = draw_spend(cfg, 0, 60).to_pandas()
    flights = {campaign: flight for _, campaign, _, flight in CAMPAIGNS}
    days = spend.groupby("campaign").spend_date.nunique().to_dict()
    assert days == {c: 60 if f is None else f[1] - f[0] for c, f in flights.items()}
    assert (spend.spend_amount > 0).all() and set(spend.currency) == {"EUR"}
    assert not spend.duplicated(["spend_date", "channel", "campaign"]).any()
    # the same seed and window give the same rows; an appended window continues the days
    assert draw_spend(cfg, 0, 60).equals(draw_spend(cfg, 0, 60))
    later = draw_spend(cfg, 60, 62).to_pandas()
    assert sorted(later.spend_date.unique()) == ["2025-07-31", "2025-08-01"]
    # about the daily budget per customer: paid search 0.077 x 1,000 customers, weekends 20 % lower
    per_day = spend[spend.channel == "paid_search"].groupby("spend_date").spend_amount.sum()
    assert 60 < per_day.mean() < 80


# --- the end-to-end build --------------------------------------------------------------------


def _independent_paths(db) -> pd.DataFrame:
    """int_channel_paths_counted recomputed in pandas from the sessions and orders."""
    sessions = db.execute(
        "select session_id, person_id, customer_id, coalesce(channel, '(unknown)') as channel, session_started_at "
        "from intermediate.int_sessions"
    ).df()
    orders = db.execute(
        "select order_id, customer_id, order_amount, ordered_at, is_completed from intermediate.int_orders_cleaned"
    ).df()
    lookback = pd.Timedelta(days=30)
    completed = orders[orders.is_completed]
    touches = completed.merge(sessions.dropna(subset=["customer_id"]), on="customer_id")
    touches = touches[
        (touches.session_started_at <= touches.ordered_at)
        & (touches.session_started_at >= touches.ordered_at - lookback)
    ].sort_values(["order_id", "session_started_at", "session_id"])
    order_paths = touches.groupby("order_id").channel.agg(lambda c: _collapse(list(c)))
    converting = completed.assign(channel_path=completed.order_id.map(order_paths).fillna(NO_TOUCH))
    cutoff = orders.ordered_at.max() - lookback
    quiet = sessions[~sessions.session_id.isin(touches.session_id) & (sessions.session_started_at <= cutoff)].copy()
    first = quiet.groupby("person_id").session_started_at.transform("min")
    quiet["window"] = (quiet.session_started_at - first).dt.total_seconds() // lookback.total_seconds()
    quiet = quiet.sort_values(["person_id", "window", "session_started_at", "session_id"])
    null_paths = quiet.groupby(["person_id", "window"]).channel.agg(lambda c: _collapse(list(c)))
    return (
        pd.concat(
            [
                converting.assign(conversion_count=1, non_conversion_count=0, revenue_amount=converting.order_amount)[
                    COLUMNS
                ],
                pd.DataFrame({"channel_path": null_paths.values, "conversion_count": 0, "non_conversion_count": 1}),
            ]
        )
        .groupby("channel_path")
        .agg(
            conversion_count=("conversion_count", "sum"),
            non_conversion_count=("non_conversion_count", "sum"),
            revenue_amount=("revenue_amount", lambda r: r.fillna(0).sum()),
        )
        .sort_index()
    )


def test_channel_paths_equal_an_independent_computation(db):
    built = db.execute(f"select {', '.join(COLUMNS)} from intermediate.int_channel_paths_counted").df()
    built = built.set_index("channel_path").sort_index()
    expected = _independent_paths(db)
    assert built.index.tolist() == expected.index.tolist()
    assert built.conversion_count.tolist() == expected.conversion_count.tolist()
    assert built.non_conversion_count.tolist() == expected.non_conversion_count.tolist()
    assert np.allclose(built.revenue_amount, expected.revenue_amount)
    assert built.non_conversion_count.sum() > 1_000 and built.conversion_count.sum() > 1_000


def test_data_driven_model_is_the_package_on_the_paths(db):
    paths = db.execute(f"select {', '.join(COLUMNS)} from intermediate.int_channel_paths_counted").df()
    expected = data_driven_attribution(paths, max_channels=16)
    built = db.execute("select * from ml.channel_attribution_data_driven order by attribution_model, channel").df()
    pd.testing.assert_frame_equal(built[expected.columns], expected, check_dtype=False, atol=1e-9)


def test_every_model_splits_every_order_and_its_revenue(db):
    orders, revenue = db.execute(
        "select count(*), sum(order_amount) from intermediate.int_orders_cleaned where is_completed"
    ).fetchone()
    rows = db.execute(
        "select attribution_model, sum(credited_conversions), sum(credited_revenue_amount), bool_and(credited_conversions >= -1e-9) "
        "from ml.channel_attribution_by_model group by 1"
    ).fetchall()
    assert {r[0] for r in rows} == {"first_touch", "last_touch", "linear", "position_based", "markov", "shapley"}
    for model, conversions, credited, non_negative in rows:
        assert conversions == pytest.approx(orders), model
        assert credited == pytest.approx(revenue), model
        assert non_negative, model


def test_position_based_equals_an_independent_computation(db):
    touches = db.execute(
        "select order_id, channel, utm_source, order_amount, touch_number, touch_count "
        "from intermediate.int_attribution_touches"
    ).df()
    share = np.where(
        touches.touch_count == 1,
        1.0,
        np.where(
            touches.touch_count == 2,
            0.5,
            np.where(
                (touches.touch_number == 1) | (touches.touch_number == touches.touch_count),
                0.4,
                0.2 / (touches.touch_count - 2).clip(lower=1),
            ),
        ),
    )
    expected = touches.assign(credit=share).groupby(["channel", "utm_source"]).credit.sum()
    built = db.execute(
        "select channel, utm_source, credited_conversions from marts.rpt_channel_attribution "
        "where attribution_model = 'position_based' and channel <> '(none)'"
    ).df()
    built = built.set_index(["channel", "utm_source"]).credited_conversions
    pd.testing.assert_series_equal(built.sort_index(), expected.sort_index(), check_names=False, atol=1e-9)


def test_spend_gives_cost_per_acquisition_and_return_on_ad_spend(db, e2e_data):
    raw = pd.read_parquet(e2e_data / "marketing_spend").groupby("channel").spend_amount.sum()
    table = db.execute("select * from ml.channel_attribution_by_model").df()
    assert db.execute("select count(*) from intermediate.int_marketing_spend_cleaned").fetchone()[0] == len(
        pd.read_parquet(e2e_data / "marketing_spend")
    )
    # the generator's spend channels are session channels, in the orders' currency: every one has a ROAS
    sessions = set(db.execute("select distinct channel from intermediate.int_sessions").df().channel)
    assert set(raw.index) <= sessions
    for row in table.itertuples():
        if row.channel in raw.index:
            assert row.spend_amount == pytest.approx(raw[row.channel])
            assert row.return_on_ad_spend == pytest.approx(row.credited_revenue_amount / raw[row.channel])
            assert pd.isna(row.roas_note) and row.spend_currency == "EUR"
            if row.credited_conversions > 0:
                assert row.cost_per_acquisition == pytest.approx(raw[row.channel] / row.credited_conversions)
        else:
            assert pd.isna(row.spend_amount) and pd.isna(row.return_on_ad_spend) and pd.isna(row.cost_per_acquisition)
            assert row.roas_note == "no marketing spend for the channel"
    roas = table[table.attribution_model == "linear"].set_index("channel").return_on_ad_spend
    print("\nreturn on ad spend (linear):", roas.dropna().round(2).to_dict())
    assert 1 < roas["paid_search"] < 6 and roas["display"] < roas["email"]
