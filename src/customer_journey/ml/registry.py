"""The model registry: a training run's rows (model_registry), and the tables exploded from its
JSON columns (model_metrics, model_lift).

A build trains a target's candidates when `reuse.should_retrain` says so; `prediction.train_target`
trains, validates out of time, applies the promotion gate and saves the champion; this module
shapes one registry row per candidate. model_metrics and model_lift are the registry's JSON
columns exploded into rows, by `explode_json`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from customer_journey.ml.features import LABELS
from customer_journey.ml.prediction import KEYS, TrainingResult, train_target
from customer_journey.ml.reuse import should_retrain

# target -> its label column in fct_customer_labels
TARGETS = {"churn": "is_churned", "purchase": "will_purchase"}
COLUMNS = [
    "model_version",
    "target",
    "algorithm",
    "hyperparameters",
    "feature_list",
    "validation_scheme",
    "train_dates",
    "validation_date",
    "selection_metric",
    "selection_score",
    "challenger_score",
    "champion_score_before",
    "is_champion",
    "artefact_path",
    "artefact_sha256",
    "metrics_json",
    "lift_json",
    "reliability_json",
    "trained_at",
]
SCORE_COLUMNS = ("champion_score_before", "selection_score", "challenger_score")


@dataclass(frozen=True)
class RegistrySettings:
    """model_registry's config (vars random_state, model_selection_metric, promotion_margin,
    retrain, retrain_after_days, validation_holdout_share, max_training_rows; env CJ_MODEL_DIR)."""

    random_state: int
    selection_metric: str
    promotion_margin: float
    retrain: str
    retrain_after_days: int
    artefact_dir: Path
    holdout_share: float
    max_training_rows: int


@dataclass
class RegistryUpdate:
    frame: pd.DataFrame  # the rows this build appends to model_registry (none when nothing trained)
    promoted: dict[str, TrainingResult] = field(default_factory=dict)  # target -> run that promoted a champion
    reasons: dict[str, str] = field(default_factory=dict)  # target -> why it was (not) trained


def scaling_params(scaling: pd.DataFrame) -> tuple[dict[str, dict[str, Any]], tuple[str, ...]]:
    """feature_scaling_params as (feature -> its parameters, the features scaled as log1p_z)."""
    params = scaling.set_index("feature_name").to_dict("index")
    logged = tuple(scaling.loc[scaling.auto_method == "log1p_z", "feature_name"])
    return params, logged


def selected_features(importance: pd.DataFrame, scaling: pd.DataFrame) -> list[str]:
    """The features feature_importance selected that have stored scaling parameters, in its order."""
    params = set(scaling.feature_name)
    return [f for f in importance.loc[importance.is_selected.astype(bool), "feature_name"] if f in params]


def training_features(rows: pd.DataFrame, selected: Sequence[str], scaling: pd.DataFrame) -> list[str]:
    """The numeric `selected` features of `rows`; every numeric feature with scaling parameters
    when none is (too few labels to select)."""
    params = set(scaling.feature_name)
    numeric = [c for c in rows.columns if c not in (*KEYS, *LABELS) and pd.api.types.is_numeric_dtype(rows[c])]
    features = [f for f in selected if f in numeric]
    return features or [f for f in numeric if f in params]


def current_champion(previous: pd.DataFrame | None, target: str) -> dict[str, Any] | None:
    """The target's latest champion row in the stored registry, or None."""
    if previous is None or previous.empty:
        return None
    past = previous[(previous.target == target) & previous.is_champion.astype(bool)]
    return past.sort_values("trained_at").iloc[-1].to_dict() if len(past) else None


