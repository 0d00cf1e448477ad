"""One row per customer: segment id and name, the method that made it (K-means, or the rule-based
fallback when segmentation_k_selection refused), distance to its centroid, the second-nearest
segment, and the segment it had in the previous build (ids are kept across builds by matching
centroids). Logic: customer_journey.ml.segmentation."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml.plots import segment_profile_plot
from customer_journey.ml.segmentation import PROFILE_COLUMNS, segment_customers, selection_features
from customer_journey.ml.warehouse_io import read_stored, to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    selection = to_pandas(dbt.ref("segmentation_k_selection"))
    features = selection_features(selection, list(dbt.config.get("features")))
    result = segment_customers(
        scaled=to_pandas(dbt.ref("customer_features_scaled"), ["customer_id", "as_of_date", *features]),
        profiles=to_pandas(dbt.ref("dim_customer_features"), ["customer_id", "as_of_date", *PROFILE_COLUMNS]),
        selection=selection,
        features=features,
        previous=read_stored(session, dbt.this),
        random_state=int(dbt.config.get("random_state")),
        minibatch_threshold=int(dbt.config.get("minibatch_threshold")),
    )
    segment_profile_plot(result.profile)
    return result.table
