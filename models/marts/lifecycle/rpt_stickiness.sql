{#
    Stickiness: one row per period grain (week, month) x period x number of active days, the
    customers active that many days and the period's mean (DAU/WAU, DAU/MAU).
    Method: doc block rpt_stickiness (_lifecycle__docs.md).
#}

with

lifecycle as (
    select * from {{ ref('fct_customer_lifecycle') }}
    where is_active
),

periods as (
    select * from {{ ref('int_lifecycle_periods') }}
),

day_numbers as (
    select generated_number as active_days
    from ({{ dbt.generate_series(31) }}) as series
),

distribution as (
    select
        period_grain,
        period_start,
        active_days,
        count(*) as customer_count
    from lifecycle
    group by 1, 2, 3
),

period_summary as (
    select
        period_grain,
        period_start,
        count(*) as active_customers,
        sum(active_days) as active_customer_days,
        {{ percentile('active_days', 0.5) }} as median_active_days
    from lifecycle
    group by 1, 2
),

grid as (
    select
        periods.period_grain,
        day_numbers.active_days,
        coalesce(distribution.customer_count, 0) as customer_count,
        periods.observed_days,
        periods.is_partial_period,
        periods.period_start
    from periods
    inner join day_numbers
        on periods.observed_days >= day_numbers.active_days
    left join distribution
        on
            periods.period_grain = distribution.period_grain
            and periods.period_start = distribution.period_start
            and day_numbers.active_days = distribution.active_days
),

final as (
    select
        grid.period_grain,
        grid.active_days,
        grid.customer_count,
        {{ safe_divide('grid.customer_count', 'period_summary.active_customers') }} as share_of_active_customers,
        {{ safe_divide(
            'sum(grid.customer_count) over (partition by grid.period_grain, grid.period_start '
            ~ 'order by grid.active_days desc rows between unbounded preceding and current row)',
            'period_summary.active_customers'
        ) }} as share_active_at_least,
        coalesce(period_summary.active_customers, 0) as active_customers,
        {{ safe_divide('period_summary.active_customer_days', 'period_summary.active_customers') }} as mean_active_days,
        period_summary.median_active_days,
        {{ safe_divide(
            'period_summary.active_customer_days',
            'period_summary.active_customers * grid.observed_days'
        ) }} as stickiness_ratio,
        grid.observed_days,
        grid.is_partial_period,
        grid.period_start
    from grid
    left join period_summary
        on
            grid.period_grain = period_summary.period_grain
            and grid.period_start = period_summary.period_start
)

select * from final
