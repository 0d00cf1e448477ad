"""One row per (training run, target, model, split): ROC-AUC, PR-AUC, precision, recall and F1 at
the chosen threshold, Brier score, log loss, base rate and rows, from the registry's metrics_json.
Logic: customer_journey.ml.registry."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml.registry import model_metrics_table
from customer_journey.ml.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    return model_metrics_table(to_pandas(dbt.ref("model_registry")))
