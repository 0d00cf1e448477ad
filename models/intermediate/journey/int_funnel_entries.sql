{{ config(materialized='table') }}

{#
    One row per funnel x person x step entered, for every funnel rpt_funnel
    reports: the journey-stage funnel ('journey_stages') and the event funnels
    of seeds/funnels.csv. Doc block int_funnel_entries.
#}

with

stage_entries as (
    select * from {{ ref('int_funnel_stage_entries') }}
),

event_entries as (
    select * from {{ ref('int_funnel_event_entries') }}
),

stages as (
    select max(stage_order) as last_stage_order from {{ ref('journey_stages') }}
),

final as (
    select
        'journey_stages' as funnel_name,
        stage_entries.person_id,
        stage_entries.customer_id,
        stage_entries.journey_stage as funnel_step,
        stage_entries.first_touch_channel,
        stage_entries.first_device,
        stage_entries.cohort_month,
        stage_entries.stage_order as step_order,
        stage_entries.stage_order = stages.last_stage_order as is_last_step,
        stage_entries.hours_to_convert,
        stage_entries.is_converted,
        stage_entries.entered_at,
        stage_entries.next_stage_at as next_step_at
    from stage_entries
    cross join stages
    union all
    select
        funnel_name,
        person_id,
        customer_id,
        funnel_step,
        first_touch_channel,
        first_device,
        cohort_month,
        step_order,
        is_last_step,
        hours_to_convert,
        is_converted,
        entered_at,
        next_step_at
    from event_entries
)

select * from final
