{#
    The aggregation behind the funnel reports: from a CTE of funnel entries
    (int_funnel_entries' columns plus any breakdown column), one row per
    (funnel, period, step, dimension, dimension value) with entered /
    converted / dropped counts, the conversion rate (null on a funnel's last
    step) and hours-to-convert percentiles. Period is 'all' and each cohort
    month; with acquisition_cohort=true an 'acquisition_cohort_month'
    dimension is added for period 'all'. Expands to two CTEs, `sliced` and
    `final`.
#}
{% macro funnel_rates(entries, breakdowns, acquisition_cohort=false) %}
sliced as (
    {% for dimension, expression in breakdowns %}
        select
            funnel_name,
            'all' as period,
            '{{ dimension }}' as dimension,
            cast({{ expression }} as {{ dbt.type_string() }}) as dimension_value,
            funnel_step,
            step_order,
            is_last_step,
            is_converted,
            hours_to_convert
        from {{ entries }}
        union all
        select
            funnel_name,
            cohort_month as period,
            '{{ dimension }}' as dimension,
            cast({{ expression }} as {{ dbt.type_string() }}) as dimension_value,
            funnel_step,
            step_order,
            is_last_step,
            is_converted,
            hours_to_convert
        from {{ entries }}
        {% if not loop.last or acquisition_cohort %}union all{% endif %}
    {% endfor %}
    {% if acquisition_cohort %}
        select
            funnel_name,
            'all' as period,
            'acquisition_cohort_month' as dimension,
            cohort_month as dimension_value,
            funnel_step,
            step_order,
            is_last_step,
            is_converted,
            hours_to_convert
        from {{ entries }}
    {% endif %}
),

final as (
    select
        sliced.funnel_name,
        sliced.period,
        sliced.funnel_step,
        sliced.dimension,
        coalesce(sliced.dimension_value, '(unknown)') as dimension_value,
        sliced.step_order,
        count(*) as entered_count,
        count(case when sliced.is_converted then 1 end) as converted_count,
        count(*) - count(case when sliced.is_converted then 1 end) as dropped_count,
        {# the last step has nowhere to convert to #}
        case
            when max(case when sliced.is_last_step then 1 else 0 end) = 0
                then cast(count(case when sliced.is_converted then 1 end) as {{ type_double() }}) / count(*)
        end as conversion_rate,
        {{ percentile('sliced.hours_to_convert', 0.5) }} as median_hours_to_convert,
        {{ percentile('sliced.hours_to_convert', 0.9) }} as p90_hours_to_convert
    from sliced
    group by
        sliced.funnel_name,
        sliced.period,
        sliced.funnel_step,
        sliced.dimension,
        coalesce(sliced.dimension_value, '(unknown)'),
        sliced.step_order
)
{% endmacro %}
