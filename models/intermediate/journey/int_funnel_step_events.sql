{{
    config(
        materialized=event_materialization(),
        incremental_strategy='replace_where',
        replace_keys=['person_id'],
        on_schema_change='append_new_columns',
        pre_hook=[
            "{{ erase_from_incremental(person_id='person_id') }}",
            "{{ erase_from_incremental(person_id='person_id', source='bot_visitors') }}",
        ],
        post_hook=[
            "{{ delete_stale_rows(ref('int_funnel_step_outcomes'), ['funnel_name', 'person_id', 'step_order'],"
            ~ " ['is_converted', 'entered_at', 'days_observed'], ref('int_events_sessionized')) }}",
        ],
    )
}}

{#
    One row per funnel x person x step (int_funnel_step_outcomes) x event inside the step's
    window: what the person did before converting or dropping out. Shared by
    rpt_conversion_drivers and rpt_dropoff_paths. Incremental per person: a build recomputes the
    people whose events were (re)loaded since the last one and those with a step outcome not
    stored yet (a window that closed, an order that moved a stage); the post-hook
    (delete_stale_rows) drops the rows of outcomes gone or changed and of people recomputed
    to nothing. Doc block int_funnel_step_events.
#}

with

outcomes as (
    select * from {{ ref('int_funnel_step_outcomes') }}
),

{% if is_incremental() %}
    {# a table stored before it had dbt_loaded_at, or an empty one, recomputes everyone #}
    touched_persons as (
        select reloaded.person_id
        from {{ ref('int_events_sessionized') }} as reloaded
        where reloaded.dbt_loaded_at > {{ last_loaded_at_or_start() }}
        union
        select new_outcomes.person_id
        from outcomes as new_outcomes
        where not exists (
            select 1 from {{ this }} as stored
            where
                stored.funnel_name = new_outcomes.funnel_name
                and stored.person_id = new_outcomes.person_id
                and stored.step_order = new_outcomes.step_order
                and stored.is_converted is not distinct from new_outcomes.is_converted
                and stored.entered_at is not distinct from new_outcomes.entered_at
                and stored.days_observed is not distinct from new_outcomes.days_observed
        )
    ),
{% endif %}

events as (
    select * from {{ ref('int_events_sessionized') }}
    {% if is_incremental() %}
        where person_id in (select touched_persons.person_id from touched_persons)
    {% endif %}
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
        events.event_at,
        {{ loaded_at() }} as dbt_loaded_at
    from outcomes
    inner join events
        on
            outcomes.person_id = events.person_id
            and outcomes.window_start_at <= events.event_at
            and outcomes.window_end_at > events.event_at
)

select * from final
