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
from customer_journey.ml.baselines import (
    BgNbdBaseline,
    BgNbdParams,
    RankSumBaseline,
    RecencyBaseline,
    baselines,
    expected_purchases,
    fit_bgnbd,
    probability_alive,
    probability_of_purchase,
    simulate_bgnbd,
)
from customer_journey.ml.prediction import (
    TooFewLabelsError,
    candidates,
    lift_table,
    make_pipeline,
    out_of_time_split,
    score,
    train_target,
)
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


def test_a_split_without_both_classes_is_skipped_with_its_counts():
    rows, params = _synthetic()
    rows.loc[rows.as_of_date == rows.as_of_date.max(), "is_churned"] = False
    with pytest.raises(TooFewLabelsError, match=r"validation 180 rows \(0 positive, 180 negative\)") as caught:
        train_target(rows, "is_churned", ["signal", "noise"], params, ())
    assert len(caught.value.split.validation) == 180


def test_the_candidates_are_regularised_against_overfitting():
    """A weak signal among ten noise features on 400 training rows: unregularised boosting (the old
    settings) fits the training rows perfectly (gap 0.36 between train and validation AUC)."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(800, 10)), columns=[f"f{i}" for i in range(10)])
    y = (rng.random(800) < 1 / (1 + np.exp(-0.8 * X.f0))).astype(int).to_numpy()
    params = {c: {"mean_value": 0.0, "std_value": 1.0} for c in X.columns}
    gaps = {}
    for name, estimator in candidates(42).items():
        model = make_pipeline(estimator, params, ()).fit(X[:400], y[:400])
        train = roc_auc_score(y[:400], model.predict_proba(X[:400])[:, 1])
        gaps[name] = train - roc_auc_score(y[400:], model.predict_proba(X[400:])[:, 1])
    assert max(gaps.values()) < 0.2, gaps
    boosting = candidates(42)["gradient_boosting"]
    assert boosting.early_stopping is True and boosting.max_depth <= 3 and boosting.l2_regularization > 0
    assert candidates(42)["neural_network"].early_stopping is True


# --- baselines -------------------------------------------------------------------------------------

TRUE_BGNBD = BgNbdParams(r=0.25, alpha=4.0, a=0.8, b=2.5)


@pytest.fixture(scope="module")
def bgnbd_sample():
    """8,000 customers simulated from known BG/NBD parameters, observed 20 to 60 days, and their
    orders in the next 20 days."""
    T = np.random.default_rng(1).uniform(20, 60, size=8000)
    x, t_x, later = simulate_bgnbd(TRUE_BGNBD, T, seed=2, horizon=20)
    return x, t_x, T, later


def test_bgnbd_recovers_the_parameters_it_was_simulated_with(bgnbd_sample):
    x, t_x, T, _ = bgnbd_sample
    fitted = fit_bgnbd(x, t_x, T)
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fitted, name) == pytest.approx(getattr(TRUE_BGNBD, name), rel=0.2), (name, fitted)
    # identical histories counted once with their weight give the same fit
    rounded = np.column_stack([x, np.round(t_x), np.round(T)])
    unique, weights = np.unique(rounded, axis=0, return_counts=True)
    grouped = fit_bgnbd(unique[:, 0], unique[:, 1], unique[:, 2], weights)
    expanded = fit_bgnbd(*rounded.T)
    assert grouped.r == pytest.approx(expanded.r, rel=1e-3) and grouped.b == pytest.approx(expanded.b, rel=1e-3)


def test_bgnbd_predicts_the_simulated_next_orders(bgnbd_sample):
    x, t_x, T, later = bgnbd_sample
    p = probability_of_purchase(TRUE_BGNBD, x, t_x, T, 20)
    assert p.mean() == pytest.approx((later > 0).mean(), abs=0.01)
    assert expected_purchases(TRUE_BGNBD, x, t_x, T, 20).mean() == pytest.approx(later.mean(), rel=0.08)
    # by decile of the predicted probability, the observed share follows it
    decile = pd.qcut(pd.Series(p).rank(method="first"), 10, labels=False)
    table = pd.DataFrame({"p": p, "y": later > 0, "d": decile}).groupby("d").mean()
    assert np.allclose(table.p, table.y, atol=0.06), table
    assert roc_auc_score(later > 0, p) > 0.75


def test_bgnbd_alive_probability():
    # no repeat order: alive for sure (the model lets customers drop out only after a repeat order)
    assert probability_alive(TRUE_BGNBD, np.array([0.0]), np.array([0.0]), np.array([50.0]))[0] == 1.0
    # the same orders, the last one longer ago: less likely alive
    alive = probability_alive(TRUE_BGNBD, np.full(3, 4.0), np.array([49.0, 30.0, 5.0]), np.full(3, 50.0))
    assert alive[0] > alive[1] > alive[2] > 0


def _snapshot_rows(seed: int, n: int = 3000, horizon: int = 20) -> tuple[pd.DataFrame, np.ndarray]:
    """Snapshot-like rows (days, integers) of customers simulated from BG/NBD, with 'ordered within the
    horizon' as the label; a tenth never ordered."""
    T = np.random.default_rng(seed).integers(10, 120, size=n).astype(float)
    x, t_x, later = simulate_bgnbd(TRUE_BGNBD, T, seed=seed + 1, horizon=horizon)
    never = np.random.default_rng(seed + 2).random(n) < 0.1
    rows = pd.DataFrame(
        {
            "recency_days": np.where(never, np.nan, np.floor(T - t_x)),
            "orders_lifetime": np.where(never, 0, x + 1),
            "days_since_first_order": np.where(never, np.nan, T),
        }
    )
    return rows, np.where(never, 0, later > 0).astype(int)


