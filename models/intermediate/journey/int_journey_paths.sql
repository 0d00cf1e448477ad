{{
    config(
        materialized=event_materialization(),
        incremental_strategy='replace_where',
        replace_keys=['person_id'],
        on_schema_change='fail',
        pre_hook=[
            "{{ erase_from_incremental(person_id='person_id') }}",
            "{{ erase_from_incremental(person_id='person_id', source='bot_visitors') }}",
        ],
        post_hook=[
            "{{ delete_stale_rows(ref('int_person_milestones'), ['person_id'], ['first_ordered_at'],"
            ~ " ref('int_events_sessionized')) }}",
        ],
    )
}}

{#
    One row per person with events before their first order (before they left, if they never
    ordered): the last path_max_length event categories, consecutive repeats compressed.
    rpt_paths counts them. Incremental per person: the people whose events were (re)loaded since
    the last build, those whose first order moved or who have no row yet, and everyone when
    path_max_length changed; the post-hook (delete_stale_rows) drops the rows of people gone, whose
    first order moved, or recomputed to nothing. Method: doc block int_journey_paths (_journey__docs.md).
#}

{%- set max_length = var('path_max_length') -%}
{%- set path_settings = 'event_category|' ~ max_length %}

with

milestones as (
    select * from {{ ref('int_person_milestones') }}
),

{% if is_incremental() %}
    touched_persons as (
        select reloaded.person_id
        from {{ ref('int_events_sessionized') }} as reloaded
        where reloaded.dbt_loaded_at > {{ last_loaded_at_or_start() }}
        union
        select milestones.person_id
        from milestones
        left join {{ this }} as stored
            on milestones.person_id = stored.person_id
        where
            stored.person_id is null
            or milestones.first_ordered_at is distinct from stored.first_ordered_at
            or stored.path_settings <> {{ sql_literal(path_settings) }}
    ),
{% endif %}

events as (
    select * from {{ ref('int_events_sessionized') }}
    {% if is_incremental() %}
        where person_id in (select touched_persons.person_id from touched_persons)
    {% endif %}
),

before_outcome as (
    select
        events.person_id,
        events.event_id,
        events.event_category,
        events.event_at,
        milestones.first_ordered_at
    from events
    inner join milestones
        on events.person_id = milestones.person_id
    where
        milestones.first_ordered_at is null
        or events.event_at < milestones.first_ordered_at
),

with_previous as (
    select
        *,
        lag(event_category) over (partition by person_id order by event_at, event_id) as previous_category
    from before_outcome
),

compressed as (
    select
        person_id,
        event_category,
        first_ordered_at,
        row_number() over (partition by person_id order by event_at, event_id) as step_number,
        row_number() over (partition by person_id order by event_at desc, event_id desc) as steps_from_end
    from with_previous
    where
        previous_category is null
        or previous_category <> event_category
),

final as (
    select
        person_id,
        {{ ordered_string_agg('event_category', 'step_number', ' > ') }} as path,
        count(*) as path_length,
        max(first_ordered_at) as first_ordered_at,
        {{ sql_literal(path_settings) }} as path_settings,
        {{ loaded_at() }} as dbt_loaded_at
    from compressed
    where steps_from_end <= {{ max_length }}
    group by 1
)

select * from final
