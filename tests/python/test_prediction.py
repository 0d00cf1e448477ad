"""Behaviour prediction: leakage guards, the promotion gate, scoring without retraining, and the
champion against the generator's oracle."""

from __future__ import annotations

import json
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from conftest import make_dataset, run_dbt
from customer_journey.ml.prediction import lift_table, out_of_time_split, train_target
from customer_journey.synth import personas as P


def _synthetic(n_per_date: int = 600, dates: int = 3, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    frames = []
    for d in range(dates):
        signal = rng.normal(size=n_per_date)
        noise = rng.normal(size=n_per_date)
        label = rng.random(n_per_date) < 1 / (1 + np.exp(-2.5 * signal))
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": [f"c{i}" for i in range(n_per_date)],
                    "as_of_date": pd.Timestamp("2025-06-01") + pd.Timedelta(days=14 * d),
                    "signal": signal,
                    "noise": noise,
                    "is_churned": label,
                }
            )
        )
    params = {
        f: {"mean_value": 0.0, "std_value": 1.0, "log1p_mean_value": 0.0, "log1p_std_value": 1.0}
        for f in ("signal", "noise")
    }
    return pd.concat(frames, ignore_index=True), params


def test_split_is_out_of_time_on_unseen_customers():
    rows, _ = _synthetic()
    split = out_of_time_split(rows, "is_churned", 0)
    assert split.scheme == "out_of_time_unseen_customers"
    assert split.train.as_of_date.max() < split.validation.as_of_date.min()
    assert not set(split.train.customer_id) & set(split.validation.customer_id)
    assert len(split.validation) == pytest.approx(0.3 * rows.customer_id.nunique(), abs=1)
    everyone = out_of_time_split(rows, "is_churned", 0, holdout_customer_share=0)
    assert everyone.scheme == "out_of_time" and everyone.validation.customer_id.nunique() == rows.customer_id.nunique()


def test_shuffled_labels_give_chance_auc():
    # 600 validation rows (30 % of 2,000 customers): chance AUC within 0.1 of 0.5
    rows, params = _synthetic(n_per_date=2000)
    rows["is_churned"] = np.random.default_rng(5).permutation(rows.is_churned.to_numpy())
    result = train_target(rows, "is_churned", ["signal", "noise"], params, ())
    aucs = [r["metrics"]["validation"]["roc_auc"] for r in result.rows]
    assert all(0.4 < a < 0.6 for a in aucs), aucs


def test_real_signal_is_learned_and_metrics_are_deterministic():
    rows, params = _synthetic()
    a = train_target(rows, "is_churned", ["signal", "noise"], params, ())
    b = train_target(rows, "is_churned", ["signal", "noise"], params, ())
    assert max(r["metrics"]["validation"]["roc_auc"] for r in a.rows) > 0.8
    assert [r["metrics"] for r in a.rows] == [r["metrics"] for r in b.rows]
    assert a.promoted and a.champion["model_version"] == b.champion["model_version"]


def test_training_rows_are_capped_by_a_seeded_sample_and_validation_keeps_every_row():
    rows, params = _synthetic()
    full = train_target(rows, "is_churned", ["signal", "noise"], params, ())
    capped = train_target(rows, "is_churned", ["signal", "noise"], params, (), max_training_rows=300)
    again = train_target(rows, "is_churned", ["signal", "noise"], params, (), max_training_rows=300)
    assert len(full.split.train) > 300 and len(capped.split.train) == 300
    assert set(capped.split.train.index) <= set(full.split.train.index)
    assert capped.split.validation.equals(full.split.validation)
    assert [r["metrics"] for r in capped.rows] == [r["metrics"] for r in again.rows]
    # the signal is still learned from the sample
    assert max(r["metrics"]["validation"]["roc_auc"] for r in capped.rows) > 0.8


def test_a_worse_challenger_does_not_replace_the_champion(tmp_path):
    rows, params = _synthetic()
    first = train_target(rows, "is_churned", ["signal", "noise"], params, (), artefact_dir=tmp_path)
    assert first.promoted
    # the same validation rows, but training labels scrambled: every challenger is worse
    worse = rows.copy()
    early = worse.as_of_date < worse.as_of_date.max()
    worse.loc[early, "is_churned"] = np.random.default_rng(9).permutation(worse.loc[early, "is_churned"].to_numpy())
    second = train_target(
        worse, "is_churned", ["signal", "noise"], params, (), current_champion=first.champion, artefact_dir=tmp_path
    )
    assert not second.promoted
    assert second.champion["model_version"] == first.champion["model_version"]
    assert second.rows[0]["champion_score_before"] > second.rows[0]["challenger_score"]
    # while a challenger on fresh, equally good data with a margin of 0 may replace it
    third = train_target(
        rows,
        "is_churned",
        ["signal", "noise"],
        params,
        (),
        promotion_margin=-1.0,
        current_champion=first.champion,
        artefact_dir=tmp_path,
    )
    assert third.promoted


def test_lift_table_on_a_perfect_ranking():
    y = np.array([1] * 10 + [0] * 90)
    p = np.linspace(1, 0, 100)
    table = lift_table(y, p)
    assert table.loc[0, "lift"] == pytest.approx(10.0)
    assert table.cumulative_gain.iloc[0] == pytest.approx(1.0)


