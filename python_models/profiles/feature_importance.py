"""One row per customer feature: information gain, mutual information, fill rate, correlation
cluster, rank and whether the prediction models use it. The logic is in
customer_journey.feature_selection; this file only reads, calls and returns.

Scoring takes a while on large data and gives the same answer for the same labelled rows, so a
build whose labelled snapshots (features and labels) hash to the stored training_fingerprint keeps
the stored table. The overview plot shows the latest labelled snapshot date."""

from customer_journey.feature_selection import (
    KEYS,
    LABELS,
    SelectionConfig,
    feature_importance_table,
    training_fingerprint,
)
from customer_journey.plots import feature_overview_plot
from customer_journey.warehouse_io import inner_join, read_stored, to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    config = SelectionConfig(
        top_k=int(dbt.config.get("top_k", 20)),
        min_mutual_information=float(dbt.config.get("min_mutual_information", 0.001)),
    )
    # only the labelled snapshots, joined with their labels in the warehouse (at 1M customers
    # reading every snapshot row into pandas took 6.5 GiB)
    rows = to_pandas(
        inner_join(
            dbt.ref("customer_feature_snapshots"),
            dbt.ref("customer_labels"),
            list(KEYS),
            list(LABELS),
            where=" or ".join(f"{label} is not null" for label in LABELS),
        )
    )
    fingerprint = training_fingerprint(rows)
    stored = read_stored(session, dbt.this)
    if (
        stored is not None
        and len(stored)
        and "training_fingerprint" in stored
        and (stored.training_fingerprint == fingerprint).all()
    ):
        return stored
    ranked = feature_importance_table(rows, config)
    ranked["training_fingerprint"] = fingerprint
    feature_overview_plot(rows[rows.as_of_date == rows.as_of_date.max()], ranked)
    return ranked
