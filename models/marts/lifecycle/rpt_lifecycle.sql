{#
    Growth accounting: one row per period grain (week, month) x period, customers in each
    lifecycle state and the ratios between them. Method: doc block rpt_lifecycle (_lifecycle__docs.md).
#}

with

lifecycle as (
    select * from {{ ref('fct_customer_lifecycle') }}
),

periods as (
    select * from {{ ref('int_lifecycle_periods') }}
),

state_counts as (
    select
        period_grain,
        period_start,
        count(case when lifecycle_state = 'new' then 1 end) as new_customers,
        count(case when lifecycle_state = 'returning' then 1 end) as returning_customers,
        count(case when lifecycle_state = 'resurrected' then 1 end) as resurrected_customers,
        count(case when lifecycle_state = 'dormant' then 1 end) as dormant_customers
    from lifecycle
    group by 1, 2
),

counts as (
    select
        periods.period_grain,
        coalesce(state_counts.new_customers, 0) as new_customers,
        coalesce(state_counts.returning_customers, 0) as returning_customers,
        coalesce(state_counts.resurrected_customers, 0) as resurrected_customers,
        coalesce(state_counts.dormant_customers, 0) as dormant_customers,
        periods.observed_days,
        periods.is_partial_period,
        periods.period_start,
        periods.period_end
    from periods
    left join state_counts
        on
            periods.period_grain = state_counts.period_grain
            and periods.period_start = state_counts.period_start
),

{# fct_customer_lifecycle keeps only the first churned periods of a lapse (var
   lifecycle_churned_periods_kept): the known customers are every customer first active by the
   period (the new ones so far), and the churned ones those known neither active nor dormant #}
known as (
    select
        *,
        cast(sum(new_customers) over (
            partition by period_grain order by period_start rows between unbounded preceding and current row
        ) as {{ dbt.type_bigint() }}) as known_customers
    from counts
),

final as (
    select
        period_grain,
        new_customers,
        returning_customers,
        resurrected_customers,
        dormant_customers,
        known_customers - new_customers - returning_customers - resurrected_customers - dormant_customers
            as churned_customers,
        new_customers + returning_customers + resurrected_customers as active_customers,
        returning_customers + dormant_customers as previous_active_customers,
        known_customers,
        new_customers + resurrected_customers - dormant_customers as net_active_change,
        {{ safe_divide('new_customers + resurrected_customers', 'dormant_customers') }} as quick_ratio,
        {{ safe_divide('returning_customers', 'returning_customers + dormant_customers') }} as period_retention_rate,
        observed_days,
        is_partial_period,
        period_start,
        period_end
    from known
)

select * from final
