{{
    config(
        materialized=event_materialization(),
        incremental_strategy='replace_where',
        replace_keys=['person_id', 'event_id'],
        on_schema_change='fail',
    )
}}

{#
    Stitched events cut into sessions per person: a new session starts after
    var session_timeout_minutes of inactivity, and a session is cut every
    var session_max_hours. Sessions are computed from event times only, so a
    late event that lands inside an existing session joins it.
    Incremental: every person with an event (re)stitched since this model's
    last build is re-sessionised from all their events; that includes the
    person an event was taken from when a login re-stitched it. Rows are
    replaced by person and by event, so a device whose browsing all moved to
    a customer leaves nothing behind.
#}

{%- set timeout_seconds = var('session_timeout_minutes') * 60 -%}
{%- set max_seconds = var('session_max_hours') * 3600 -%}

with

{% if is_incremental() %}
    restitched as (
        select
            event_id,
            person_id
        from {{ ref('int_events_stitched') }}
        where dbt_loaded_at > {{ last_loaded_at() }}
    ),

    touched_persons as (
        select person_id from restitched
        union
        select stored.person_id
        from {{ this }} as stored
        inner join restitched
            on stored.event_id = restitched.event_id
    ),
{% endif %}

events as (
    select * from {{ ref('int_events_stitched') }}
    {% if is_incremental() %}
        where person_id in (select touched_persons.person_id from touched_persons)
    {% endif %}
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
        identified_at,
        {{ loaded_at() }} as dbt_loaded_at
    from with_session_start
)

select * from final
