"""One row per customer with a completed order: predicted purchases and value over the next
var clv_horizon_days (365) days, probability alive and expected order value, from the all_data fit
of clv_model_fits (BG/NBD x Gamma-Gamma), beside the history they rest on. No rows when that fit's
purchase model did not fit; value columns null when its order-value model did not.
Logic: customer_journey.ml.clv."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml import clv
from customer_journey.ml.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    histories = to_pandas(dbt.ref("int_customer_purchase_histories"), list(clv.HISTORY_COLUMNS))
    fits = to_pandas(dbt.ref("clv_model_fits"))
    return clv.lifetime_value_table(histories, fits)
