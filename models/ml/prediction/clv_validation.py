"""One row per decile of the calibration fit's predicted holdout revenue (1 = highest): predicted
and actual purchases and revenue of those buyers in the holdout, with the cohort's totals and the
correlations on every row; draws assets/clv_validation.png. No rows when the calibration fit's
purchase model did not fit (clv_model_fits says why). Logic: customer_journey.ml.clv."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml import clv
from customer_journey.ml.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    histories = to_pandas(dbt.ref("int_customer_purchase_histories"), list(clv.HISTORY_COLUMNS))
    fits = to_pandas(dbt.ref("clv_model_fits"))
    table = clv.validation_table(histories, fits)
    clv.validation_plot(table, fits)
    return table
