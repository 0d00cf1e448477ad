"""Feature selection maths on hand-checked examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_selection import mutual_info_classif

from customer_journey.ml.features import (
    SelectionConfig,
    correlation_clusters,
    discretise,
    entropy_bits,
    exclusion_reason,
    information_gain,
    permutation_baseline,
    rank_features,
    shuffled_labels,
)


def test_entropy_of_a_fair_coin_is_one_bit():
    assert entropy_bits(np.array([0, 1, 0, 1])) == pytest.approx(1.0)
    assert entropy_bits(np.array([1, 1, 1])) == pytest.approx(0.0)


def test_information_gain_hand_computed():
    y = np.array([1, 1, 0, 0])
    # a perfect split removes the whole bit
    assert information_gain(pd.Series(["a", "a", "b", "b"]), y) == pytest.approx(1.0)
    # an independent one removes nothing
    assert information_gain(pd.Series(["a", "b", "a", "b"]), y) == pytest.approx(0.0)
    # x = [a, a, a, b], y = [1, 1, 0, 0]: H(y) = 1; H(y|a) = H(2/3, 1/3) = 0.9183, weight 3/4; H(y|b) = 0
    expected = 1 - 0.75 * (-(2 / 3) * math.log2(2 / 3) - (1 / 3) * math.log2(1 / 3))
    assert information_gain(pd.Series(["a", "a", "a", "b"]), y) == pytest.approx(expected)


def test_missing_values_are_their_own_bin():
    codes = discretise(pd.Series([1.0, np.nan, 3.0, np.nan]), bins=2)
    assert codes[1] == codes[3] == -1 and codes[0] != -1


def test_mutual_information_of_a_copy_of_a_binary_label_is_ln2():
    y = np.array([0, 1] * 200)
    frame = pd.DataFrame(
        {"copy": pd.Series(y.astype(str)), "noise": pd.Series(np.random.default_rng(0).integers(0, 2, 400).astype(str))}
    )
    ranked = rank_features(frame, y, SelectionConfig(top_k=1, min_mutual_information=0.0))
    mi = ranked.set_index("feature_name").mutual_information
    assert mi["copy"] == pytest.approx(math.log(2), rel=1e-6)
    assert mi["noise"] < 0.01
    assert ranked.iloc[0].feature_name == "copy" and ranked.iloc[0].is_selected
    assert not ranked.set_index("feature_name").is_selected["noise"]  # top_k = 1


def test_redundant_features_share_a_cluster_and_only_the_best_is_selected():
    rng = np.random.default_rng(1)
    signal = rng.normal(size=2000)
    y = (signal + rng.normal(scale=0.5, size=2000) > 0).astype(int)
    frame = pd.DataFrame({"signal": signal, "signal_times_two": signal * 2 + 1e-9, "noise": rng.normal(size=2000)})
    ranked = rank_features(frame, y, SelectionConfig(top_k=5, min_mutual_information=0.01)).set_index("feature_name")
    assert ranked.loc["signal", "correlation_cluster"] == ranked.loc["signal_times_two", "correlation_cluster"]
    assert ranked.is_selected.sum() == 1
    assert not ranked.loc["noise", "is_selected"]


def test_clusters_are_named_after_the_best_ranked_member():
    frame = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 8], "c": [4.0, 1, 3, 2]})
    assert correlation_clusters(frame, ["b", "a", "c"]) == {"a": "b", "b": "b", "c": "c"}


def test_one_class_labels_are_refused():
    with pytest.raises(ValueError, match="both label classes"):
        rank_features(pd.DataFrame({"x": [1.0, 2.0]}), np.array([1, 1]))


def test_too_few_labels_lists_features_unscored():
    from customer_journey.ml.features import feature_importance_table, labelled_rows

    snapshots = pd.DataFrame({"customer_id": ["a", "b"], "as_of_date": ["d", "d"], "x": [1.0, 2.0]})
    labels = pd.DataFrame(
        {"customer_id": ["a", "b"], "as_of_date": ["d", "d"], "is_churned": [None, None], "will_purchase": [True, True]}
    )
    table = feature_importance_table(labelled_rows(snapshots, labels))
    assert table.target.tolist() == ["insufficient_labels"]
    assert not table.is_selected.any()


def test_falls_back_to_the_purchase_label_without_churn_labels():
    from customer_journey.ml.features import feature_importance_table, labelled_rows

    rng = np.random.default_rng(0)
    n = 400
    x = rng.normal(size=n)
    snapshots = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "as_of_date": "d", "x": x})
    labels = snapshots[["customer_id", "as_of_date"]].assign(is_churned=None, will_purchase=x > 0)
    table = feature_importance_table(labelled_rows(snapshots, labels), SelectionConfig(min_mutual_information=0.0))
    assert table.target.tolist() == ["will_purchase"] and table.is_selected.all()


def test_large_inputs_are_scored_on_a_seeded_sample():
    rng = np.random.default_rng(0)
    n = 6000
    frame = pd.DataFrame({"signal": rng.normal(size=n), "noise": rng.normal(size=n)})
    y = (frame.signal + rng.normal(scale=0.5, size=n) > 0).astype(int).to_numpy()
    small = SelectionConfig(max_rows=2000)
    a = rank_features(frame, y, small)
    b = rank_features(frame, y, small)
    assert a.equals(b)
    assert a.iloc[0].feature_name == "signal"


def test_training_fingerprint_ignores_bookkeeping_and_sees_data():
    from customer_journey.ml.features import labelled_rows, training_fingerprint

    def fingerprint(snapshots, labels):
        return training_fingerprint(labelled_rows(snapshots, labels))

    snapshots = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "as_of_date": pd.to_datetime(["2025-07-01"] * 3),
            "recency_days": [1.0, 5.0, 9.0],
            "dbt_loaded_at": pd.to_datetime(["2026-01-01"] * 3),
        }
    )
    labels = pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "as_of_date": snapshots.as_of_date, "is_churned": [False, True, None]}
    )
    base = fingerprint(snapshots, labels)
    assert base.startswith("2-")  # the unlabelled row does not count
    reloaded = snapshots.assign(dbt_loaded_at=pd.Timestamp("2026-02-01"))
    assert fingerprint(reloaded, labels) == base
    changed = snapshots.assign(recency_days=[1.0, 6.0, 9.0])
    assert fingerprint(changed, labels) != base
    relabelled = labels.assign(is_churned=[True, True, None])
    assert fingerprint(snapshots, relabelled) != base
    shuffled = snapshots.iloc[[2, 0, 1]].reset_index(drop=True)
    assert fingerprint(shuffled, labels) == base  # a sum of row hashes: order does not matter
    swapped = snapshots.assign(recency_days=[5.0, 1.0, 9.0])  # same values, other rows
    assert fingerprint(swapped, labels) != base


def test_scores_equal_scoring_every_sorted_labelled_row_when_sampled():
    """The model samples positions of the key-sorted labelled rows before copying them; that
    must give exactly what scoring the whole sorted frame (and sampling inside) gives."""
    from customer_journey.ml.features import feature_importance_table, labelled_rows

    rng = np.random.default_rng(3)
    n = 3000
    snapshots = pd.DataFrame(
        {
            "customer_id": [f"c{i:05d}" for i in rng.permutation(n)],
            "as_of_date": pd.to_datetime("2025-07-01"),
            "signal": rng.normal(size=n),
            "count_feature": rng.integers(0, 9, size=n),
            "noise": rng.normal(size=n),
        }
    )
    labels = snapshots[["customer_id", "as_of_date"]].assign(
        is_churned=np.where(rng.random(n) < 0.2, None, snapshots.signal > 0),
        will_purchase=snapshots.noise > 0,
    )
    config = SelectionConfig(max_rows=500, min_mutual_information=0.0)
    table = feature_importance_table(labelled_rows(snapshots, labels), config)

    rows = labelled_rows(snapshots, labels).sort_values(["customer_id", "as_of_date"]).reset_index(drop=True)
    churn = rows[rows.is_churned.notna()]
    features = churn[["signal", "count_feature", "noise"]].astype("float64").round(9)
    reference = rank_features(features, churn.is_churned.astype(bool).to_numpy(), config)
    assert table.target.unique().tolist() == ["is_churned"]
    assert table.training_rows.iloc[0] == len(churn)
    pd.testing.assert_frame_equal(
        table.drop(columns=["target", "training_rows", "positive_rate"]).reset_index(drop=True),
        reference[table.columns.drop(["target", "training_rows", "positive_rate"])].reset_index(drop=True),
    )
    assert table.iloc[0].feature_name == "signal"


def test_bookkeeping_columns_are_never_features(db):
    names = {r[0] for r in db.execute("select feature_name from ml.feature_importance").fetchall()}
    assert names and not names & {"dbt_loaded_at", "customer_id", "as_of_date"}


# --- exclusions and the permutation baseline ----------------------------------------------------


def _dead_and_alive(n: int = 2000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """A signal, and the four kinds of dead feature the orders-only and clickstream data had."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    y = (signal + rng.normal(scale=0.5, size=n) > 0).astype(int)
    present = np.arange(n) % 10 < 3  # exactly 30 % filled
    frame = pd.DataFrame(
        {
            "signal": signal,
            "constant_zero": 0.0,
            "all_null": np.nan,
            "dominant_zero": np.where(np.arange(n) % 200 == 0, rng.normal(size=n), 0.0),  # 0 in 99.5 %
            "mostly_null_signal": np.where(present, signal, np.nan),
        }
    )
    return frame, y


