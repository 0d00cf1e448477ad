"""One row per customer who has ordered: the calibrated churn probability from the current churn
champion in model_registry (empty until a label window has passed), percentile, risk tier (var
churn_risk_tiers), model version, scoring date, and the three features that moved the score most.
Logic: customer_journey.ml.prediction."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml.prediction import predictions_table
from customer_journey.ml.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    relation = dbt.ref("dim_customer_features")

    def load_features(columns):
        # only the columns the champion uses leave the warehouse
        frame = to_pandas(relation, sorted({"customer_id", "as_of_date", "orders_lifetime", *columns}))
        # churn is defined for customers who have ordered: score only them
        return frame[frame.orders_lifetime > 0]

    registry = to_pandas(dbt.ref("model_registry"))
    return predictions_table(registry, load_features, "churn", dict(dbt.config.get("risk_tiers")))
