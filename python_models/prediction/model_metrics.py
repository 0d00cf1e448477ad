"""One row per (training run, target, model, split): ROC-AUC, PR-AUC, precision, recall and F1 at
the chosen threshold, Brier score, log loss, base rate and rows, from the registry."""

import json

import pandas as pd

from customer_journey.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    registry = to_pandas(dbt.ref("model_registry"))
    rows = []
    for r in registry.itertuples():
        for split, values in json.loads(r.metrics_json).items():
            rows.append(
                {
                    "model_version": r.model_version,
                    "target": r.target,
                    "algorithm": r.algorithm,
                    "split": split,
                    "trained_at": r.trained_at,
                    "is_champion": bool(r.is_champion),
                    **values,
                }
            )
    columns = [
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
    return pd.DataFrame(rows, columns=columns)
