{{ config(materialized='table') }}

{#
    One row per funnel x person x step (int_funnel_step_outcomes) x event inside the step's
    window: what the person did before converting or dropping out. Shared by
    rpt_conversion_drivers and rpt_dropoff_paths (a table: both read it several times).
    Doc block int_funnel_step_events.
#}

with

outcomes as (
    select * from {{ ref('int_funnel_step_outcomes') }}
),

events as (
    select * from {{ ref('int_events_sessionized') }}
),

final as (
    select
        outcomes.funnel_name,
        outcomes.person_id,
        events.event_id,
        events.session_id,
        events.event_type,
        events.event_category,
        events.information_touchpoint,
        events.channel,
        events.device,
        outcomes.step_order,
        cast({{ dbt.datediff('outcomes.window_start_at', 'events.event_at', 'second') }} as {{ type_double() }})
        / 86400 as days_since_window_start,
        outcomes.days_observed,
        events.is_information_seeking,
        outcomes.is_converted,
        outcomes.entered_at,
        events.event_at
    from outcomes
    inner join events
        on
            outcomes.person_id = events.person_id
            and outcomes.window_start_at <= events.event_at
            and outcomes.window_end_at > events.event_at
)

select * from final
