"""One row per customer feature: information gain, mutual information, fill rate, correlation
cluster, rank and whether the prediction models use it. The logic is in
customer_journey.feature_selection; this file only reads, calls and returns."""

from customer_journey.feature_selection import SelectionConfig, feature_importance_table
from customer_journey.plots import feature_overview_plot
from customer_journey.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    config = SelectionConfig(
        top_k=int(dbt.config.get("top_k", 20)),
        min_mutual_information=float(dbt.config.get("min_mutual_information", 0.001)),
    )
    snapshots = to_pandas(dbt.ref("customer_feature_snapshots"))
    ranked = feature_importance_table(snapshots, to_pandas(dbt.ref("customer_labels")), config)
    latest = snapshots[snapshots.as_of_date == snapshots.as_of_date.max()]
    feature_overview_plot(latest, ranked)
    return ranked
