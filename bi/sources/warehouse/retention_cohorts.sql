-- one row per first-purchase cohort month x months since (marts.rpt_retention_cohorts)
select
    cohort_month,
    strftime(cohort_month, '%Y-%m') as cohort,
    months_since_first_purchase,
    cohort_customers,
    active_customers,
    retention_rate,
    revenue_amount,
    cumulative_revenue_per_customer
from marts.rpt_retention_cohorts
