"""One row per build (incremental, appended): when, the data's as-of date, the features, k and
how it was chosen, the algorithm, its metrics, how many customers moved segment since the
previous build, and its agreement (adjusted Rand index) with the previous build and with Ward
hierarchical clustering on a sample."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from customer_journey.segmentation import hierarchical_agreement, prepare_matrix
from customer_journey.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="incremental")
    features = list(dbt.config.get("features"))
    random_state = int(dbt.config.get("random_state"))
    minibatch_threshold = int(dbt.config.get("minibatch_threshold"))
    segments = to_pandas(dbt.ref("customer_segments")).sort_values("customer_id").reset_index(drop=True)
    scaled = to_pandas(dbt.ref("customer_features_scaled"), ["customer_id", *features])
    scaled = scaled.set_index("customer_id").loc[segments.customer_id].reset_index()
    selection = to_pandas(dbt.ref("segmentation_k_selection"))
    chosen = selection[selection.is_chosen].iloc[0]
    k = int(chosen.k)
    X = prepare_matrix(scaled, features)
    had_previous = segments.previous_segment_id.notna()
    moved = int((segments.previous_segment_id[had_previous] != segments.segment_id[had_previous]).sum())
    previous_ari = (
        float(adjusted_rand_score(segments.previous_segment_id[had_previous], segments.segment_id[had_previous]))
        if had_previous.any()
        else np.nan
    )
    minibatch = len(X) > minibatch_threshold
    return pd.DataFrame(
        [
            {
                "run_at": datetime.now(UTC).replace(tzinfo=None),
                "as_of_date": segments.as_of_date.max(),
                "feature_list": ", ".join(features),
                "customer_count": len(segments),
                "k": k,
                "k_rule": chosen.rule,
                "algorithm": "MiniBatchKMeans" if minibatch else "KMeans",
                "inertia": float(chosen.inertia),
                "silhouette": float(chosen.silhouette),
                "calinski_harabasz": float(chosen.calinski_harabasz),
                "davies_bouldin": float(chosen.davies_bouldin),
                "customers_compared_with_previous": int(had_previous.sum()),
                "customers_moved_segment": moved,
                "adjusted_rand_vs_previous": previous_ari,
                "adjusted_rand_vs_hierarchical": hierarchical_agreement(
                    X, segments.segment_id.to_numpy(), k, random_state=random_state
                ),
            }
        ]
    )
