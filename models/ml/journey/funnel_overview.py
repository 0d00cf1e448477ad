"""One row per journey stage over the whole history: persons who entered it, converted to the next,
the step conversion and its range across first-touch channels, and the share of the first stage's
persons who got this far. Draws the funnel chart shown in dbt docs. Logic: customer_journey.ml.funnel."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml.funnel import funnel_overview
from customer_journey.ml.plots import funnel_plot
from customer_journey.ml.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    table = funnel_overview(to_pandas(dbt.ref("rpt_funnel")))
    funnel_plot(table)
    return table
