{#
    One row per customer x period grain (week, month) x period, from the customer's first active
    period to the data's last, except churned periods beyond var lifecycle_churned_periods_kept in
    a row: their lifecycle state and activity.
    Method: doc block fct_customer_lifecycle (_lifecycle__docs.md).
#}

{#- after an active period, the periods that get a row until the next active one: the dormant
    period and the churned ones kept (at most the 2048 periods int_lifecycle_periods can hold) -#}
{%- set inactive_periods_kept = [1 + lifecycle_churned_periods_kept(), 2047] | min -%}

with

active_days as (
    select * from {{ ref('int_customer_active_days') }}
),

periods as (
    select * from {{ ref('int_lifecycle_periods') }}
),

period_activity as (
    {% for grain in lifecycle_period_grains() %}
        select
            customer_id,
            '{{ grain }}' as period_grain,
            count(case when is_active then 1 end) as active_days,
            cast(sum(event_count) as {{ dbt.type_bigint() }}) as event_count,
            cast(sum(order_count) as {{ dbt.type_bigint() }}) as order_count,
            sum(revenue_amount) as revenue_amount,
            {{ lifecycle_period_start(grain, 'activity_date') }} as period_start
        from active_days
        group by 1, 2, {{ lifecycle_period_start(grain, 'activity_date') }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

numbered_activity as (
    select
        period_activity.customer_id,
        period_activity.period_grain,
        periods.period_number,
        period_activity.active_days,
        period_activity.event_count,
        period_activity.order_count,
        period_activity.revenue_amount
    from period_activity
    inner join periods
        on
            period_activity.period_grain = periods.period_grain
            and period_activity.period_start = periods.period_start
),

{# the customer's active periods, each with the active periods before and after it #}
active_periods as (
    select
        customer_id,
        period_grain,
        period_number,
        min(period_number) over (partition by customer_id, period_grain) as first_active_number,
        lag(period_number) over (
            partition by customer_id, period_grain order by period_number
        ) as previous_active_number,
        lead(period_number) over (
            partition by customer_id, period_grain order by period_number
        ) as next_active_number
    from numbered_activity
    where active_days > 0
),

active_states as (
    select
        *,
        {{ lifecycle_state(
            is_first_period='previous_active_number is null',
            is_active='1 = 1',
            was_active_previous_period='period_number - previous_active_number = 1',
        ) }} as lifecycle_state
    from active_periods
),

active_runs as (
    select
        *,
        lag(lifecycle_state) over (
            partition by customer_id, period_grain order by period_number
        ) as previous_active_state
    from active_states
),

periods_after_active as (
    select generated_number - 1 as periods_after_active
    from ({{ dbt.generate_series(inactive_periods_kept + 1) }}) as series
),

{# each active period (periods_after_active 0) and the inactive ones after it, up to the next
   active period and at most inactive_periods_kept of them; periods past the data's last one
   drop out in the join with periods below #}
customer_periods as (
    select
        active_runs.customer_id,
        active_runs.period_grain,
        active_runs.period_number + periods_after_active.periods_after_active as period_number,
        active_runs.period_number + periods_after_active.periods_after_active
        - active_runs.first_active_number as periods_since_first_active,
        {# periods since the last active period before this one; null before the first #}
        case
            when periods_after_active.periods_after_active = 0
                then active_runs.period_number - active_runs.previous_active_number
            else periods_after_active.periods_after_active
        end as periods_since_active,
        {# the state of that last active period #}
        case
            when periods_after_active.periods_after_active = 0 then active_runs.previous_active_state
            else active_runs.lifecycle_state
        end as last_active_state,
        periods_after_active.periods_after_active = 0 as is_active
    from active_runs
    cross join periods_after_active
    where
        periods_after_active.periods_after_active = 0
        or active_runs.next_active_number is null
        or active_runs.period_number + periods_after_active.periods_after_active < active_runs.next_active_number
),

states as (
    select
        customer_periods.customer_id,
        customer_periods.period_grain,
        {{ lifecycle_state(
            is_first_period='customer_periods.periods_since_active is null',
            is_active='customer_periods.is_active',
            was_active_previous_period='customer_periods.periods_since_active = 1',
        ) }} as lifecycle_state,
        case
            when customer_periods.periods_since_active is null then '(none)'
            when customer_periods.periods_since_active = 1 then customer_periods.last_active_state
            when customer_periods.periods_since_active = 2 then 'dormant'
            else 'churned'
        end as previous_lifecycle_state,
        customer_periods.periods_since_first_active,
        coalesce(numbered_activity.active_days, 0) as active_days,
        coalesce(numbered_activity.event_count, 0) as event_count,
        coalesce(numbered_activity.order_count, 0) as order_count,
        coalesce(numbered_activity.revenue_amount, 0) as revenue_amount,
        customer_periods.is_active,
        periods.is_partial_period,
        periods.period_start,
        periods.period_end
    from customer_periods
    inner join periods
        on
            customer_periods.period_grain = periods.period_grain
            and customer_periods.period_number = periods.period_number
    left join numbered_activity
        on
            customer_periods.customer_id = numbered_activity.customer_id
            and customer_periods.period_grain = numbered_activity.period_grain
            and customer_periods.period_number = numbered_activity.period_number
),

final as (
    select
        customer_id,
        period_grain,
        lifecycle_state,
        previous_lifecycle_state,
        cast(periods_since_first_active as {{ dbt.type_bigint() }}) as periods_since_first_active,
        active_days,
        event_count,
        order_count,
        revenue_amount,
        is_active,
        is_partial_period,
        period_start,
        period_end
    from states
)

select * from final