def test_dead_features_are_excluded_with_the_fact_and_number():
    frame, y = _dead_and_alive()
    ranked = rank_features(frame, y, SelectionConfig(min_mutual_information=0.0)).set_index("feature_name")
    reasons = ranked.exclusion_reason
    assert reasons["constant_zero"] == "constant: every training row is 0"
    assert reasons["all_null"] == "constant: every training row is null"
    assert reasons["dominant_zero"] == (
        "near-constant: 0 in 99.5% of rows (>= 99%, var feature_selection_max_dominant_share)"
    )
    assert reasons["mostly_null_signal"] == "mostly null: fill rate 0.3 < 0.5 (var feature_selection_min_fill_rate)"
    assert pd.isna(reasons["signal"]) and ranked.loc["signal", "is_selected"]
    dead = ["constant_zero", "all_null", "dominant_zero", "mostly_null_signal"]
    assert not ranked.loc[dead, "is_selected"].any()
    # listed unscored, after the scored feature
    assert (
        ranked.loc[dead, ["information_gain_bits", "mutual_information", "mi_permutation_baseline"]].isna().all().all()
    )
    assert ranked.loc[dead, "importance_rank"].min() > ranked.loc["signal", "importance_rank"]
    assert ranked.loc["mostly_null_signal", "fill_rate"] == pytest.approx(0.3)


