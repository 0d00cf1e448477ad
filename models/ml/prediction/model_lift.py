"""One row per champion model and score decile on its validation rows (1 = highest scores): rows,
positives, rate, lift over the base rate, cumulative gain; and the reliability of its calibrated
probabilities (`kind` = 'lift' or 'reliability'). Logic: customer_journey.ml.registry."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml.registry import model_lift_table
from customer_journey.ml.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    return model_lift_table(to_pandas(dbt.ref("model_registry")))
