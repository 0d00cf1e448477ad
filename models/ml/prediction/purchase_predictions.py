"""One row per customer: the calibrated probability of an order in the next purchase horizon from the
current purchase champion in model_registry (empty until a label window has passed), percentile, tier
(var purchase_risk_tiers), model version, scoring date, and the three features that moved the score
most. Logic: customer_journey.ml.prediction."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml.prediction import predictions_table
from customer_journey.ml.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    relation = dbt.ref("dim_customer_features")

    def load_features(columns):
        # only the columns the champion uses leave the warehouse
        return to_pandas(relation, sorted({"customer_id", "as_of_date", *columns}))

    registry = to_pandas(dbt.ref("model_registry"))
    return predictions_table(registry, load_features, "purchase", dict(dbt.config.get("risk_tiers")))
