{{ config(materialized='table') }}

{#
    MetricFlow's time spine: one row per day, 2020 to 2030.
    The semantic layer: doc block metricflow_time_spine (_semantic__docs.md).
#}

with

days as (
    {{ dbt.date_spine('day', "cast('2020-01-01' as date)", "cast('2031-01-01' as date)") }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
