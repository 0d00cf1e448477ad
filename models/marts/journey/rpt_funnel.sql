{#
    One row per (period, stage, dimension, dimension value): people who
    entered the stage, how many converted to the next one (strictly ordered,
    within var funnel_conversion_window_days; see int_funnel_steps), the
    conversion rate, the drop-off, and the median and 90th-percentile hours
    to convert. Period is the month people were first seen ('all' for every
    month together). Dimensions: all, first-touch channel, first device,
    customer segment (current; '(no segment)' for anonymous visitors), and
    acquisition cohort month (first seen), the last with period 'all' only.
#}

{%- set breakdowns = [
    ('all', "'all'"),
    ('channel', 'first_touch_channel'),
    ('device', 'first_device'),
    ('segment', "coalesce(segment_name, '(no segment)')"),
] -%}

with

steps as (
    select * from {{ ref('int_funnel_steps') }}
),

milestones as (
    select * from {{ ref('int_person_milestones') }}
),

stages as (
    select * from {{ ref('journey_stages') }}
),

segments as (
    select
        customer_id,
        segment_name
    from {{ ref('customer_segments') }}
),

last_stage as (
    select max(stage_order) as last_stage_order from stages
),

stage_rows as (
    select
        person_id,
        'awareness' as journey_stage,
        awareness_at as entered_at,
        consideration_at as next_stage_at
    from steps
    union all
    select
        person_id,
        'consideration' as journey_stage,
        consideration_at as entered_at,
        purchase_at as next_stage_at
    from steps
    union all
    select
        person_id,
        'purchase' as journey_stage,
        purchase_at as entered_at,
        retention_at as next_stage_at
    from steps
    union all
    select
        person_id,
        'retention' as journey_stage,
        retention_at as entered_at,
        advocacy_at as next_stage_at
    from steps
    union all
    select
        person_id,
        'advocacy' as journey_stage,
        advocacy_at as entered_at,
        cast(null as {{ dbt.type_timestamp() }}) as next_stage_at
    from steps
),

entered as (
    select
        stage_rows.person_id,
        stage_rows.journey_stage,
        stages.stage_order,
        milestones.first_touch_channel,
        milestones.first_device,
        segments.segment_name,
        cast(cast({{ dbt.date_trunc('month', 'milestones.first_seen_at') }} as date) as {{ dbt.type_string() }}) as cohort_month,
        stage_rows.next_stage_at is not null as is_converted,
        case
            when stage_rows.next_stage_at is not null
                then {{ dbt.datediff('stage_rows.entered_at', 'stage_rows.next_stage_at', 'second') }} / 3600.0
        end as hours_to_convert
    from stage_rows
    inner join milestones
        on stage_rows.person_id = milestones.person_id
    inner join stages
        on stage_rows.journey_stage = stages.journey_stage
    left join segments
        on milestones.customer_id = segments.customer_id
    where stage_rows.entered_at is not null
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
        from entered
        union all
        select
            cohort_month as period,
            '{{ dimension }}' as dimension,
            cast({{ expression }} as {{ dbt.type_string() }}) as dimension_value,
            journey_stage,
            stage_order,
            is_converted,
            hours_to_convert
        from entered
        union all
    {% endfor %}
    select
        'all' as period,
        'acquisition_cohort_month' as dimension,
        cohort_month as dimension_value,
        journey_stage,
        stage_order,
        is_converted,
        hours_to_convert
    from entered
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

select * from final
