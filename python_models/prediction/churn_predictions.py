"""One row per customer who has ordered: the calibrated churn probability from the current churn champion in the
registry (scored without retraining when the registry added nothing; empty until a label window has passed), its percentile, risk tier
(var churn_risk_tiers), model version, scoring date, and the three features that moved the
score most (occlusion: probability minus the probability with the feature at its training median)."""

import joblib

from customer_journey.prediction import empty_predictions, score
from customer_journey.warehouse_io import to_pandas

TARGET = "churn"


def model(dbt, session):
    dbt.config(materialized="table")
    tiers = dict(dbt.config.get("risk_tiers"))
    registry = to_pandas(dbt.ref("model_registry"))
    features = to_pandas(dbt.ref("customer_features")).sort_values("customer_id").reset_index(drop=True)
    # churn is defined for customers who have ordered: score only them
    features = features[features.orders_lifetime > 0].reset_index(drop=True)
    champions = registry[(registry.target == TARGET) & registry.is_champion.astype(bool)].sort_values("trained_at")
    if champions.empty:
        # no label window has passed yet (young or small data): an empty, typed table, not a failure
        return empty_predictions()
    bundle = joblib.load(champions.iloc[-1].artefact_path)
    out = score(bundle, features, tiers)
    out["scored_at"] = features.as_of_date.max()
    return out
