{#
    One row per person per journey stage entered, with its strict-funnel conversion:
    what rpt_funnel and ml.segment_funnel aggregate (see its YAML description).
#}

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

final as (
    select
        stage_rows.person_id,
        milestones.customer_id,
        stage_rows.journey_stage,
        milestones.first_touch_channel,
        milestones.first_device,
        cast(cast({{ dbt.date_trunc('month', 'milestones.first_seen_at') }} as date) as {{ dbt.type_string() }}) as cohort_month,
        stages.stage_order,
        case
            when stage_rows.next_stage_at is not null
                then {{ dbt.datediff('stage_rows.entered_at', 'stage_rows.next_stage_at', 'second') }} / 3600.0
        end as hours_to_convert,
        stage_rows.next_stage_at is not null as is_converted,
        stage_rows.entered_at,
        stage_rows.next_stage_at
    from stage_rows
    inner join milestones
        on stage_rows.person_id = milestones.person_id
    inner join stages
        on stage_rows.journey_stage = stages.journey_stage
    where stage_rows.entered_at is not null
)

select * from final
