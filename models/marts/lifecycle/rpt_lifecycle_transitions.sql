{#
    One row per period grain x period x (from state, to state) pair: customers who moved from
    their state in the previous period to their state in this one.
    Method: doc block rpt_lifecycle_transitions (_lifecycle__docs.md).
#}

with

lifecycle as (
    select * from {{ ref('fct_customer_lifecycle') }}
),

periods as (
    select * from {{ ref('int_lifecycle_periods') }}
),

state_counts as (
    select * from {{ ref('rpt_lifecycle') }}
),

possible_transitions as (
    {% for from_state, to_state in lifecycle_transitions() %}
        select
            '{{ from_state }}' as from_state,
            '{{ to_state }}' as to_state
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

{# the fact keeps only the first churned periods of a lapse (var lifecycle_churned_periods_kept):
   moves into churned are counted below, every other move is a row of the fact #}
transitions as (
    select
        period_grain,
        period_start,
        previous_lifecycle_state as from_state,
        lifecycle_state as to_state,
        count(*) as customer_count
    from lifecycle
    where lifecycle_state <> 'churned'
    group by 1, 2, 3, 4
),

previous_state_counts as (
    select
        period_grain,
        period_start,
        lag(dormant_customers) over (partition by period_grain order by period_start) as dormant_customers,
        lag(churned_customers) over (partition by period_grain order by period_start) as churned_customers
    from state_counts
),

grid as (
    select
        periods.period_grain,
        possible_transitions.from_state,
        possible_transitions.to_state,
        coalesce(transitions.customer_count, 0) as observed_customers,
        case possible_transitions.from_state
            when 'dormant' then coalesce(previous_state_counts.dormant_customers, 0)
            when 'churned' then coalesce(previous_state_counts.churned_customers, 0)
        end as previous_state_customers,
        periods.is_partial_period,
        periods.period_start
    from periods
    cross join possible_transitions
    left join transitions
        on
            periods.period_grain = transitions.period_grain
            and periods.period_start = transitions.period_start
            and possible_transitions.from_state = transitions.from_state
            and possible_transitions.to_state = transitions.to_state
    left join previous_state_counts
        on
            periods.period_grain = previous_state_counts.period_grain
            and periods.period_start = previous_state_counts.period_start
),

{# a dormant or churned customer either comes back (resurrected, a row of the fact) or is churned
   in this period: those of the previous period's state who did not come back #}
counted as (
    select
        period_grain,
        from_state,
        to_state,
        cast(case
            when to_state = 'churned'
                then previous_state_customers - sum(
                    case when to_state = 'resurrected' then observed_customers else 0 end
                ) over (partition by period_grain, period_start, from_state)
            else observed_customers
        end as {{ dbt.type_bigint() }}) as customer_count,
        is_partial_period,
        period_start
    from grid
),

final as (
    select
        period_grain,
        from_state,
        to_state,
        customer_count,
        cast(
            sum(customer_count) over (partition by period_grain, period_start, from_state) as {{ dbt.type_bigint() }}
        ) as from_state_customers,
        {{ safe_divide(
            'customer_count',
            'sum(customer_count) over (partition by period_grain, period_start, from_state)'
        ) }} as transition_rate,
        is_partial_period,
        period_start
    from counted
)

select * from final