def train_registry(
    rows: pd.DataFrame,
    selected: Sequence[str],
    scaling: pd.DataFrame,
    previous: pd.DataFrame | None,
    settings: RegistrySettings,
    now: datetime | None = None,
    log: Callable[[str], Any] | None = None,
) -> RegistryUpdate:
    """The `model_registry` model: for each target with labels of both classes, train when
    `should_retrain` says so, and shape the run's rows. `rows`: the labelled snapshots with the
    `selected` features; `previous`: the stored registry. A target whose training fails (one class
    only in a split) is skipped and `log` gets the reason."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    params, logged = scaling_params(scaling)
    features = training_features(rows, selected, scaling)
    rows = rows.sort_values(list(KEYS)).reset_index(drop=True)
    update = RegistryUpdate(frame=registry_frame([]))
    out: list[dict[str, Any]] = []
    for target, label in TARGETS.items():
        labelled = rows[rows[label].notna()]
        if labelled.empty or labelled[label].nunique() < 2:
            update.reasons[target] = f"{label}: too few labels (both classes needed)"
            continue
        champion = current_champion(previous, target)
        retrain = should_retrain(
            settings.retrain, champion, features, str(max(labelled.as_of_date)), settings.retrain_after_days
        )
        update.reasons[target] = retrain.reason
        if not retrain:
            continue
        try:
            result = train_target(
                rows,
                label,
                features,
                params,
                logged,
                settings.random_state,
                settings.selection_metric,
                settings.promotion_margin,
                champion,
                settings.artefact_dir,
                settings.holdout_share,
                settings.max_training_rows,
            )
        except ValueError as error:  # e.g. one class only in a split
            update.reasons[target] = str(error)
            if log:
                log(str(error))
            continue
        if result.promoted:
            update.promoted[target] = result
        out.extend(registry_rows(result, target, settings.selection_metric, now))
    update.frame = registry_frame(out)
    return update


def registry_rows(result: TrainingResult, target: str, selection_metric: str, now: datetime) -> list[dict[str, Any]]:
    """One model_registry row per candidate of a training run; only the promoted one carries the
    champion flag, its artefact and its lift / reliability JSON."""
    bundle = result.bundle or {}
    champion_version = (result.champion or {}).get("model_version")
    out = []
    for r in result.rows:
        promoted = result.promoted and r["model_version"] == champion_version
        out.append(
            {
                **{k: r.get(k) for k in COLUMNS if k in r},
                "target": target,
                "selection_metric": selection_metric,
                "is_champion": promoted,
                "artefact_path": r.get("artefact_path") if promoted else None,
                "artefact_sha256": r.get("artefact_sha256") if promoted else None,
                "metrics_json": json.dumps(r["metrics"]),
                "lift_json": json.dumps(bundle["lift"]) if promoted else None,
                "reliability_json": json.dumps(bundle["reliability"]) if promoted else None,
                "trained_at": now,
            }
        )
    return out


def registry_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Registry rows as model_registry's columns and types (the same with no rows)."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in SCORE_COLUMNS:
        frame[col] = frame[col].astype("float64")
    frame["is_champion"] = frame["is_champion"].astype(bool)
    frame["trained_at"] = pd.to_datetime(frame["trained_at"])
    for col in set(COLUMNS) - {*SCORE_COLUMNS, "is_champion", "trained_at"}:
        frame[col] = frame[col].astype("string")
    return frame


# --- the tables exploded from the registry's JSON ------------------------------------------------


def explode_json(
    frame: pd.DataFrame, column: str, keep: Sequence[str], key_name: str | None = None
) -> list[dict[str, Any]]:
    """One dict per element of the JSON stored in `column` of each row of `frame`: the row's `keep`
    columns, then the element's fields. A JSON list gives its elements; a JSON object its values,
    with their key under `key_name`. Rows with no JSON (null) give none."""
    out = []
    for record, text in zip(frame[list(keep)].to_dict("records"), frame[column], strict=True):
        if text is None or pd.isna(text):
            continue
        parsed = json.loads(text)
        pairs = parsed.items() if isinstance(parsed, dict) else ((None, element) for element in parsed)
        for key, element in pairs:
            out.append({**record, **({key_name: key} if key_name else {}), **element})
    return out


METRIC_COLUMNS = [
    "model_version",
    "target",
    "algorithm",
    "split",
    "trained_at",
    "is_champion",
    "roc_auc",
    "pr_auc",
    "precision",
    "recall",
    "f1",
    "brier",
    "log_loss",
    "base_rate",
    "threshold",
    "rows",
]


def model_metrics_table(registry: pd.DataFrame) -> pd.DataFrame:
    """The `model_metrics` model: one row per (training run, model, split) of the registry."""
    keep = ["model_version", "target", "algorithm", "trained_at", "is_champion"]
    rows = explode_json(registry, "metrics_json", keep, key_name="split")
    frame = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    if len(frame):
        frame["is_champion"] = frame["is_champion"].astype(bool)
    return frame


LIFT_COLUMNS = [
    "model_version",
    "target",
    "kind",
    "bucket",
    "rows",
    "positives",
    "mean_predicted",
    "observed_rate",
    "lift",
    "cumulative_gain",
]


def model_lift_table(registry: pd.DataFrame) -> pd.DataFrame:
    """The `model_lift` model: each champion's lift by score decile (kind 'lift', bucket 1 = top
    scores) and the reliability of its calibrated probabilities by tenth (kind 'reliability')."""
    champions = registry[registry.is_champion.astype(bool)]
    keep = ["model_version", "target"]
    rows = [
        {
            **d,
            "kind": "lift",
            "bucket": int(d["decile"]),
            "rows": int(d["rows"]),
            "positives": int(d["positives"]),
            "mean_predicted": d["avg_score"],
            "observed_rate": d["positive_rate"],
        }
        for d in explode_json(champions, "lift_json", keep)
    ] + [
        {**d, "kind": "reliability", "bucket": int(d["bin"]) + 1, "rows": int(d["rows"]), "positives": None}
        for d in explode_json(champions, "reliability_json", keep)
    ]
    frame = pd.DataFrame(rows, columns=LIFT_COLUMNS)
    frame["positives"] = frame["positives"].astype("Int64")
    for col in ("mean_predicted", "observed_rate", "lift", "cumulative_gain"):
        frame[col] = frame[col].astype("float64")
    return frame
