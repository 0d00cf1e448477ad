"""One row per candidate k: inertia, silhouette (on a seeded sample), Calinski-Harabasz,
Davies-Bouldin, which k the elbow and the silhouette pick, and the chosen k with its rule.
The logic is in customer_journey.segmentation.

Choosing k fits K-means for every candidate, the slowest step of segmentation. A build keeps the
stored choice (customer_segments still refits at that k) unless the settings changed, the number of
customers moved by more than 10 %, or the choice is older than var segmentation_reselect_after_days
days of data (0: choose again every build)."""

import pandas as pd

from customer_journey.plots import k_selection_plot
from customer_journey.segmentation import k_selection, prepare_matrix
from customer_journey.warehouse_io import read_stored, to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    features = list(dbt.config.get("features"))
    settings = repr(
        [
            features,
            dbt.config.get("k_min"),
            dbt.config.get("k_max"),
            dbt.config.get("forced_k"),
            dbt.config.get("random_state"),
        ]
    )
    reselect_after = int(dbt.config.get("reselect_after_days"))
    calendar = to_pandas(dbt.ref("int_data_calendar"))
    data_date = pd.Timestamp(calendar["latest_as_of_date"].iloc[0])
    # a fixed row order: K-means' seeded initialisation depends on it
    frame = to_pandas(dbt.ref("customer_features_scaled"), ["customer_id", *features])
    frame = frame.sort_values("customer_id").reset_index(drop=True)

    stored = read_stored(session, dbt.this)
    if stored is not None and len(stored) and {"settings", "data_as_of_date"} <= set(stored.columns):
        same_settings = (stored.settings == settings).all()
        age = (data_date - pd.Timestamp(stored.data_as_of_date.iloc[0])).days
        count = int(stored.customer_count.iloc[0])
        if (
            same_settings
            and reselect_after > 0
            and 0 <= age < reselect_after
            and abs(len(frame) - count) <= 0.1 * count
        ):
            return stored

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
    table["data_as_of_date"] = data_date.date()
    table["settings"] = settings
    k_selection_plot(table)
    return table