def test_the_thresholds_are_the_config_values():
    frame, y = _dead_and_alive()
    lenient = SelectionConfig(min_mutual_information=0.0, min_fill_rate=0.2, max_dominant_share=0.999)
    ranked = rank_features(frame, y, lenient).set_index("feature_name")
    # the mostly-null column is informative where filled: only its fill rate excluded it
    assert pd.isna(ranked.loc["mostly_null_signal", "exclusion_reason"])
    assert ranked.loc["mostly_null_signal", "mutual_information"] > 0.1
    assert pd.isna(ranked.loc["dominant_zero", "exclusion_reason"])
    assert ranked.loc["constant_zero", "exclusion_reason"] == "constant: every training row is 0"


def test_one_value_with_nulls_is_constant_and_a_share_just_below_the_limit_is_kept():
    config = SelectionConfig()
    assert exclusion_reason(pd.Series([1.0, None, 1.0, 1.0]), config) == (
        "constant: every non-null training row is 1 (25% null)"
    )
    assert exclusion_reason(pd.Series(["f"] * 5), config) == "constant: every training row is 'f'"
    just_below = pd.Series([0.0] * 985 + [1.0] * 15)  # 98.5 %
    assert exclusion_reason(just_below, config) is None
    # shown with the digits that keep it honest: never '0.5 < 0.5'
    almost_half = pd.Series([1.0, 2.0] * 4999 + [None] * 10002)  # fill 0.4999
    assert exclusion_reason(almost_half, config).startswith("mostly null: fill rate 0.4999 < 0.5")


def _signal_and_noise(seed: int, n: int = 300) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    y = (signal + rng.normal(scale=0.5, size=n) > 0).astype(int)
    noise = {f"noise_{i}": rng.normal(size=n) for i in range(3)}
    return pd.DataFrame({"signal": signal, **noise, "noise_counts": rng.poisson(0.3, size=n)}), y


def test_noise_above_the_fixed_threshold_is_not_selected_below_its_permutation_baseline():
    frame, y = _signal_and_noise(seed=2)  # few rows: the k-NN estimate of pure noise is well above 0.001
    ranked = rank_features(frame, y, SelectionConfig()).set_index("feature_name")
    noise = ranked.loc["noise_0"]
    assert noise.mutual_information > 0.005  # the fixed threshold alone would select it
    assert noise.mutual_information <= noise.mi_permutation_baseline and not noise.is_selected
    assert noise.selection_note.startswith("not above the permutation baseline")
    assert ranked.loc["signal", "is_selected"]
    assert ranked.loc["signal", "mutual_information"] > 5 * ranked.loc["signal", "mi_permutation_baseline"]
    # without the baseline the fixed threshold lets it through
    without = rank_features(frame, y, SelectionConfig(permutation_repeats=0)).set_index("feature_name")
    assert without.loc["noise_0", "is_selected"]


