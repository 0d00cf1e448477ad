{#
    One row per period grain (week, month) x period, from the period of the data's first day to
    the period of its last (int_data_calendar, widened to every active day), with the days the
    data covers in each.
    Described in _lifecycle__models.yml beside it.
#}

{# a table (a few hundred rows): the four lifecycle marts read it, and its bounds come from
   int_data_calendar and int_customer_active_days once, not once per reader #}
{{ config(materialized='table') }}

{#- 2048 periods of each grain: 39 years of weeks, more than the plausible data can span
    (var min_plausible_timestamp, 1990, to now) -#}
{%- set max_periods = 2048 -%}

with

data_calendar as (
    select * from {{ ref('int_data_calendar') }}
),

active_days as (
    select * from {{ ref('int_customer_active_days') }}
),

{# an anonymous event stitched to a customer can precede the first day the calendar knows of
   (it counts days by when activity became known) #}
active_bounds as (
    select
        min(activity_date) as first_active_date,
        max(activity_date) as last_active_date
    from active_days
),

calendar as (
    select
        coalesce(
            least(data_calendar.first_data_date, active_bounds.first_active_date), data_calendar.first_data_date
        ) as first_data_date,
        coalesce(
            greatest(data_calendar.last_data_date, active_bounds.last_active_date), data_calendar.last_data_date
        ) as last_data_date
    from data_calendar
    cross join active_bounds
),

period_numbers as (
    select generated_number - 1 as period_number
    from ({{ dbt.generate_series(max_periods) }}) as series
),

candidates as (
    {% for grain in lifecycle_period_grains() %}
        {%- set first_start = lifecycle_period_start(grain, 'calendar.first_data_date') %}
        select
            '{{ grain }}' as period_grain,
            period_numbers.period_number,
            {% if grain == 'week' -%}
                cast({{ dbt.dateadd('day', '7 * period_numbers.period_number', first_start) }} as date)
            {%- else -%}
                cast({{ dbt.dateadd(grain, 'period_numbers.period_number', first_start) }} as date)
            {%- endif %} as period_start,
            {% if grain == 'week' -%}
                cast({{ dbt.dateadd('day', '7 * period_numbers.period_number + 6', first_start) }} as date)
            {%- else -%}
                cast({{ dbt.dateadd('day', -1, dbt.dateadd(grain, 'period_numbers.period_number + 1', first_start)) }} as date)
            {%- endif %} as period_end,
            calendar.first_data_date,
            calendar.last_data_date
        from period_numbers
        cross join calendar
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

periods as (
    select
        period_grain,
        period_number,
        {{ dbt.datediff('period_start', 'period_end', 'day') }} + 1 as days_in_period,
        {{ dbt.datediff(
            'greatest(period_start, first_data_date)', 'least(period_end, last_data_date)', 'day'
        ) }} + 1 as observed_days,
        period_start,
        period_end
    from candidates
    where period_start <= last_data_date
),

final as (
    select
        period_grain,
        period_number,
        days_in_period,
        observed_days,
        observed_days < days_in_period as is_partial_period,
        period_start,
        period_end
    from periods
)

select * from final