# --- on generated data ---


def _oracle_auc(db, raw) -> tuple[float, float, pd.DataFrame]:
    """(oracle AUC, champion AUC, validation rows) on the churn champion's validation rows: the latest
    labelled date, on the customers the split kept out of training."""
    registry = db.execute("select * from ml.model_registry where target = 'churn' and is_champion").df()
    champion = registry.sort_values("trained_at").iloc[-1]
    labelled = db.execute(
        "select l.customer_id, l.as_of_date, l.is_churned, s.recency_days from marts.fct_customer_labels l "
        "join marts.fct_customer_feature_snapshots s using (customer_id, as_of_date) where l.is_churned is not null"
    ).df()
    rows = out_of_time_split(labelled, "is_churned", 42).validation
    assert str(rows.as_of_date.iloc[0])[:10] == str(champion.validation_date)[:10]
    truth = db.execute(
        f"select * from read_parquet('{raw}/_truth/entities.parquet') where customer_id is not null"
    ).df()
    truth = truth.set_index("customer_id").loc[rows.customer_id]
    churned = pd.to_datetime(truth.churn_at).to_numpy() < np.datetime64(pd.Timestamp(champion.validation_date))
    oracle = P.true_churn_probability(
        truth.churn_hazard_per_day.to_numpy(), truth.order_rate_per_day.to_numpy(), churned, horizon_days=90
    )
    champion_auc = json.loads(champion.metrics_json)["validation"]["roc_auc"]
    return roc_auc_score(rows.is_churned.astype(int), oracle), champion_auc, rows


def test_champion_beats_recency_alone_and_nears_the_oracle(db, e2e_data):
    """On the small CI data set (2,000 customers: a few hundred training rows)."""
    oracle_auc, champion, rows = _oracle_auc(db, e2e_data)
    recency_auc = roc_auc_score(rows.is_churned.astype(int), rows.recency_days.fillna(rows.recency_days.max()))
    print(
        f"2k: churn champion AUC {champion:.3f}, oracle {oracle_auc:.3f} ({champion / oracle_auc:.1%}), recency {recency_auc:.3f}"
    )
    assert champion > recency_auc, (champion, recency_auc)
    assert champion >= 0.85 * oracle_auc, (champion, oracle_auc)


def test_with_more_customers_the_champion_reaches_90_percent_of_the_oracle(tmp_path):
    """The issue's target: 10,000 customers, 150 days (about 2,300 training rows, 600 validation
    customers never trained on). Measured: 0.876 vs oracle 0.942 (93 %)."""
    raw = tmp_path / "raw"
    make_dataset(raw, customers=10_000, days=150, seed=7, dirt_rate=0.02)
    work = tmp_path / "work"
    result = run_dbt(
        ["build", "--select", "+model_registry", "--exclude", "resource_type:test", "resource_type:unit_test"],
        raw,
        work,
    )
    assert result.returncode == 0, result.output[-4000:]
    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    try:
        oracle_auc, champion, rows = _oracle_auc(con, raw)
    finally:
        con.close()
    print(f"10k: churn champion AUC {champion:.3f}, oracle {oracle_auc:.3f} ({champion / oracle_auc:.1%})")
    assert len(rows) > 500
    assert champion >= 0.90 * oracle_auc, (champion, oracle_auc)


def test_predictions_cover_customers_with_calibrated_tiers(db):
    churn = db.execute("select count(*), avg(probability) from ml.churn_predictions").fetchone()
    buyers = db.execute("select count(*) from marts.dim_customer_features where orders_lifetime > 0").fetchone()[0]
    assert churn[0] == buyers and 0 < churn[1] < 1
    purchase = db.execute("select count(*) from ml.purchase_predictions").fetchone()[0]
    assert purchase == db.execute("select count(*) from marts.dim_customer_features").fetchone()[0]
    # calibration: on validation, the mean calibrated probability matches the observed rate per bin
    rel = db.execute("select mean_predicted, observed_rate, rows from ml.model_lift where kind = 'reliability'").df()
    assert np.allclose(rel.mean_predicted, rel.observed_rate, atol=0.02)


def test_a_scoring_only_build_reproduces_the_scores(e2e_warehouse, e2e_data, tmp_path):
    work = tmp_path / "score_only"
    work.mkdir()
    shutil.copy(e2e_warehouse, work / "warehouse.duckdb")
    shutil.copytree(e2e_warehouse.parent / "models", work / "models")
    before = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    scores_before = before.execute("select * from ml.churn_predictions order by customer_id").df()
    registry_rows = before.execute("select count(*) from ml.model_registry").fetchone()[0]
    before.close()
    result = run_dbt(["build", "--select", "model_registry+", "--vars", "{retrain: never}"], e2e_data, work)
    assert result.returncode == 0, result.output[-3000:]
    after = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    assert after.execute("select count(*) from ml.model_registry").fetchone()[0] == registry_rows
    pd.testing.assert_frame_equal(
        scores_before, after.execute("select * from ml.churn_predictions order by customer_id").df()
    )
