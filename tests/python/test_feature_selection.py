"""Feature selection maths on hand-checked examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from customer_journey.ml.features import (
    SelectionConfig,
    correlation_clusters,
    discretise,
    entropy_bits,
    information_gain,
    rank_features,
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
