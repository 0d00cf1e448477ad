"""One row per customer feature: the reason it is excluded (constant, near-constant, mostly null),
information gain, mutual information and its permutation baseline, fill rate, correlation
cluster, rank and whether the prediction models use it (and if not, why). Kept from the last
build while the labelled rows hash to its training_fingerprint (computed in the warehouse: a kept
table reads no row) and the selection settings are the stored ones. Logic: customer_journey.ml.features."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml.features import (
    BOOKKEEPING,
    SelectionConfig,
    feature_importance,
    labelled_snapshots,
    latest_snapshot,
)
from customer_journey.ml.plots import feature_overview_plot
from customer_journey.ml.warehouse_io import lazy_pandas, read_stored, relation_fingerprint


def model(dbt, session):
    dbt.config(materialized="table")
    config = SelectionConfig(
        top_k=int(dbt.config.get("top_k", 20)),
        min_mutual_information=float(dbt.config.get("min_mutual_information", 0.001)),
        min_fill_rate=float(dbt.config.get("min_fill_rate", 0.5)),
        max_dominant_share=float(dbt.config.get("max_dominant_share", 0.99)),
        permutation_repeats=int(dbt.config.get("permutation_repeats", 19)),
    )
    labelled = labelled_snapshots(dbt.ref("fct_customer_feature_snapshots"), dbt.ref("fct_customer_labels"))
    rows = lazy_pandas(labelled)  # read only when the stored table is not kept
    table, reused = feature_importance(
        rows,
        config,
        stored=read_stored(session, dbt.this),
        fingerprint=relation_fingerprint(labelled, exclude=BOOKKEEPING),
    )
    if not reused:
        feature_overview_plot(latest_snapshot(rows()), table)
    return table
