"""One row per candidate k: inertia, silhouette (on a seeded sample), Calinski-Harabasz,
Davies-Bouldin, which k the elbow and the silhouette pick, and the chosen k with its rule.
The logic is in customer_journey.segmentation."""

from customer_journey.plots import k_selection_plot
from customer_journey.segmentation import k_selection, prepare_matrix
from customer_journey.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    features = list(dbt.config.get("features"))
    # a fixed row order: K-means' seeded initialisation depends on it
    frame = to_pandas(dbt.ref("customer_features_scaled"), ["customer_id", *features])
    frame = frame.sort_values("customer_id").reset_index(drop=True)
    forced = int(dbt.config.get("forced_k") or 0) or None
    selection = k_selection(
        prepare_matrix(frame, features),
        k_min=int(dbt.config.get("k_min")),
        k_max=int(dbt.config.get("k_max")),
        forced_k=forced,
        sample_size=int(dbt.config.get("sample_size")),
        random_state=int(dbt.config.get("random_state")),
        minibatch_threshold=int(dbt.config.get("minibatch_threshold")),
    )
    table = selection.table
    table["customer_count"] = len(frame)
    k_selection_plot(table)
    return table
