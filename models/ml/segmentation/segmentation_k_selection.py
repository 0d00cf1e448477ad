"""One row per candidate k: inertia, silhouette, Calinski-Harabasz, Davies-Bouldin, populated
clusters, the elbow and silhouette picks, and the chosen k with its rule; the status ('ok' or
'refused' with its reason), the features clustered and those dropped with their reasons. Kept from
the last build unless the settings or the informative features changed, the customer count moved
by more than 10 % or the choice is older than var segmentation_reselect_after_days days; a refusal
is examined again every build. Logic: customer_journey.ml.segmentation."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml.plots import k_selection_plot
from customer_journey.ml.segmentation import KSelectionSettings, choose_k
from customer_journey.ml.warehouse_io import read_stored, to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    settings = KSelectionSettings(
        features=list(dbt.config.get("features")),
        k_min=int(dbt.config.get("k_min")),
        k_max=int(dbt.config.get("k_max")),
        forced_k=dbt.config.get("forced_k"),
        random_state=int(dbt.config.get("random_state")),
        sample_size=int(dbt.config.get("sample_size")),
        minibatch_threshold=int(dbt.config.get("minibatch_threshold")),
        min_customers=int(dbt.config.get("min_customers")),
    )
    calendar = to_pandas(dbt.ref("int_data_calendar"))
    data_date = calendar["latest_as_of_date"].iloc[0]
    columns = ["customer_id", *settings.features]
    scaled = to_pandas(dbt.ref("customer_features_scaled"), columns)
    raw = to_pandas(dbt.ref("dim_customer_features"), columns)
    scaling = to_pandas(dbt.ref("feature_scaling_params"))
    # read after the refs: on a first build read_stored leaves its existence check's result open
    stored = read_stored(session, dbt.this)
    table, reselected = choose_k(
        scaled, settings, data_date, stored, int(dbt.config.get("reselect_after_days")), raw=raw, scaling=scaling
    )
    if reselected:
        k_selection_plot(table)
    return table
