"""One row per target (churn, purchase): what the latest build did (trained, kept_champion, skipped,
failed) and why, the label counts, training and validation rows, the time anchors the labels used, the
best candidate and baseline of that build, and the current champion (null when there is none; the
warn-level test on has_champion prints the reason). Logic: customer_journey.ml.registry."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml.registry import training_status_table
from customer_journey.ml.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    return training_status_table(to_pandas(dbt.ref("model_registry")))