def test_the_baselines_are_classifiers_over_their_own_columns():
    train, y_train = _snapshot_rows(3)
    valid, y_valid = _snapshot_rows(4)
    aucs = {}
    for name, baseline in baselines(20).items():
        model = baseline.fit(train[list(baseline.columns)], y_train)
        p = model.predict_proba(valid[list(baseline.columns)])[:, 1]
        assert p.shape == (len(valid),) and ((p > 0) & (p < 1)).all()
        aucs[name] = roc_auc_score(y_valid, p)
        # a row scores the same alone as in a batch (ranks are against the training rows)
        assert model.predict_proba(valid[list(baseline.columns)].iloc[[7]])[0, 1] == pytest.approx(p[7])
    # on data drawn from BG/NBD, the model that generated it ranks best; all beat chance clearly
    assert aucs["baseline_bgnbd"] == max(aucs.values()) and min(aucs.values()) > 0.6, aucs
    # never ordered: the training rate of a first order (none here) -> lowest scores
    bgnbd = BgNbdBaseline(20).fit(train, y_train)
    assert bgnbd.first_order_rate_ < 0.01
    assert bgnbd.params_.r == pytest.approx(TRUE_BGNBD.r, rel=0.35)


def test_the_baselines_learn_their_direction():
    rows = pd.DataFrame(
        {"recency_days": [1.0, 5, 10, 40, 60, 90, np.nan, 2], "orders_lifetime": [5, 4, 3, 1, 1, 1, 0, 6]}
    )
    churned = np.array([0, 0, 0, 1, 1, 1, 1, 0])
    for baseline in (RecencyBaseline(), RankSumBaseline()):
        p_churn = baseline.fit(rows, churned).predict_proba(rows)[:, 1]
        p_buy = type(baseline)().fit(rows, 1 - churned).predict_proba(rows)[:, 1]
        assert roc_auc_score(churned, p_churn) == 1.0 and roc_auc_score(1 - churned, p_buy) == 1.0
    # a customer who never ordered ranks as the least recent
    recency = RecencyBaseline().fit(rows, churned)
    assert recency.predict_proba(rows)[6, 1] == recency.predict_proba(rows)[:, 1].max()


