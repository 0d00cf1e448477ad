{{
    config(
        materialized=event_materialization(),
        incremental_strategy='replace_where',
        replace_keys=['event_id'],
        incremental_predicates=[
            "event_at >= (select min(batch.inactivity_started_at) from DBT_INCREMENTAL_SOURCE as batch"
            ~ " where batch.person_id = DBT_INCREMENTAL_TARGET.person_id)"
        ],
        on_schema_change='fail',
        pre_hook=[
            "{{ erase_from_incremental(person_id='person_id', customer_id='customer_id', anonymous_id='anonymous_id', anonymous_only=\"identity_resolution <> 'identified'\") }}",
            "{{ erase_from_incremental(person_id='person_id', customer_id='customer_id', anonymous_id='anonymous_id', anonymous_only=\"identity_resolution <> 'identified'\", source='bot_visitors') }}",
        ],
    )
}}

{#
    Stitched events cut into sessions per person; incremental per person.
    Method: doc block int_events_sessionized (_events__docs.md).
#}

{%- set timeout_seconds = var('session_timeout_minutes') * 60 -%}
{%- set max_seconds = var('session_max_hours') * 3600 -%}
{#- event numbers within a session are packed as in_session * base + from_end -#}
{%- set packed_base = 4294967296 -%}
{%- set session_events -%}
    partition by person_id, inactivity_started_at, length_slice order by event_at, event_id
{%- endset -%}
{%- set whole_session = 'rows between unbounded preceding and unbounded following' -%}
{%- set starts_session -%}
    previous_event_at is null
    or {{ dbt.datediff('previous_event_at', 'event_at', 'second') }} > {{ timeout_seconds }}
{%- endset -%}

with

{% if is_incremental() %}
    restitched as (
        select
            event_id,
            person_id,
            event_at
        from {{ ref('int_events_stitched') }}
        where dbt_loaded_at > {{ last_loaded_at() }}
    ),

    changes as (
        {# where each person's events changed: the new rows, and the stored
           rows of events that were (re)stitched, under their old person #}
        select
            person_id,
            event_at
        from restitched
        union all
        select
            stored.person_id,
            stored.event_at
        from {{ this }} as stored
        inner join restitched
            on stored.event_id = restitched.event_id
    ),

    earliest_changes as (
        select
            person_id,
            min(event_at) as changed_at
        from changes
        group by 1
    ),

    restarts as (
        select
            earliest_changes.person_id,
            coalesce(max(stored.inactivity_started_at), min(earliest_changes.changed_at)) as restart_at
        from earliest_changes
        left join {{ this }} as stored
            on
                earliest_changes.person_id = stored.person_id
                and earliest_changes.changed_at > stored.event_at
        group by 1
    ),
{% endif %}

{# the session logic runs on a narrow projection (person, time, event id):
   ordering 64M wide rows was most of this model's time #}
event_times as (
    select
        events.person_id,
        events.event_id,
        events.event_at
    from {{ ref('int_events_stitched') }} as events
    {% if is_incremental() %}
        inner join restarts
            on
                events.person_id = restarts.person_id
                and events.event_at >= restarts.restart_at
    {% endif %}
),

with_previous as (
    select
        person_id,
        event_id,
        event_at,
        lag(event_at) over (partition by person_id order by event_at, event_id) as previous_event_at
    from event_times
),

inactivity_runs as (
    {# one ordering for the start of the inactivity run each event belongs to #}
    select
        person_id,
        event_id,
        event_at,
        max(case when {{ starts_session }} then event_at end) over (
            partition by person_id
            order by event_at, event_id
            rows between unbounded preceding and current row
        ) as inactivity_started_at
    from with_previous
),

length_capped as (
    select
        *,
        floor(
            {{ dbt.datediff('inactivity_started_at', 'event_at', 'second') }} / {{ max_seconds }}
        ) as length_slice
    from inactivity_runs
),

session_keys as (
    {# a session is a length slice of an inactivity run (two runs never start
       at the same time). The two event numbers travel packed in one bigint
       through the join below: at 64M events every 8 bytes of join payload
       decide whether its hash table fits in memory_limit, and a join that
       spills also scatters the output that downstream models aggregate
       (1M customers: 186 s unpacked, 115 s packed) #}
    select
        event_id,
        inactivity_started_at,
        min(event_at) over ({{ session_events }} {{ whole_session }}) as session_started_at,
        row_number() over ({{ session_events }}) * {{ packed_base }}
        + count(*) over ({{ session_events }} {{ whole_session }})
        - row_number() over ({{ session_events }}) + 1 as packed_event_numbers
    from length_capped
),

final as (
    select
        events.event_id,
        {{ dbt.hash(dbt.concat(['events.person_id', "'|'", 'cast(session_keys.session_started_at as ' ~ dbt.type_string() ~ ')'])) }} as session_id,
        events.person_id,
        events.customer_id,
        events.anonymous_id,
        events.identity_resolution,
        events.event_type,
        events.event_category,
        events.journey_stage,
        events.information_touchpoint,
        events.channel,
        events.device,
        events.page_path,
        events.product_id,
        events.search_query,
        events.utm_source,
        events.utm_medium,
        events.utm_campaign,
        events.search_results_count,
        events.stage_order,
        {{ integer_divide("session_keys.packed_event_numbers", packed_base) }} as event_number_in_session,
        session_keys.packed_event_numbers % {{ packed_base }} as event_number_from_end,
        events.is_information_seeking,
        events.is_unanswered,
        session_keys.session_started_at,
        session_keys.inactivity_started_at,
        events.event_at,
        events.identified_at,
        {{ loaded_at() }} as dbt_loaded_at
    from {{ ref('int_events_stitched') }} as events
    inner join session_keys
        on events.event_id = session_keys.event_id
)

select * from final
