{{
    config(
        materialized=event_materialization(),
        incremental_strategy='replace_where',
        replace_keys=['customer_id'],
        on_schema_change='fail',
        pre_hook="{{ erase_from_incremental(customer_id='customer_id') }}",
    )
}}

{#
    One row per customer per day activity became known as theirs; incremental per customer.
    Method: doc block int_customer_daily_activity (_profiles__docs.md).
#}

with

{% if is_incremental() %}
    reloaded as (
        select distinct reloaded_events.customer_id
        from {{ ref('int_events_sessionized') }} as reloaded_events
        where reloaded_events.dbt_loaded_at > {{ last_loaded_at() }}
    ),
{% endif %}

events as (
    select
        sessionized.*,
        cast(sessionized.identified_at as date) as known_date
    from {{ ref('int_events_sessionized') }} as sessionized
    {% if is_incremental() %}
        inner join reloaded on sessionized.customer_id = reloaded.customer_id
    {% endif %}
    where
        sessionized.customer_id is not null
        and sessionized.identified_at is not null
),

session_days as (
    select
        customer_id,
        session_id,
        known_date,
        max(case when event_type = 'add_to_cart' then 1 else 0 end) as has_cart_add,
        max(case when event_type = 'order_completed' then 1 else 0 end) as has_order
    from events
    group by 1, 2, 3
),

session_starts as (
    select
        customer_id,
        session_id,
        min(known_date) as known_date
    from events
    group by 1, 2
),

daily_events as (
    select
        customer_id,
        known_date as activity_date,
        count(*) as event_count,
        count(case when event_type = 'product_view' then 1 end) as product_view_count,
        count(case when event_type = 'search' then 1 end) as search_count,
        count(case when is_information_seeking then 1 end) as information_seeking_count,
        count(case when is_unanswered then 1 end) as unanswered_count,
        count(case when device in ('ios_app', 'android_app') then 1 end) as app_event_count,
        count(case when device = 'mobile_web' then 1 end) as mobile_web_event_count,
        max(case when is_unanswered then event_at end) as last_unanswered_at
    from events
    group by 1, 2
),

daily_sessions as (
    select
        customer_id,
        known_date as activity_date,
        count(*) as session_count
    from session_starts
    group by 1, 2
),

daily_carts as (
    select
        customer_id,
        known_date as activity_date,
        count(case when has_cart_add = 1 and has_order = 0 then 1 end) as abandoned_cart_count
    from session_days
    group by 1, 2
),

final as (
    select
        daily_events.customer_id,
        daily_events.activity_date,
        daily_events.event_count,
        coalesce(daily_sessions.session_count, 0) as session_count,
        coalesce(daily_carts.abandoned_cart_count, 0) as abandoned_cart_count,
        daily_events.product_view_count,
        daily_events.search_count,
        daily_events.information_seeking_count,
        daily_events.unanswered_count,
        daily_events.app_event_count,
        daily_events.mobile_web_event_count,
        daily_events.last_unanswered_at,
        {{ loaded_at() }} as dbt_loaded_at
    from daily_events
    left join daily_sessions
        on
            daily_events.customer_id = daily_sessions.customer_id
            and daily_events.activity_date = daily_sessions.activity_date
    left join daily_carts
        on
            daily_events.customer_id = daily_carts.customer_id
            and daily_events.activity_date = daily_carts.activity_date
)

select * from final
