"""What the dbt Python models of features and segmentation return, on small frames without dbt:
customer_journey.ml.features.feature_importance and labelled_snapshots, and
customer_journey.ml.segmentation.choose_k, assign_segments and segmentation_run."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from customer_journey.ml.features import (
    SelectionConfig,
    feature_importance,
    labelled_snapshots,
    latest_snapshot,
    training_fingerprint,
)
from customer_journey.ml.segmentation import (
    PROFILE_COLUMNS,
    KSelectionSettings,
    assign_segments,
    choose_k,
    chosen_k,
    segmentation_run,
)
from customer_journey.ml.warehouse_io import relation_fingerprint, to_pandas

# --- feature importance --------------------------------------------------------------------------


def _rows(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:04d}" for i in range(n)],
            "as_of_date": pd.to_datetime(np.where(np.arange(n) % 2, "2025-08-01", "2025-09-01")),
            "signal": signal,
            "noise": rng.normal(size=n),
            "is_churned": signal > 0,
            "will_purchase": None,
        }
    )


def test_feature_importance_scores_and_fingerprints_new_rows():
    rows = _rows()
    table, reused = feature_importance(rows, SelectionConfig(min_mutual_information=0.0))
    assert not reused and reused.reason == "no stored feature_importance yet"
    assert table.iloc[0].feature_name == "signal"
    assert set(table.training_fingerprint) == {training_fingerprint(rows)}


def test_feature_importance_returns_the_stored_table_for_the_same_rows():
    rows = _rows()
    first, _ = feature_importance(rows, SelectionConfig())
    stored = first.assign(importance_rank=first.importance_rank[::-1].to_numpy())  # marks the stored copy
    again, reused = feature_importance(rows.sample(frac=1, random_state=1), SelectionConfig(), stored=stored)
    assert reused and again is stored


def test_feature_importance_recomputes_when_the_rows_changed():
    first, _ = feature_importance(_rows(seed=0), SelectionConfig())
    again, reused = feature_importance(_rows(seed=1), SelectionConfig(), stored=first)
    assert not reused and "changed" in reused.reason
    assert set(again.training_fingerprint) != set(first.training_fingerprint)


def test_the_warehouse_fingerprint_decides_before_any_row_is_read():
    con = duckdb.connect()
    rows = _rows().assign(dbt_loaded_at=pd.Timestamp("2025-09-02"))
    con.register("rows_frame", rows)
    con.execute("create table labelled as select * from rows_frame")
    relation = con.table("labelled")
    fingerprint = relation_fingerprint(relation, exclude=("dbt_loaded_at",))
    # row order and bookkeeping do not count; a changed value, a dropped row do
    assert fingerprint == relation_fingerprint(
        con.sql("select * exclude (dbt_loaded_at), now() as dbt_loaded_at from labelled order by random()"),
        exclude=("dbt_loaded_at",),
    )
    con.execute("update labelled set noise = noise + 1e-6 where customer_id = 'c0007'")
    changed = relation_fingerprint(con.table("labelled"), exclude=("dbt_loaded_at",))
    assert changed != fingerprint and changed.split("-")[1] == "400"
    assert relation_fingerprint(con.sql("select * from labelled limit 399")).split("-")[1] == "399"

    reads = []

    def read_rows() -> pd.DataFrame:
        reads.append(1)
        return to_pandas(con.table("labelled")).drop(columns="dbt_loaded_at")

    first, reused = feature_importance(read_rows, SelectionConfig(), fingerprint=changed)
    assert not reused and reads == [1] and set(first.training_fingerprint) == {changed}
    again, reused = feature_importance(read_rows, SelectionConfig(), stored=first, fingerprint=changed)
    assert reused and again is first and reads == [1]  # kept: no row read
    _, reused = feature_importance(read_rows, SelectionConfig(), stored=first, fingerprint=fingerprint)
    assert not reused and reads == [1, 1]


def test_latest_snapshot_keeps_the_latest_date_only():
    latest = latest_snapshot(_rows())
    assert len(latest) == 200 and set(latest.as_of_date) == {pd.Timestamp("2025-09-01")}


def test_labelled_snapshots_join_in_the_warehouse_only_labelled_rows():
    con = duckdb.connect()
    con.execute(
        "create table snapshots as select * from (values ('a', date '2025-09-01', 1.0), ('b', date '2025-09-01', 2.0),"
        " ('c', date '2025-09-01', 3.0)) t(customer_id, as_of_date, x)"
    )
    con.execute(
        "create table labels as select * from (values ('a', date '2025-09-01', true, null),"
        " ('b', date '2025-09-01', null, null), ('c', date '2025-09-01', null, false))"
        " t(customer_id, as_of_date, is_churned, will_purchase)"
    )
    rows = to_pandas(labelled_snapshots(con.table("snapshots"), con.table("labels"))).sort_values("customer_id")
    assert rows.customer_id.tolist() == ["a", "c"]
    assert list(rows.columns) == ["customer_id", "as_of_date", "x", "is_churned", "will_purchase"]


# --- segmentation --------------------------------------------------------------------------------

FEATURES = ["f0", "f1"]


@pytest.fixture(scope="module")
def customers():
    X, truth = make_blobs(n_samples=600, centers=3, cluster_std=0.5, random_state=4)
    ids = [f"C{i:07d}" for i in range(len(X))]
    scaled = pd.DataFrame({"customer_id": ids, "as_of_date": date(2025, 9, 1), "f0": X[:, 0], "f1": X[:, 1]})
    rng = np.random.default_rng(0)
    profiles = pd.DataFrame({"customer_id": ids, **{c: rng.gamma(2.0, 3.0, size=len(X)) for c in PROFILE_COLUMNS}})
    # shuffled: the functions must not depend on the order rows arrive in
    return scaled.sample(frac=1, random_state=2).reset_index(drop=True), profiles, truth


def _settings(forced_k: int | None = 0) -> KSelectionSettings:
    return KSelectionSettings(FEATURES, 2, 6, forced_k, 42, 5000, 200_000)


def test_choose_k_finds_the_blobs_and_records_what_it_was_chosen_on(customers):
    scaled, _, _ = customers
    table, reselected = choose_k(scaled, _settings(), date(2025, 9, 1))
    assert reselected and chosen_k(table) == 3
    assert table.k.tolist() == [2, 3, 4, 5, 6]
    assert set(table.customer_count) == {600} and set(table.data_as_of_date) == {date(2025, 9, 1)}
    assert set(table.settings) == {"[['f0', 'f1'], 2, 6, 0, 42]"}


def test_choose_k_keeps_a_recent_choice_and_honours_a_forced_k(customers):
    scaled, _, _ = customers
    table, _ = choose_k(scaled, _settings(), date(2025, 9, 1))
    kept, reselected = choose_k(scaled, _settings(), date(2025, 9, 8), stored=table, reselect_after_days=28)
    assert not reselected and kept is table
    forced, reselected = choose_k(scaled, _settings(forced_k=5), date(2025, 9, 8), stored=table, reselect_after_days=28)
    assert reselected and "settings" in reselected.reason and chosen_k(forced) == 5


def test_chosen_k_names_the_table_when_nothing_is_chosen():
    with pytest.raises(ValueError, match="segmentation_k_selection: no row has is_chosen"):
        chosen_k(pd.DataFrame({"k": [2, 3], "is_chosen": [False, False]}))


def test_assign_segments_recovers_the_blobs_with_names_and_distances(customers):
    scaled, profiles, truth = customers
    result = assign_segments(scaled, profiles, FEATURES, 3)
    table = result.table
    assert table.customer_id.is_monotonic_increasing and len(table) == 600
    by_customer = table.set_index("customer_id").segment_id
    ids = [f"C{i:07d}" for i in range(600)]
    assert pd.crosstab(by_customer.loc[ids].to_numpy(), truth).gt(0).sum(axis=1).eq(1).all()  # pure clusters
    assert table.segment_name.nunique() == 3 and (table.segment_count == 3).all()
    assert (table.distance_to_centroid <= table.distance_to_second_nearest).all()
    assert table.previous_segment_id.isna().all()
    assert sorted(result.profile.segment_name) == sorted(table.segment_name.unique())
    assert list(result.profile.columns) == ["segment_name", *PROFILE_COLUMNS]


def test_assign_segments_keeps_ids_of_the_previous_build(customers):
    scaled, profiles, _ = customers
    first = assign_segments(scaled, profiles, FEATURES, 3).table
    # the previous build had other ids for the same clusters, and did not know one customer
    relabel = {0: 7, 1: 4, 2: 9}
    previous = first.assign(segment_id=first.segment_id.map(relabel)).iloc[1:]
    second = assign_segments(scaled, profiles, FEATURES, 3, previous=previous).table
    assert (second.segment_id.iloc[1:].to_numpy() == previous.segment_id.to_numpy()).all()
    assert pd.isna(second.previous_segment_id.iloc[0])
    assert (second.previous_segment_id.iloc[1:] == second.segment_id.iloc[1:]).all()


def test_segmentation_run_counts_moves_and_agreement(customers):
    scaled, profiles, _ = customers
    selection, _ = choose_k(scaled, _settings(), date(2025, 9, 1))
    first = assign_segments(scaled, profiles, FEATURES, 3).table
    run = segmentation_run(first, scaled, selection, FEATURES, run_at=pd.Timestamp("2025-09-01 06:00"))
    row = run.iloc[0]
    assert (row.k, row.algorithm, row.customer_count) == (3, "KMeans", 600)
    assert row.customers_compared_with_previous == 0 and np.isnan(row.adjusted_rand_vs_previous)
    assert row.adjusted_rand_vs_hierarchical > 0.95  # well-separated blobs: Ward agrees
    moved = first.assign(previous_segment_id=first.segment_id.where(first.index >= 10, (first.segment_id + 1) % 3))
    row = segmentation_run(moved, scaled, selection, FEATURES).iloc[0]
    assert row.customers_compared_with_previous == 600 and row.customers_moved_segment == 10
    assert 0.9 < row.adjusted_rand_vs_previous < 1.0
