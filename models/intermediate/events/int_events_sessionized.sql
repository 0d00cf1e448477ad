{{ config(materialized='table') }}

{#
    Stitched events cut into sessions per person: a new session starts after
    var session_timeout_minutes of inactivity, and a session is cut every
    var session_max_hours. Sessions are computed from event times only, so a
    late event that lands inside an existing session joins it.
#}

{%- set timeout_seconds = var('session_timeout_minutes') * 60 -%}
{%- set max_seconds = var('session_max_hours') * 3600 -%}

with

events as (
    select * from {{ ref('int_events_stitched') }}
),

with_previous as (
    select
        *,
        lag(event_at) over (partition by person_id order by event_at, event_id) as previous_event_at
    from events
),

inactivity_sessions as (
    select
        *,
        sum(
            case
                when previous_event_at is null then 1
                when {{ dbt.datediff('previous_event_at', 'event_at', 'second') }} > {{ timeout_seconds }} then 1
                else 0
            end
        ) over (
            partition by person_id
            order by event_at, event_id
            rows between unbounded preceding and current row
        ) as inactivity_session_number
    from with_previous
),

with_start as (
    select
        *,
        min(event_at) over (partition by person_id, inactivity_session_number) as inactivity_started_at
    from inactivity_sessions
),

length_capped as (
    select
        *,
        floor(
            {{ dbt.datediff('inactivity_started_at', 'event_at', 'second') }} / {{ max_seconds }}
        ) as length_slice
    from with_start
),

with_session_start as (
    select
        *,
        min(event_at) over (
            partition by person_id, inactivity_session_number, length_slice
        ) as session_started_at
    from length_capped
),

final as (
    select
        event_id,
        {{ dbt.hash(dbt.concat(['person_id', "'|'", 'cast(session_started_at as ' ~ dbt.type_string() ~ ')'])) }} as session_id,
        person_id,
        customer_id,
        anonymous_id,
        identity_resolution,
        event_type,
        event_category,
        journey_stage,
        information_touchpoint,
        channel,
        device,
        page_path,
        product_id,
        search_query,
        utm_source,
        utm_medium,
        utm_campaign,
        search_results_count,
        stage_order,
        row_number() over (
            partition by person_id, session_started_at order by event_at, event_id
        ) as event_number_in_session,
        row_number() over (
            partition by person_id, session_started_at order by event_at desc, event_id desc
        ) as event_number_from_end,
        is_information_seeking,
        is_unanswered,
        session_started_at,
        event_at,
        identified_at
    from with_session_start
)

select * from final
