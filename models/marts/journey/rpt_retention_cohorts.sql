{#
    One row per first-purchase cohort month x months since: retention and cumulative revenue.
    Doc block rpt_retention_cohorts (_journey__docs.md).
#}

with

orders as (
    select * from {{ ref('int_orders_cleaned') }}
    where order_status <> 'cancelled'
),

first_orders as (
    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'min(ordered_at)') }} as date) as cohort_month
    from orders
    group by 1
),

cohorts as (
    select
        cohort_month,
        count(*) as cohort_customers
    from first_orders
    group by 1
),

activity as (
    select
        first_orders.cohort_month,
        {{ dbt.datediff('first_orders.cohort_month', dbt.date_trunc('month', 'orders.ordered_at'), 'month') }} as months_since_first_purchase,
        count(distinct orders.customer_id) as active_customers,
        sum(case when orders.is_completed then orders.order_amount else 0 end) as revenue_amount
    from orders
    inner join first_orders
        on orders.customer_id = first_orders.customer_id
    group by 1, 2
),

last_month as (
    select cast({{ dbt.date_trunc('month', 'max(ordered_at)') }} as date) as last_order_month
    from orders
),

month_numbers as (
    select generated_number - 1 as months_since_first_purchase
    from ({{ dbt.generate_series(var('cohort_max_months') + 1) }}) as series
),

grid_months as (
    select
        cohorts.cohort_month,
        cohorts.cohort_customers,
        month_numbers.months_since_first_purchase,
        {{ dbt.dateadd('month', 'month_numbers.months_since_first_purchase', 'cohorts.cohort_month') }} as calendar_month
    from cohorts
    cross join month_numbers
),

grid as (
    select
        grid_months.cohort_month,
        grid_months.cohort_customers,
        grid_months.months_since_first_purchase
    from grid_months
    cross join last_month
    where grid_months.calendar_month <= last_month.last_order_month
),

final as (
    select
        grid.cohort_month,
        grid.months_since_first_purchase,
        grid.cohort_customers,
        coalesce(activity.active_customers, 0) as active_customers,
        cast(coalesce(activity.active_customers, 0) as {{ type_double() }}) / grid.cohort_customers as retention_rate,
        coalesce(activity.revenue_amount, 0) as revenue_amount,
        sum(coalesce(activity.revenue_amount, 0)) over (
            partition by grid.cohort_month
            order by grid.months_since_first_purchase
            rows between unbounded preceding and current row
        ) / grid.cohort_customers as cumulative_revenue_per_customer
    from grid
    left join activity
        on
            grid.cohort_month = activity.cohort_month
            and grid.months_since_first_purchase = activity.months_since_first_purchase
)

select * from final
