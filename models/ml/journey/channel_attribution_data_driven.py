"""One row per data-driven attribution model ('markov', 'shapley') x channel: the conversions and
revenue credited by Markov-chain removal effects and by Shapley values over the channel paths of
int_channel_paths_counted (aggregated in the warehouse: no session leaves it). Draws the chart of
every model's credits per channel shown in dbt docs. Logic: customer_journey.ml.attribution."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml.attribution import attribution_plot, data_driven_attribution
from customer_journey.ml.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    paths = to_pandas(
        dbt.ref("int_channel_paths_counted"),
        ["channel_path", "conversion_count", "non_conversion_count", "revenue_amount"],
    )
    table = data_driven_attribution(paths, max_channels=int(dbt.config.get("shapley_max_channels")))
    rule_based = to_pandas(dbt.ref("rpt_channel_attribution"), ["attribution_model", "channel", "credited_conversions"])
    attribution_plot(table, rule_based)
    return table
