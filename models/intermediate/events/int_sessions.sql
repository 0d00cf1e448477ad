{{
    config(
        materialized=event_materialization(),
        incremental_strategy='replace_where',
        replace_keys=['person_id'],
        on_schema_change='fail',
        pre_hook=[
            "{{ erase_from_incremental(person_id='person_id', customer_id='customer_id') }}",
            "{{ erase_from_incremental(person_id='person_id', customer_id='customer_id', source='bot_visitors') }}",
        ],
        post_hook=[
            "{% if is_incremental() %}delete from {{ this }} where person_id not in "
            ~ "(select person_id from {{ ref('int_events_sessionized') }}){% endif %}"
        ],
    )
}}

{#
    The one place session facts are computed (one row per session); incremental per person.
    Method: doc block int_sessions (_events__docs.md).
#}

with

{% if is_incremental() %}
    touched_persons as (
        select distinct person_id from {{ ref('int_events_sessionized') }}
        where dbt_loaded_at > {{ last_loaded_at() }}
    ),
{% endif %}

events as (
    select * from {{ ref('int_events_sessionized') }}
    {% if is_incremental() %}
        where person_id in (select touched_persons.person_id from touched_persons)
    {% endif %}
),

stages as (
    select * from {{ ref('journey_stages') }}
),

sessions as (
    select
        session_id,
        max(person_id) as person_id,
        max(customer_id) as customer_id,
        max(case when event_number_in_session = 1 then event_id end) as first_event_id,
        max(case when event_number_in_session = 1 then anonymous_id end) as anonymous_id,
        max(case when event_number_in_session = 1 then channel end) as channel,
        max(case when event_number_in_session = 1 then device end) as device,
        max(case when event_number_in_session = 1 then utm_source end) as utm_source,
        max(case when event_number_in_session = 1 then utm_medium end) as utm_medium,
        max(case when event_number_in_session = 1 then utm_campaign end) as utm_campaign,
        max(case when event_number_in_session = 1 then page_path end) as landing_page,
        max(case when event_number_from_end = 1 then page_path end) as exit_page,
        count(*) as event_count,
        count(case when event_type = 'product_view' then 1 end) as product_view_count,
        count(case when is_information_seeking then 1 end) as information_seeking_event_count,
        count(case when is_unanswered then 1 end) as unanswered_event_count,
        max(stage_order) as max_stage_order,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) = 1 as has_cart_add,
        max(case when event_type = 'order_completed' then 1 else 0 end) = 1 as is_converted,
        max(case when is_information_seeking then 1 else 0 end) = 1 as has_information_seeking,
        min(event_at) as session_started_at,
        max(event_at) as session_ended_at
    from events
    group by 1
),

final as (
    select
        sessions.session_id,
        sessions.person_id,
        sessions.customer_id,
        sessions.first_event_id,
        sessions.anonymous_id,
        sessions.channel,
        sessions.device,
        sessions.utm_source,
        sessions.utm_medium,
        sessions.utm_campaign,
        sessions.landing_page,
        sessions.exit_page,
        stages.journey_stage as stage_reached,
        sessions.event_count,
        sessions.product_view_count,
        sessions.information_seeking_event_count,
        sessions.unanswered_event_count,
        {{ dbt.datediff('sessions.session_started_at', 'sessions.session_ended_at', 'second') }} as duration_seconds,
        sessions.customer_id is not null as is_identified,
        sessions.has_cart_add,
        sessions.is_converted,
        sessions.has_information_seeking,
        cast(sessions.session_started_at as date) as session_date,
        sessions.session_started_at,
        sessions.session_ended_at,
        {{ loaded_at() }} as dbt_loaded_at
    from sessions
    inner join stages
        on sessions.max_stage_order = stages.stage_order
)

select * from final
