"""One row per customer: segment id and name, distance to its centroid, the second-nearest segment,
and the segment it had in the previous build. Ids are kept across builds by matching centroids
to the previous run's segments. The logic is in customer_journey.segmentation."""

import numpy as np
import pandas as pd

from customer_journey.plots import segment_profile_plot
from customer_journey.segmentation import (
    distances,
    distinguishing_features,
    fit_kmeans,
    match_previous,
    name_segments,
    prepare_matrix,
)
from customer_journey.warehouse_io import read_stored, to_pandas

PROFILE_COLUMNS = ["orders_365d", "revenue_365d", "recency_days", "tenure_days", "sessions_30d", "discount_share"]


def _previous(session, this) -> pd.DataFrame | None:
    stored = read_stored(session, this)
    return None if stored is None else stored[["customer_id", "segment_id"]]


def model(dbt, session):
    dbt.config(materialized="table")
    features = list(dbt.config.get("features"))
    scaled = to_pandas(dbt.ref("customer_features_scaled"), ["customer_id", "as_of_date", *features])
    scaled = scaled.sort_values("customer_id").reset_index(drop=True)
    original = to_pandas(dbt.ref("customer_features"), ["customer_id", *PROFILE_COLUMNS]).set_index("customer_id")
    selection = to_pandas(dbt.ref("segmentation_k_selection"))
    k = int(selection.loc[selection.is_chosen, "k"].iloc[0])

    X = prepare_matrix(scaled, features)
    labels, centroids = fit_kmeans(
        X,
        k,
        random_state=int(dbt.config.get("random_state")),
        minibatch_threshold=int(dbt.config.get("minibatch_threshold")),
    )
    previous = _previous(session, dbt.this)
    previous_ids = None
    if previous is not None:
        previous_ids = (
            scaled[["customer_id"]]
            .merge(previous, on="customer_id", how="left")
            .segment_id.fillna(-1)
            .astype(int)
            .to_numpy()
        )
    ids = match_previous(centroids, X, previous_ids)

    d = distances(X, centroids)
    order = np.argsort(d, axis=1)
    rows = np.arange(len(X))
    out = pd.DataFrame(
        {
            "customer_id": scaled.customer_id,
            "segment_id": ids[labels],
            "distance_to_centroid": d[rows, order[:, 0]],
            "second_nearest_segment_id": ids[order[:, 1]] if k > 1 else ids[order[:, 0]],
            "distance_to_second_nearest": d[rows, order[:, 1]] if k > 1 else np.nan,
            "previous_segment_id": pd.array(
                np.where(previous_ids >= 0, previous_ids, 0) if previous_ids is not None else np.zeros(len(X), int),
                dtype="Int64",
            ),
            "as_of_date": scaled.as_of_date,
        }
    )
    if previous_ids is None:
        out["previous_segment_id"] = pd.array([None] * len(out), dtype="Int64")
    else:
        out.loc[previous_ids < 0, "previous_segment_id"] = pd.NA

    # names from the profile in original units
    joined = original.loc[out.customer_id].reset_index(drop=True)
    joined["segment_id"] = out.segment_id.to_numpy()
    profile = joined.groupby("segment_id")[PROFILE_COLUMNS].mean()
    profile["customer_count"] = joined.groupby("segment_id").size()
    overall = joined[PROFILE_COLUMNS].mean()
    overall["median_tenure_days"] = joined.tenure_days.median()
    overall["buyers_recency_days"] = joined.loc[joined.orders_365d > 0, "recency_days"].mean()
    centroids_scaled = pd.DataFrame(centroids, columns=features, index=ids)
    top = distinguishing_features(centroids_scaled)
    names = name_segments(profile, overall, top)
    out.insert(2, "segment_name", out.segment_id.map(names))
    out.insert(3, "segment_top_features", out.segment_id.map(lambda s: ", ".join(top[int(s)])))
    out["segment_count"] = k
    segment_profile_plot(
        profile.drop(columns="customer_count").rename(index=names).rename_axis("segment_name").reset_index()
    )
    return out