def _with_baseline_columns(rows: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    orders = rng.poisson(2.0, size=len(rows)) + 1
    return rows.assign(
        recency_days=rng.integers(0, 60, size=len(rows)).astype(float),
        orders_lifetime=orders,
        days_since_first_order=rng.integers(60, 200, size=len(rows)).astype(float),
    )


def test_a_candidate_is_promoted_only_if_it_beats_the_best_baseline_by_the_margin():
    rows, params = _synthetic()
    rows = _with_baseline_columns(rows, 1)
    result = train_target(rows, "is_churned", ["signal", "noise"], params, (), baselines=baselines(90))
    assert len(result.rows) == 7 and sum(r["is_baseline"] for r in result.rows) == 3
    validation = {r["algorithm"]: r["metrics"]["validation"]["rows"] for r in result.rows}
    assert len(set(validation.values())) == 1  # every model on the same validation rows
    assert all(np.isfinite(r["train_validation_gap"]) for r in result.rows)
    assert not result.champion["is_baseline"] and "beat the best baseline" in result.reason
    # the labels follow recency only: no candidate sees it, a baseline wins and scores customers
    rows["is_churned"] = rows.recency_days + np.random.default_rng(2).normal(scale=5, size=len(rows)) > 30
    result = train_target(rows, "is_churned", ["signal", "noise"], params, (), baselines=baselines(90))
    best_baseline = max(r["selection_score"] for r in result.rows if r["is_baseline"])
    assert result.promoted and result.champion["is_baseline"]
    assert result.champion["selection_score"] == best_baseline
    assert result.reason.startswith(f"promoted {result.champion['algorithm']}: no candidate beat ")
    assert result.bundle["features"] == list(baselines(90)[result.champion["algorithm"]].columns)
    scored = score(result.bundle, rows[rows.as_of_date == rows.as_of_date.max()], {"high": 0.6, "medium": 0.3})
    assert scored.probability.between(0, 1).all() and scored.top_feature_1.isin(result.bundle["features"]).all()
    # with a margin of -1 the best candidate wins anyway
    forced = train_target(
        rows, "is_churned", ["signal", "noise"], params, (), promotion_margin=-1.0, baselines=baselines(90)
    )
    assert not forced.champion["is_baseline"]


def test_a_stored_learned_champion_stays_only_while_it_beats_the_best_baseline(tmp_path):
    rows, params = _synthetic()
    rows = _with_baseline_columns(rows, 1)
    first = train_target(
        rows, "is_churned", ["signal", "noise"], params, (), artefact_dir=tmp_path, baselines=baselines(90)
    )
    assert not first.champion["is_baseline"]
    # the labels now follow recency only: the stored model is no better than a baseline; a margin of
    # 0.5 keeps the run's winner from beating it, but it must also beat the best baseline to stay
    rows["is_churned"] = rows.recency_days + np.random.default_rng(2).normal(scale=5, size=len(rows)) > 30

    def retrain(champion):
        return train_target(
            rows,
            "is_churned",
            ["signal", "noise"],
            params,
            (),
            promotion_margin=0.5,
            current_champion=champion,
            artefact_dir=tmp_path,
            baselines=baselines(90),
        )

    again = retrain(first.champion)
    assert again.promoted and again.champion["is_baseline"], again.reason
    assert any("no longer beats the best baseline" in note for note in again.notes), again.notes
    # a stored baseline champion under the same margin stays (only a clear winner replaces it)
    kept = retrain(again.champion)
    assert not kept.promoted and kept.champion["model_version"] == again.champion["model_version"]


def test_a_model_that_cannot_be_fitted_is_noted_and_the_others_compete():
    rows, params = _synthetic()
    rows = _with_baseline_columns(rows, 1)

    class Refuses(RecencyBaseline):
        def fit(self, X, y):
            raise ValueError("cannot fit on this")

    result = train_target(rows, "is_churned", ["signal", "noise"], params, (), baselines={"baseline_broken": Refuses()})
    assert result.notes == ["baseline_broken could not be fitted: cannot fit on this"]
    assert len(result.rows) == 4 and result.promoted
    # no usable feature: only the baselines compete
    only = train_target(rows, "is_churned", [], params, (), baselines=baselines(90))
    assert "no usable feature: only the baselines competed" in only.notes
    assert all(r["is_baseline"] for r in only.rows) and only.champion["is_baseline"]
    # nothing could be fitted: an error naming why each failed (model_registry records it as failed)
    with pytest.raises(ValueError, match="no candidate or baseline could be fitted: .*baseline_broken could not be"):
        train_target(rows, "is_churned", [], params, (), baselines={"baseline_broken": Refuses()})


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
    customers never trained on). Measured: 0.874 vs oracle 0.942 (93 %); best baseline (BG/NBD) 0.801."""
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
    models = "select count(*) from ml.model_registry where algorithm is not null"
    registry_rows = before.execute(models).fetchone()[0]
    before.close()
    result = run_dbt(["build", "--select", "model_registry+", "--vars", "{retrain: never}"], e2e_data, work)
    assert result.returncode == 0, result.output[-3000:]
    after = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    # no model trained: only a status row per target, saying the stored champion was kept and why
    assert after.execute(models).fetchone()[0] == registry_rows
    status = after.execute("select target, training_status, status_reason, has_champion from ml.model_training_status")
    assert sorted(status.fetchall()) == [
        ("churn", "kept_champion", "var retrain is never", True),
        ("purchase", "kept_champion", "var retrain is never", True),
    ]
    pd.testing.assert_frame_equal(
        scores_before, after.execute("select * from ml.churn_predictions order by customer_id").df()
    )
