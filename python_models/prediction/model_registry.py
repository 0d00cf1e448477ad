"""One row per trained model (incremental: appended per training run): version, target,
algorithm, hyper-parameters, features, training window, metrics, champion flag, artefact path
and hash. A build retrains when var `retrain` says so (auto: no champion yet, the feature list
changed, or the champion's validation date is more than `retrain_after_days` old); otherwise it
adds nothing and later models score with the stored champion. The logic is in
customer_journey.prediction."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from customer_journey.plots import model_plots
from customer_journey.prediction import KEYS, train_target
from customer_journey.warehouse_io import inner_join, read_stored, to_pandas

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


def _previous(session, this) -> pd.DataFrame:
    stored = read_stored(session, this)
    return stored if stored is not None else pd.DataFrame(columns=COLUMNS)


def model(dbt, session):
    dbt.config(materialized="incremental")
    random_state = int(dbt.config.get("random_state"))
    metric = dbt.config.get("selection_metric")
    margin = float(dbt.config.get("promotion_margin"))
    retrain = dbt.config.get("retrain")
    retrain_after_days = int(dbt.config.get("retrain_after_days"))
    artefact_dir = Path(dbt.config.get("artefact_dir"))
    holdout_share = float(dbt.config.get("validation_holdout_share"))
    max_training_rows = int(dbt.config.get("max_training_rows"))

    importance = to_pandas(dbt.ref("feature_importance"))
    scaling = to_pandas(dbt.ref("feature_scaling_params"))
    params = scaling.set_index("feature_name").to_dict("index")
    logged = tuple(scaling.loc[scaling.auto_method == "log1p_z", "feature_name"])
    selected = [f for f in importance.loc[importance.is_selected, "feature_name"] if f in params]
    # only the labelled snapshots, joined with their labels in the warehouse, and only the selected
    # features (at a million customers the snapshots are GiBs in pandas)
    labels = list(TARGETS.values())
    labelled = inner_join(
        dbt.ref("customer_feature_snapshots"),
        dbt.ref("customer_labels"),
        list(KEYS),
        labels,
        where=" or ".join(f"{label} is not null" for label in labels),
    )
    rows = to_pandas(labelled, [*KEYS, *selected, *labels] if selected else None)
    numeric = [c for c in rows.columns if c not in (*KEYS, *labels) and pd.api.types.is_numeric_dtype(rows[c])]
    features = [f for f in selected if f in numeric]
    if not features:  # too few labels to select: use every numeric feature
        features = [f for f in numeric if f in params]
    rows = rows.sort_values(list(KEYS)).reset_index(drop=True)
    previous = _previous(session, dbt.this)
    now = datetime.now(UTC).replace(tzinfo=None)
    out = []
    for name, label in TARGETS.items():
        labelled = rows[rows[label].notna()]
        if labelled.empty or labelled[label].nunique() < 2:
            continue
        past = previous[(previous.target == name) & previous.is_champion.astype(bool)]
        champion = past.sort_values("trained_at").iloc[-1].to_dict() if len(past) else None
        latest = str(max(labelled.as_of_date))
        stale = (
            champion is None
            or champion["feature_list"] != ", ".join(features)
            or (pd.Timestamp(latest) - pd.Timestamp(champion["validation_date"])).days > retrain_after_days
        )
        if retrain == "never" or (retrain == "auto" and not stale):
            continue
        try:
            result = train_target(
                rows,
                label,
                features,
                params,
                logged,
                random_state,
                metric,
                margin,
                champion,
                artefact_dir,
                holdout_share,
                max_training_rows,
            )
        except ValueError as error:  # e.g. one class only in a split
            dbt_log = getattr(dbt, "log", None)
            if dbt_log:
                dbt_log(str(error))
            continue
        if result.promoted:
            y_val, p_val = result.validation_scores
            model_plots(
                name, y_val, p_val, pd.DataFrame(result.bundle["lift"]), pd.DataFrame(result.bundle["reliability"])
            )
        for r in result.rows:
            promoted = result.promoted and r["model_version"] == result.champion["model_version"]
            out.append(
                {
                    **{k: r.get(k) for k in COLUMNS if k in r},
                    "target": name,
                    "selection_metric": metric,
                    "is_champion": promoted,
                    "artefact_path": r.get("artefact_path") if promoted else None,
                    "artefact_sha256": r.get("artefact_sha256") if promoted else None,
                    "metrics_json": json.dumps(r["metrics"]),
                    "lift_json": json.dumps(result.bundle["lift"]) if promoted else None,
                    "reliability_json": json.dumps(result.bundle["reliability"]) if promoted else None,
                    "trained_at": now,
                }
            )
    frame = pd.DataFrame(out, columns=COLUMNS)
    for col in ("champion_score_before", "selection_score", "challenger_score"):
        frame[col] = frame[col].astype("float64")
    frame["is_champion"] = frame["is_champion"].astype(bool)
    frame["trained_at"] = pd.to_datetime(frame["trained_at"])
    for col in set(COLUMNS) - {
        "champion_score_before",
        "selection_score",
        "challenger_score",
        "is_champion",
        "trained_at",
    }:
        frame[col] = frame[col].astype("string")
    return frame
