"""One row per champion model and score decile on its validation rows (1 = highest scores): rows,
positives, rate, lift over the base rate, cumulative gain; and the reliability of its calibrated
probabilities (`kind` = 'lift' or 'reliability')."""

import json

import pandas as pd

from customer_journey.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    registry = to_pandas(dbt.ref("model_registry"))
    rows = []
    for r in registry[registry.is_champion.astype(bool)].itertuples():
        for d in json.loads(r.lift_json):
            rows.append(
                {
                    "model_version": r.model_version,
                    "target": r.target,
                    "kind": "lift",
                    "bucket": int(d["decile"]),
                    "rows": int(d["rows"]),
                    "positives": int(d["positives"]),
                    "mean_predicted": d["avg_score"],
                    "observed_rate": d["positive_rate"],
                    "lift": d["lift"],
                    "cumulative_gain": d["cumulative_gain"],
                }
            )
        for d in json.loads(r.reliability_json):
            rows.append(
                {
                    "model_version": r.model_version,
                    "target": r.target,
                    "kind": "reliability",
                    "bucket": int(d["bin"]) + 1,
                    "rows": int(d["rows"]),
                    "positives": None,
                    "mean_predicted": d["mean_predicted"],
                    "observed_rate": d["observed_rate"],
                    "lift": None,
                    "cumulative_gain": None,
                }
            )
    columns = [
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
    frame = pd.DataFrame(rows, columns=columns)
    for col in ("positives",):
        frame[col] = frame[col].astype("Int64")
    for col in ("mean_predicted", "observed_rate", "lift", "cumulative_gain"):
        frame[col] = frame[col].astype("float64")
    return frame