def test_pure_noise_passes_the_baseline_about_once_in_repeats_plus_one():
    """Under no signal the observed score is one more draw of the shuffled ones: it beats all R in
    about 1 case of R + 1 (fewer with ties at 0), where the fixed threshold passed about half."""
    rng = np.random.default_rng(0)
    n, columns = 200, 60
    y = (rng.random(n) < 0.4).astype(int)
    noise = np.column_stack([rng.normal(size=(n, columns // 2)), rng.poisson(0.3, size=(n, columns // 2))])
    discrete = np.zeros(columns, dtype=bool)
    observed = mutual_info_classif(noise, y, discrete_features=discrete, random_state=0)
    assert np.mean(observed >= 0.001) > 0.4
    few = permutation_baseline(noise, discrete, y, observed, SelectionConfig(permutation_repeats=5))
    assert 0.05 < np.mean(observed > few) < 0.25
    default = permutation_baseline(noise, discrete, y, observed, SelectionConfig())  # 19 shuffles
    assert np.mean(observed > default) <= 0.1


def test_the_baseline_is_the_largest_score_of_the_estimator_on_seeded_shuffles():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(500, 1))
    y = (x[:, 0] + rng.normal(size=500) > 0).astype(int)
    config = SelectionConfig(permutation_repeats=8, random_state=3)
    observed = mutual_info_classif(x, y, discrete_features=np.array([False]), random_state=3)
    shuffles = np.random.default_rng(3)
    expected = max(
        mutual_info_classif(x, shuffles.permutation(y), discrete_features=np.array([False]), random_state=3)[0]
        for _ in range(8)
    )
    baseline = permutation_baseline(x, np.array([False]), y, observed, config)
    assert baseline[0] == pytest.approx(expected, rel=1e-12) and 0.01 < baseline[0] < observed[0]
    # a column the first shuffle already reaches is not scored further: its baseline is that score
    first = mutual_info_classif(
        x, np.random.default_rng(3).permutation(y), discrete_features=np.array([False]), random_state=3
    )
    stopped = permutation_baseline(x, np.array([False]), y, np.array([0.0]), config)
    assert stopped[0] == pytest.approx(first[0], rel=1e-12)


def test_labels_are_shuffled_customer_by_customer():
    rng = np.random.default_rng(0)
    sizes = rng.integers(1, 5, size=40)
    groups = np.repeat([f"c{i:02d}" for i in range(40)], sizes)
    labels = rng.integers(0, 2, size=len(groups))
    order = rng.permutation(len(groups))  # the rows of a customer need not be adjacent
    groups, labels = groups[order], labels[order]
    shuffled = shuffled_labels(labels, np.random.default_rng(1), groups)
    assert np.array_equal(shuffled, shuffled_labels(labels, np.random.default_rng(1), groups))
    assert sorted(shuffled) == sorted(labels) and not np.array_equal(shuffled, labels)

    def sequences(values):
        return {g: tuple(values[groups == g]) for g in np.unique(groups)}

    before, after = sequences(labels), sequences(shuffled)
    for customer, sequence in after.items():  # a whole label sequence of a customer with as many rows
        assert sequence in {s for c, s in before.items() if len(s) == len(before[customer])}
    # one row per customer: an ordinary shuffle
    single = np.arange(10) % 2
    assert np.array_equal(
        shuffled_labels(single, np.random.default_rng(2), np.arange(10)), np.random.default_rng(2).permutation(single)
    )


def test_a_trait_repeated_on_every_snapshot_is_judged_against_customer_shuffles():
    """Eight snapshots of 100 customers: a pure-noise trait (constant per customer) agrees with the
    customer's labels by chance as 100 customers do, not as 800 independent rows would; row
    shuffles selected it (as gender on the orders-only history), customer shuffles do not."""
    rng = np.random.default_rng(0)
    customers, snapshots = 100, 8
    trait = rng.choice(list("abcdefgh"), size=customers)
    churner = rng.random(customers) < 0.5
    customer = np.repeat(np.arange(customers), snapshots)
    y = np.where(rng.random(customers * snapshots) < 0.05, ~churner[customer], churner[customer]).astype(int)
    frame = pd.DataFrame(
        {"signal": churner[customer] + rng.normal(scale=0.8, size=customers * snapshots), "trait": trait[customer]}
    )
    by_row = rank_features(frame, y, SelectionConfig()).set_index("feature_name")
    by_customer = rank_features(frame, y, SelectionConfig(), groups=customer).set_index("feature_name")
    assert by_row.loc["trait", "is_selected"]
    assert not by_customer.loc["trait", "is_selected"]
    assert by_customer.loc["trait", "mi_permutation_baseline"] > 3 * by_row.loc["trait", "mi_permutation_baseline"]
    assert by_customer.loc["signal", "is_selected"]
    # the model's table: the snapshot rows of each customer_id are shuffled together
    from customer_journey.ml.features import feature_importance_table

    rows = frame.assign(
        customer_id=[f"c{c:03d}" for c in customer],
        as_of_date=pd.Timestamp("2025-01-01") + pd.to_timedelta(np.tile(np.arange(snapshots) * 14, customers), "D"),
        is_churned=y.astype(bool),
        will_purchase=None,
    )
    table = feature_importance_table(rows).set_index("feature_name")
    assert table.loc["signal", "is_selected"] and not table.loc["trait", "is_selected"]


def test_selection_notes_say_why_a_scored_feature_is_not_selected():
    rng = np.random.default_rng(1)
    n = 2000
    a, b = rng.normal(size=n), rng.normal(size=n)
    y = (a + 0.7 * b + rng.normal(scale=0.5, size=n) > 0).astype(int)
    frame = pd.DataFrame({"a": a, "a_copy": a * 3 + 1, "b": b})
    ranked = rank_features(frame, y, SelectionConfig(top_k=1)).set_index("feature_name")
    assert (
        ranked.is_selected.tolist().count(True) == 1
        and ranked.loc["a", "is_selected"] != ranked.loc["a_copy", "is_selected"]
    )
    head = ranked.index[ranked.is_selected][0]
    other = "a_copy" if head == "a" else "a"
    assert ranked.loc[other, "selection_note"] == f"redundant with {head} (|Spearman| >= 0.8)"
    assert ranked.loc["b", "selection_note"] == "beyond var feature_selection_top_k (1)"
    assert pd.isna(ranked.loc[head, "selection_note"])


def _labelled(n: int = 1500, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:05d}" for i in rng.permutation(n)],
            "as_of_date": pd.to_datetime("2025-07-01"),
            "signal": signal,
            "revenue_90d": 0.0,
            "noise": rng.normal(size=n),
            "is_churned": signal + rng.normal(scale=0.5, size=n) > 0,
            "will_purchase": None,
        }
    )


def test_the_table_is_deterministic_whatever_the_row_order():
    from customer_journey.ml.features import feature_importance_table

    rows = _labelled()
    first = feature_importance_table(rows)
    again = feature_importance_table(rows.sample(frac=1, random_state=9).reset_index(drop=True))
    pd.testing.assert_frame_equal(first, again)
    table = first.set_index("feature_name")
    assert table.loc["revenue_90d", "exclusion_reason"] == "constant: every training row is 0"
    assert table.loc["signal", "is_selected"] and not table.loc["noise", "is_selected"]


def test_insufficient_labels_still_checks_the_rows_it_has():
    from customer_journey.ml.features import feature_importance_table

    rows = _labelled(n=40).assign(is_churned=False)  # one class only
    table = feature_importance_table(rows).set_index("feature_name")
    assert (table.target == "insufficient_labels").all() and not table.is_selected.any()
    assert table.loc["revenue_90d", "exclusion_reason"] == "constant: every training row is 0"
    assert pd.isna(table.loc["signal", "exclusion_reason"])
    assert table.loc["signal", "selection_note"] == (
        "not scored: no label has both classes (is_churned 40 labelled, 0 true; will_purchase 0 labelled, 0 true)"
    )
    empty = feature_importance_table(rows.iloc[:0]).set_index("feature_name")
    assert (empty.exclusion_reason == "insufficient labels: no labelled rows to check").all()


def test_stored_importance_is_scored_again_when_the_selection_settings_change():
    from customer_journey.ml.features import feature_importance

    rows = _labelled()
    first, _ = feature_importance(rows, SelectionConfig())
    kept, reused = feature_importance(rows, SelectionConfig(), stored=first)
    assert reused and kept is first
    again, reused = feature_importance(rows, SelectionConfig(max_dominant_share=0.95), stored=first)
    assert not reused and "settings changed" in reused.reason
    assert set(again.selection_settings) == {SelectionConfig(max_dominant_share=0.95).settings()}
    # a table scored by an older version of the method is scored again too
    from customer_journey.ml.features import SELECTION_METHOD

    older = first.assign(selection_settings=first.selection_settings.str.replace(SELECTION_METHOD, "older-method"))
    _, reused = feature_importance(rows, SelectionConfig(), stored=older)
    assert not reused and "settings changed" in reused.reason
