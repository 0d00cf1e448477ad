{#
    One row per feature snapshot date (midnight UTC), by the cadence of int_data_calendar
    (vars or derived from the span) or the explicit var feature_snapshot_dates.
#}

{%- set listed = var('feature_snapshot_dates') -%}

with

calendar as (
    select * from {{ ref('int_data_calendar') }}
),

{% if listed | length > 0 %}
candidates as (
    {% for day in listed %}
        select cast({{ sql_literal(day) }} as date) as as_of_date
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),
{% else %}
    steps as (
        select generated_number - 1 as step_number
        from ({{ dbt.generate_series(500) }}) as series
    ),

    candidates as (
        select
            cast({{ dbt.dateadd(
            'day',
            'calendar.snapshot_warmup_days + steps.step_number * calendar.snapshot_every_days',
            'calendar.first_data_date'
        ) }} as date) as as_of_date
        from steps
        cross join calendar
    ),
{% endif %}

final as (
    select candidates.as_of_date
    from candidates
    cross join calendar
    where candidates.as_of_date <= calendar.latest_as_of_date
)

select * from final
