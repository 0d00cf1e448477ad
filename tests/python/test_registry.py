"""The model registry's training run and the tables exploded from it (customer_journey.ml.registry),
on small frames, without dbt."""

from __future__ import annotations

import json
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from customer_journey.ml.registry import (
    COLUMNS,
    LIFT_COLUMNS,
    METRIC_COLUMNS,
    RegistrySettings,
    current_champion,
    explode_json,
    model_lift_table,
    model_metrics_table,
    registry_frame,
    selected_features,
    train_registry,
    training_features,
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
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": [f"C{i:07d}" for i in range(n)],
                    "as_of_date": pd.Timestamp(day).date(),
                    "signal": signal,
                    "noise": rng.normal(size=n),
                    "spend": rng.gamma(2.0, 25.0, size=n),
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
    tmp, _, update = first_run
    frame = update.frame
    assert list(frame.columns) == COLUMNS
    assert sorted(frame.groupby("target").size().items()) == [("churn", 4), ("purchase", 4)]
    champions = frame[frame.is_champion]
    assert sorted(champions.target) == ["churn", "purchase"]
    assert set(update.promoted) == {"churn", "purchase"}
    assert update.reasons == {"churn": "no champion yet", "purchase": "no champion yet"}
    # the signal is learnable: the champion validates well above chance
    assert (champions.selection_score.astype(float) > 0.75).all()
    # only champions carry an artefact and lift / reliability JSON
    assert champions.artefact_path.str.startswith(str(tmp / "models")).all()
    assert frame.loc[~frame.is_champion, ["artefact_path", "lift_json", "reliability_json"]].isna().all().all()
    assert (frame.trained_at == pd.Timestamp(NOW)).all()
    assert set(frame.feature_list) == {"signal, spend"}
    assert set(frame.validation_date) == {"2025-09-01"}


def test_a_fresh_champion_is_kept_and_nothing_is_appended(first_run, tmp_path):
    _, rows, update = first_run
    again = train_registry(rows, ["signal", "spend"], SCALING, update.frame, _settings(tmp_path), now=NOW)
    assert again.frame.empty and list(again.frame.columns) == COLUMNS
    assert not again.promoted
    assert again.reasons["churn"].startswith("the champion was validated 0 days")


def test_a_new_feature_list_retrains(first_run, tmp_path):
    _, rows, update = first_run
    again = train_registry(rows, ["signal"], SCALING, update.frame, _settings(tmp_path), now=NOW)
    assert sorted(again.frame.target.unique()) == ["churn", "purchase"]
    assert set(again.frame.feature_list) == {"signal"}
    assert again.reasons["churn"] == "the selected features changed since the champion was trained"


def test_retrain_never_adds_nothing_even_without_a_champion(tmp_path):
    update = train_registry(_labelled_rows(n=50), ["signal"], SCALING, None, _settings(tmp_path, "never"), now=NOW)
    assert update.frame.empty and update.reasons == {
        "churn": "var retrain is never",
        "purchase": "var retrain is never",
    }


def test_a_target_with_one_label_class_is_skipped(tmp_path):
    rows = _labelled_rows(n=50).assign(will_purchase=True)
    update = train_registry(rows, ["signal"], SCALING, None, _settings(tmp_path, "never"), now=NOW)
    assert update.reasons["purchase"] == "will_purchase: too few labels (both classes needed)"


def test_a_training_error_skips_the_target_and_is_logged(tmp_path):
    rows = _labelled_rows(n=60)
    rows.loc[rows.as_of_date == pd.Timestamp("2025-09-01").date(), "is_churned"] = True  # validation: one class
    rows = rows.assign(will_purchase=None)
    logged: list[str] = []
    update = train_registry(rows, ["signal"], SCALING, None, _settings(tmp_path), now=NOW, log=logged.append)
    assert update.frame.empty and not update.promoted
    assert logged == ["is_churned: training and validation rows need both classes"]
    assert update.reasons["churn"] == logged[0]


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
