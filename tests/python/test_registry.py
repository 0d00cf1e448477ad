"""The model registry's training run and the tables exploded from it (customer_journey.ml.registry),
on small frames, without dbt."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from customer_journey.ml import registry as registry_module
from customer_journey.ml.prediction import predictions_table
from customer_journey.ml.registry import (
    COLUMNS,
    LIFT_COLUMNS,
    METRIC_COLUMNS,
    STATUS_COLUMNS,
    RegistrySettings,
    TimeAnchors,
    current_champion,
    explode_json,
    model_lift_table,
    model_metrics_table,
    registry_frame,
    selected_features,
    time_anchors,
    train_registry,
    training_features,
    training_status_table,
)

SCALING = pd.DataFrame(
    {
        "feature_name": ["signal", "noise", "spend"],
        "auto_method": ["z", "z", "log1p_z"],
        "mean_value": [0.0, 0.0, 50.0],
        "std_value": [1.0, 1.0, 20.0],
        "log1p_mean_value": [0.0, 0.0, 3.9],
        "log1p_std_value": [1.0, 1.0, 0.4],
    }
)


def _labelled_rows(n: int = 200, dates: tuple[str, ...] = ("2025-07-01", "2025-08-01", "2025-09-01")) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    frames = []
    for day in dates:
        signal = rng.normal(size=n)
        orders = rng.poisson(2.0, size=n)
        first = rng.integers(30, 200, size=n)
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": [f"C{i:07d}" for i in range(n)],
                    "as_of_date": pd.Timestamp(day).date(),
                    "signal": signal,
                    "noise": rng.normal(size=n),
                    "spend": rng.gamma(2.0, 25.0, size=n),
                    # the baselines' raw columns: unrelated to the labels here
                    "recency_days": np.where(orders > 0, rng.integers(0, 30, size=n), np.nan),
                    "orders_lifetime": orders,
                    "days_since_first_order": np.where(orders > 0, first + 30, np.nan),
                    "is_churned": signal + rng.normal(scale=0.7, size=n) > 0,
                    "will_purchase": signal + rng.normal(scale=0.7, size=n) < 0,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _settings(tmp_path, retrain: str = "auto") -> RegistrySettings:
    return RegistrySettings(
        random_state=42,
        selection_metric="roc_auc",
        promotion_margin=0.005,
        retrain=retrain,
        retrain_after_days=30,
        artefact_dir=tmp_path / "models",
        holdout_share=0.3,
        max_training_rows=100_000,
    )


NOW = datetime(2025, 9, 2, 12, 0)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("registry")
    rows = _labelled_rows()
    update = train_registry(rows, ["signal", "spend"], SCALING, None, _settings(tmp), now=NOW)
    return tmp, rows, update


# --- feature lists -------------------------------------------------------------------------------


def test_selected_features_keep_importance_order_and_need_scaling_parameters():
    importance = pd.DataFrame(
        {"feature_name": ["spend", "unscaled", "noise", "signal"], "is_selected": [True, True, False, True]}
    )
    assert selected_features(importance, SCALING) == ["spend", "signal"]


def test_training_features_fall_back_to_every_scaled_numeric_feature():
    rows = _labelled_rows(n=5, dates=("2025-07-01",)).assign(segment="a")
    assert training_features(rows, ["spend", "segment"], SCALING) == ["spend"]
    assert training_features(rows, [], SCALING) == ["signal", "noise", "spend"]
    # but never a feature feature_importance excluded
    assert training_features(rows, [], SCALING, excluded={"noise"}) == ["signal", "spend"]


def test_the_fallback_skips_excluded_features_and_the_status_says_so(tmp_path):
    importance = pd.DataFrame(
        {
            "feature_name": ["signal", "noise", "spend", "noise"],
            "target": ["is_churned", "is_churned", "is_churned", "will_purchase"],
            "is_selected": [False, False, False, False],
            "exclusion_reason": [None, "constant on the training rows", None, None],
        }
    )
    assert registry_module.excluded_features(importance) == {"noise"}
    assert registry_module.excluded_features(importance.drop(columns="exclusion_reason")) == set()
    update = train_registry(
        _labelled_rows(n=80), [], SCALING, None, _settings(tmp_path), now=NOW, importance=importance
    )
    assert set(update.frame.loc[~update.frame.is_baseline, "feature_list"]) == {"signal, spend"}
    assert update.frame.is_fallback_feature_list.all()
    assert "no feature was selected, so every usable numeric feature" in update.reasons["churn"]
    # with a selection, no fallback and no such note
    selected = train_registry(_labelled_rows(n=80), ["signal"], SCALING, None, _settings(tmp_path), now=NOW)
    assert not selected.frame.is_fallback_feature_list.any()
    assert "no feature was selected" not in selected.reasons["churn"]


def test_selected_features_are_listed_once_when_selected_for_both_targets():
    importance = pd.DataFrame({"feature_name": ["spend", "signal", "spend"], "is_selected": [True, True, True]})
    assert selected_features(importance, SCALING) == ["spend", "signal"]


def test_transferred_columns_add_the_baselines_raw_columns():
    assert registry_module.transferred_columns(["spend", "recency_days"]) == [
        "customer_id",
        "as_of_date",
        "spend",
        "recency_days",
        "orders_lifetime",
        "days_since_first_order",
        "is_churned",
        "will_purchase",
    ]
    assert registry_module.transferred_columns([]) is None


def test_time_anchors_come_from_the_calendar_row():
    calendar = pd.DataFrame(
        {
            "churn_horizon_days": [3],
            "purchase_horizon_days": [1],
            "snapshot_every_days": [1],
            "time_anchor_basis": ["derived from the data span (9 days)"],
        }
    )
    anchors = time_anchors(calendar)
    assert (anchors.horizon("churn"), anchors.horizon("purchase"), anchors.snapshot_every_days) == (3, 1, 1)
    with pytest.raises(ValueError, match="2 rows"):
        time_anchors(pd.concat([calendar, calendar]))


def test_current_champion_is_the_latest_champion_row_of_the_target():
    previous = pd.DataFrame(
        {
            "model_version": ["a", "b", "c", "d"],
            "target": ["churn", "churn", "churn", "purchase"],
            "is_champion": [True, True, False, True],
            "trained_at": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"]),
        }
    )
    assert current_champion(previous, "churn")["model_version"] == "b"
    assert current_champion(previous, "purchase")["model_version"] == "d"
    assert current_champion(previous.iloc[0:0], "churn") is None
    assert current_champion(None, "churn") is None


# --- a training run ------------------------------------------------------------------------------


def test_a_first_run_trains_every_candidate_and_promotes_one_per_target(first_run):
    tmp, rows, update = first_run
    frame = update.frame
    assert list(frame.columns) == COLUMNS
    # four candidates and three baselines per target, on the same validation rows
    assert sorted(frame.groupby(["target", "is_baseline"]).size().items()) == [
        (("churn", False), 4),
        (("churn", True), 3),
        (("purchase", False), 4),
        (("purchase", True), 3),
    ]
    assert set(frame.loc[frame.is_baseline, "algorithm"]) == {
        "baseline_recency",
        "baseline_rf_rank_sum",
        "baseline_bgnbd",
    }
    champions = frame[frame.is_champion]
    assert sorted(champions.target) == ["churn", "purchase"]
    assert set(update.promoted) == {"churn", "purchase"}
    # the baselines' columns carry no signal here: a learned candidate wins, and the reason says so
    assert not champions.is_baseline.any()
    for target in ("churn", "purchase"):
        assert update.reasons[target].startswith("no champion yet; promoted ")
        assert "beat the best baseline" in update.reasons[target]
        assert update.statuses[target].training_status == "trained"
    assert set(frame.training_status) == {"trained"}
    # the status columns: label counts, split rows, time anchors
    churn = frame[frame.target == "churn"].iloc[0]
    assert churn.labelled_rows == len(rows) and churn.positive_labels == int(rows.is_churned.sum())
    assert churn.positive_labels + churn.negative_labels == churn.labelled_rows
    assert churn.train_rows == 280 and churn.validation_rows == 60  # 2 dates x 140 customers; 60 held out
    assert (churn.horizon_days, churn.snapshot_every_days) == (90, 14)
    assert set(frame[frame.target == "purchase"].horizon_days) == {30}
    # the train-minus-validation gap of every model is stored
    gaps = frame.train_validation_gap.astype(float)
    assert gaps.notna().all() and (gaps.abs() < 0.5).all()
    # the signal is learnable: the champion validates well above chance
    assert (champions.selection_score.astype(float) > 0.75).all()
    # only champions carry an artefact and lift / reliability JSON
    assert champions.artefact_path.str.startswith(str(tmp / "models")).all()
    assert frame.loc[~frame.is_champion, ["artefact_path", "lift_json", "reliability_json"]].isna().all().all()
    assert (frame.trained_at == pd.Timestamp(NOW)).all()
    assert set(frame.loc[~frame.is_baseline, "feature_list"]) == {"signal, spend"}
    assert set(frame.loc[frame.is_baseline, "feature_list"]) == {
        "recency_days",
        "recency_days, orders_lifetime",
        "recency_days, orders_lifetime, days_since_first_order",
    }
    assert set(frame.validation_date) == {"2025-09-01"}


def test_a_fresh_champion_is_kept_and_only_a_status_row_is_appended(first_run, tmp_path):
    _, rows, update = first_run
    later = datetime(2025, 9, 3, 12, 0)
    again = train_registry(rows, ["signal", "spend"], SCALING, update.frame, _settings(tmp_path), now=later)
    assert list(again.frame.columns) == COLUMNS
    assert list(again.frame.model_version) == ["churn-kept_champion", "purchase-kept_champion"]
    assert set(again.frame.training_status) == {"kept_champion"} and again.frame.algorithm.isna().all()
    assert not again.frame.is_champion.any() and again.frame.metrics_json.isna().all()
    assert not again.promoted
    assert again.reasons["churn"].startswith("the champion was validated 0 days")
    assert list(again.frame.status_reason) == [again.reasons["churn"], again.reasons["purchase"]]
    # the status rows add no metrics, and the status table still names the champion
    assert model_metrics_table(again.frame).empty
    status = training_status_table(pd.concat([update.frame, again.frame], ignore_index=True)).set_index("target")
    assert (status.training_status == "kept_champion").all() and status.has_champion.all()
    champion = update.frame[update.frame.is_champion & (update.frame.target == "churn")].iloc[0]
    assert status.loc["churn", "champion_model_version"] == champion.model_version


def test_a_changed_label_horizon_retrains(first_run, tmp_path):
    """A derived horizon grows with the data: a champion trained on other labels is not kept."""
    _, rows, update = first_run
    later = datetime(2025, 9, 3, 12, 0)
    anchors = TimeAnchors(churn_horizon_days=64, purchase_horizon_days=30)
    again = train_registry(
        rows, ["signal", "spend"], SCALING, update.frame, _settings(tmp_path), now=later, anchors=anchors
    )
    status = again.frame.groupby("target").training_status.first()
    assert status["churn"] == "trained" and status["purchase"] == "kept_champion"
    assert again.reasons["churn"].startswith("the label horizon changed from 90 to 64 days")


def test_a_new_feature_list_retrains(first_run, tmp_path):
    _, rows, update = first_run
    again = train_registry(rows, ["signal"], SCALING, update.frame, _settings(tmp_path), now=NOW)
    assert sorted(again.frame.target.unique()) == ["churn", "purchase"]
    assert set(again.frame.loc[~again.frame.is_baseline, "feature_list"]) == {"signal"}
    assert again.reasons["churn"].startswith("the selected features changed since the champion was trained; ")


def test_retrain_never_trains_nothing_even_without_a_champion_and_says_so(tmp_path):
    update = train_registry(_labelled_rows(n=50), ["signal"], SCALING, None, _settings(tmp_path, "never"), now=NOW)
    assert update.reasons == {"churn": "var retrain is never", "purchase": "var retrain is never"}
    # no champion to keep: skipped, and the status table says there is no champion and why
    assert set(update.frame.training_status) == {"skipped"} and update.frame.metrics_json.isna().all()
    status = training_status_table(update.frame).set_index("target")
    assert not status.has_champion.any() and (status.status_reason == "var retrain is never").all()


def test_a_target_with_one_label_class_is_skipped_with_its_label_counts(tmp_path):
    rows = _labelled_rows(n=50).assign(will_purchase=True)
    update = train_registry(rows, ["signal"], SCALING, None, _settings(tmp_path, "never"), now=NOW)
    assert (
        update.reasons["purchase"]
        == "will_purchase: 150 labelled rows (150 positive, 0 negative): both classes are needed"
    )
    row = update.frame[update.frame.target == "purchase"].iloc[0]
    assert (row.model_version, row.training_status, row.positive_labels, row.negative_labels) == (
        "purchase-skipped",
        "skipped",
        150,
        0,
    )
    assert pd.isna(row.train_rows) and not row.is_champion


def test_a_split_with_one_class_skips_the_target_with_its_counts_and_is_logged(tmp_path):
    rows = _labelled_rows(n=60)
    rows.loc[rows.as_of_date == pd.Timestamp("2025-09-01").date(), "is_churned"] = True  # validation: one class
    rows = rows.assign(will_purchase=None)
    logged: list[str] = []
    update = train_registry(rows, ["signal"], SCALING, None, _settings(tmp_path), now=NOW, log=logged.append)
    assert not update.promoted and update.frame.metrics_json.isna().all()
    churn = update.frame[update.frame.target == "churn"].iloc[0]
    assert churn.training_status == "skipped" and (churn.train_rows, churn.validation_rows) == (84, 18)
    assert churn.status_reason.startswith("is_churned: training and validation rows need both classes; ")
    assert "validation 18 rows (18 positive, 0 negative) on 2025-09-01" in churn.status_reason
    assert logged == [
        f"model_registry: churn skipped: {churn.status_reason}",
        "model_registry: purchase skipped: will_purchase: 0 labelled rows (0 positive, 0 negative): both classes are needed",
    ]


def test_a_training_error_is_recorded_as_failed_with_its_message(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise ValueError("Input X contains infinity")

    monkeypatch.setattr(registry_module, "train_target", refuse)
    update = train_registry(_labelled_rows(n=50), ["signal"], SCALING, None, _settings(tmp_path), now=NOW)
    assert list(update.frame.training_status) == ["failed", "failed"]
    assert update.reasons["churn"] == "is_churned: training failed: ValueError: Input X contains infinity"
    status = training_status_table(update.frame).set_index("target")
    assert status.loc["churn", "training_status"] == "failed" and not status.loc["churn", "has_champion"]


def test_other_errors_are_not_caught(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("a bug, not the data")

    monkeypatch.setattr(registry_module, "train_target", broken)
    with pytest.raises(KeyError):
        train_registry(_labelled_rows(n=50), ["signal"], SCALING, None, _settings(tmp_path), now=NOW)


def _recency_driven_rows() -> pd.DataFrame:
    """Labels that only recency explains: a candidate given the `noise` feature cannot beat the baseline."""
    rows = _labelled_rows(n=300)
    rng = np.random.default_rng(11)
    recency = rows.recency_days.fillna(60).to_numpy()
    rows["is_churned"] = recency + rng.normal(scale=4.0, size=len(rows)) > 15
    rows["will_purchase"] = ~rows.is_churned
    return rows


def test_a_baseline_no_candidate_beats_is_the_champion_and_scores_customers(tmp_path):
    rows = _recency_driven_rows()
    update = train_registry(rows, ["noise"], SCALING, None, _settings(tmp_path), now=NOW)
    champions = update.frame[update.frame.is_champion].set_index("target")
    assert champions.is_baseline.all()
    assert set(champions.algorithm) <= {"baseline_recency", "baseline_rf_rank_sum", "baseline_bgnbd"}
    reason = update.reasons["churn"]
    algorithm, score = champions.loc["churn", "algorithm"], champions.loc["churn", "selection_score"]
    assert f"no candidate beat {algorithm} (roc_auc {score:.3f}) by 0.005" in reason
    # the champion is the best model of the run, baseline or not
    run = update.frame[update.frame.target == "churn"]
    assert score == run.selection_score.max()
    status = training_status_table(update.frame).set_index("target")
    assert status.loc["churn", "is_champion_baseline"] and status.loc["churn", "best_baseline_algorithm"] == algorithm
    assert status.loc["churn", "best_candidate_score"] < status.loc["churn", "best_baseline_score"]
    # its bundle scores customers from its own raw columns
    latest = rows[rows.as_of_date == rows.as_of_date.max()].drop(columns=["is_churned", "will_purchase"])

    def load_features(columns):
        return latest[["customer_id", "as_of_date", *columns]]

    scores = predictions_table(update.frame, load_features, "churn", {"high": 0.6, "medium": 0.3})
    assert len(scores) == len(latest) and scores.probability.between(0, 1).all()
    assert scores.model_version.eq(champions.loc["churn", "model_version"]).all()
    merged = scores.merge(latest, on="customer_id")
    assert merged.probability.corr(merged.recency_days.fillna(60), method="spearman") > 0.8
    assert set(merged.top_feature_1.dropna()) <= {"recency_days", "orders_lifetime", "days_since_first_order"}


def test_a_baseline_champion_is_kept_while_the_candidates_features_are_the_same(tmp_path):
    rows = _recency_driven_rows()
    first = train_registry(rows, ["noise"], SCALING, None, _settings(tmp_path), now=NOW)
    champion = current_champion(first.frame, "churn")
    assert champion["is_baseline"] and champion["candidate_feature_list"] == "noise"
    again = train_registry(rows, ["noise"], SCALING, first.frame, _settings(tmp_path), now=NOW)
    assert set(again.frame.training_status) == {"kept_champion"}
    assert again.reasons["churn"].startswith("the champion was validated 0 days")


def test_a_missing_champion_artefact_is_recorded_and_the_run_winner_replaces_it(first_run, tmp_path):
    _, rows, update = first_run
    previous = update.frame.copy()
    previous["artefact_path"] = previous.artefact_path.where(
        previous.artefact_path.isna(), str(tmp_path / "gone.joblib")
    )
    again = train_registry(rows, ["signal", "spend"], SCALING, previous, _settings(tmp_path, "always"), now=NOW)
    assert set(again.promoted) == {"churn", "purchase"}
    assert "could not be loaded (FileNotFoundError" in again.reasons["churn"]


def test_an_empty_registry_frame_has_the_registry_types():
    frame = registry_frame([])
    assert list(frame.columns) == COLUMNS and frame.empty
    assert frame.is_champion.dtype == bool and frame.selection_score.dtype == "float64"
    assert str(frame.model_version.dtype) == "string"


# --- the exploded tables -------------------------------------------------------------------------


def test_explode_json_lists_objects_and_nulls():
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "payload": ['[{"x": 1}, {"x": 2}]', None, '{"train": {"x": 3}, "validation": {"x": 4}}'],
        }
    )
    assert explode_json(frame.iloc[:2], "payload", ["id"]) == [{"id": "a", "x": 1}, {"id": "a", "x": 2}]
    assert explode_json(frame.iloc[2:], "payload", ["id"], key_name="split") == [
        {"id": "c", "split": "train", "x": 3},
        {"id": "c", "split": "validation", "x": 4},
    ]


def test_model_metrics_has_one_row_per_run_model_and_split(first_run):
    _, _, update = first_run
    metrics = model_metrics_table(update.frame)
    assert list(metrics.columns) == METRIC_COLUMNS
    assert len(metrics) == 2 * len(update.frame)
    assert set(metrics.split) == {"train", "validation"}
    row = update.frame.iloc[0]
    validation = metrics[(metrics.model_version == row.model_version) & (metrics.split == "validation")].iloc[0]
    assert validation.roc_auc == pytest.approx(json.loads(row.metrics_json)["validation"]["roc_auc"])
    assert metrics.is_champion.dtype == bool and metrics.is_champion.sum() == 4  # 2 champions x 2 splits
    # the three baselines beside the candidates, per target and split
    assert metrics.is_baseline.sum() == 2 * 3 * 2
    assert set(metrics.loc[metrics.is_baseline, "algorithm"]) == {
        "baseline_recency",
        "baseline_rf_rank_sum",
        "baseline_bgnbd",
    }


def test_model_lift_has_ten_deciles_and_the_reliability_of_each_champion(first_run):
    _, _, update = first_run
    lift = model_lift_table(update.frame)
    assert list(lift.columns) == LIFT_COLUMNS
    deciles = lift[lift.kind == "lift"]
    assert sorted(deciles.groupby("model_version").bucket.apply(list).map(sorted).map(tuple).unique()) == [
        tuple(range(1, 11))
    ]
    # cumulative gain ends at 1, the reliability rows carry no lift
    assert deciles.groupby("model_version").cumulative_gain.max().round(9).eq(1.0).all()
    reliability = lift[lift.kind == "reliability"]
    assert len(reliability) and reliability.lift.isna().all() and reliability.positives.isna().all()
    assert reliability.bucket.between(1, 10).all()
    assert str(lift.positives.dtype) == "Int64"


def test_exploded_tables_of_an_empty_registry_are_empty_with_their_columns():
    assert list(model_metrics_table(registry_frame([])).columns) == METRIC_COLUMNS
    lift = model_lift_table(registry_frame([]))
    assert lift.empty and list(lift.columns) == LIFT_COLUMNS


def test_the_status_table_has_one_row_per_target_even_before_any_build():
    status = training_status_table(registry_frame([]))
    assert list(status.columns) == STATUS_COLUMNS and list(status.target) == ["churn", "purchase"]
    assert (status.training_status == "skipped").all() and not status.has_champion.any()
    assert status.status_reason.str.startswith("no training status recorded yet").all()


def test_the_status_table_reports_the_latest_build_and_the_anchors(first_run):
    _, _, update = first_run
    status = training_status_table(update.frame).set_index("target")
    assert status.has_champion.all() and (status.training_status == "trained").all()
    assert list(status.horizon_days) == [90, 30] and (status.time_anchor_basis == TimeAnchors().time_anchor_basis).all()
    frame = update.frame
    churn = frame[frame.target == "churn"]
    best_baseline = churn[churn.is_baseline].selection_score.max()
    assert status.loc["churn", "best_baseline_score"] == pytest.approx(best_baseline)
    assert status.loc["churn", "champion_score"] >= best_baseline
