"""One row per chart of the journey reports drawn for dbt docs (conversion drivers, paths around
drop-off, lifecycle, stickiness, revenue retention): its file under the assets folder, the report it
shows and the report rows it was drawn from. The SQL reports cannot draw; this model draws them from
their own rows. Logic: customer_journey.ml.journey_charts.report_charts."""

import customer_journey.ml  # noqa: F401  (first: loads scikit-learn once, see the package)
from customer_journey.ml.journey_charts import report_charts
from customer_journey.ml.warehouse_io import to_pandas


def model(dbt, session):
    dbt.config(materialized="table")
    return report_charts(
        {
            "rpt_conversion_drivers": to_pandas(dbt.ref("rpt_conversion_drivers")),
            "rpt_dropoff_paths": to_pandas(dbt.ref("rpt_dropoff_paths")),
            "rpt_lifecycle": to_pandas(dbt.ref("rpt_lifecycle")),
            "rpt_stickiness": to_pandas(dbt.ref("rpt_stickiness")),
            "rpt_revenue_retention": to_pandas(dbt.ref("rpt_revenue_retention")),
        }
    )
