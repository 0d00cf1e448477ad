{#- The funnel aggregation: CTEs last_stage, sliced and final over a CTE of stage entries. -#}
{% macro funnel_rates(entries, breakdowns, stages, acquisition_cohort=false) %}
last_stage as (
    select max(stage_order) as last_stage_order from {{ stages }}
),

sliced as (
    {% for dimension, expression in breakdowns %}
        select
            'all' as period,
            '{{ dimension }}' as dimension,
            cast({{ expression }} as {{ dbt.type_string() }}) as dimension_value,
            journey_stage,
            stage_order,
            is_converted,
            hours_to_convert
        from {{ entries }}
        union all
        select
            cohort_month as period,
            '{{ dimension }}' as dimension,
            cast({{ expression }} as {{ dbt.type_string() }}) as dimension_value,
            journey_stage,
            stage_order,
            is_converted,
            hours_to_convert
        from {{ entries }}
        {% if not loop.last or acquisition_cohort %}union all{% endif %}
    {% endfor %}
    {% if acquisition_cohort %}
        select
            'all' as period,
            'acquisition_cohort_month' as dimension,
            cohort_month as dimension_value,
            journey_stage,
            stage_order,
            is_converted,
            hours_to_convert
        from {{ entries }}
    {% endif %}
),

final as (
    select
        sliced.period,
        sliced.journey_stage,
        sliced.dimension,
        coalesce(sliced.dimension_value, '(unknown)') as dimension_value,
        sliced.stage_order,
        count(*) as entered_count,
        count(case when sliced.is_converted then 1 end) as converted_count,
        count(*) - count(case when sliced.is_converted then 1 end) as dropped_count,
        {# the last stage has nowhere to convert to #}
        case
            when sliced.stage_order < max(last_stage.last_stage_order)
                then cast(count(case when sliced.is_converted then 1 end) as {{ type_double() }}) / count(*)
        end as conversion_rate,
        {{ percentile('sliced.hours_to_convert', 0.5) }} as median_hours_to_convert,
        {{ percentile('sliced.hours_to_convert', 0.9) }} as p90_hours_to_convert
    from sliced
    cross join last_stage
    group by
        sliced.period,
        sliced.journey_stage,
        sliced.dimension,
        coalesce(sliced.dimension_value, '(unknown)'),
        sliced.stage_order
)
{% endmacro %}
