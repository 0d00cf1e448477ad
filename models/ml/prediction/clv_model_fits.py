"""One row per fit of the customer-lifetime-value models (calibration: the days before the holdout;
all_data: everything): whether the BG/NBD purchase model and the Gamma-Gamma order-value model
fitted, refused (too few repeat buyers, no prices, no holdout) or failed (no convergence, parameters
at a bound), why, and the parameters. Logic: customer_journey.ml.clv."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml import clv
from customer_journey.ml.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    settings = clv.ClvSettings(
        min_repeat_buyers=int(dbt.config.get("min_repeat_buyers")),
        horizon_days=int(dbt.config.get("horizon_days")),
    )
    histories = to_pandas(dbt.ref("int_customer_purchase_histories"), list(clv.HISTORY_COLUMNS))
    return clv.fit_table(histories, settings)
