"""One row per build (incremental, appended): the status ('ok', or 'refused' with its reason when
customer_segments holds the rule-based fallback), the data's as-of date, the features clustered
and those dropped with their reasons, k and how it was chosen, its metrics, customers who moved
segment since the previous build, and the agreement (adjusted Rand index) with the previous build
and with Ward hierarchical clustering on a sample. Logic: customer_journey.ml.segmentation."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml.segmentation import segmentation_run
from customer_journey.ml.warehouse_io import to_pandas


def model(dbt, session):
    # columns added by a later release are appended to a table built before it
    dbt.config(materialized="incremental", on_schema_change="append_new_columns")
    features = list(dbt.config.get("features"))
    return segmentation_run(
        segments=to_pandas(dbt.ref("customer_segments")),
        scaled=to_pandas(dbt.ref("customer_features_scaled"), ["customer_id", *features]),
        selection=to_pandas(dbt.ref("segmentation_k_selection")),
        features=features,
        random_state=int(dbt.config.get("random_state")),
        minibatch_threshold=int(dbt.config.get("minibatch_threshold")),
    )
