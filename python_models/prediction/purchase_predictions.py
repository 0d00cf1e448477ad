"""One row per customer: the calibrated probability of an order in the next purchase horizon from the
current purchase champion in model_registry (empty until a label window has passed), percentile, tier
(var purchase_risk_tiers), model version, scoring date, and the three features that moved the score
most. Logic: customer_journey.prediction."""

from customer_journey.prediction import predictions_table
from customer_journey.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    features = to_pandas(dbt.ref("customer_features"))
    return predictions_table(
        to_pandas(dbt.ref("model_registry")), features, "purchase", dict(dbt.config.get("risk_tiers"))
    )
