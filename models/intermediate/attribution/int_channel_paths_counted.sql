{#
    One row per distinct channel path (channels in time order, consecutive repeats collapsed):
    the journeys that took it and converted, those that did not, and the revenue. What the
    data-driven attribution models read. Method: doc block int_channel_paths_counted
    (_attribution__docs.md).
#}

{# a table: the data-driven attribution model and the tests read it #}
{{ config(materialized='table') }}

{%- set lookback_days = var('attribution_lookback_days') -%}

with

touches as (
    select * from {{ ref('int_attribution_touches') }}
),

orders as (
    select
        order_id,
        order_amount,
        ordered_at
    from {{ ref('int_orders_cleaned') }}
    where is_completed
),

all_orders as (
    select ordered_at from {{ ref('int_orders_cleaned') }}
),

sessions as (
    select
        session_id,
        person_id,
        coalesce(channel, '(unknown)') as channel,
        session_started_at
    from {{ ref('int_sessions') }}
),

{# the orders are known up to the last one: a later session's lookback is not over yet #}
observed as (
    select max(ordered_at) as last_ordered_at
    from all_orders
),

order_touches as (
    select
        order_id,
        channel,
        touch_number,
        lag(channel) over (partition by order_id order by touch_number) as previous_channel
    from touches
),

order_paths as (
    select
        order_id,
        {{ ordered_string_agg('channel', 'touch_number', ' > ') }} as channel_path,
        count(*) as path_length
    from order_touches
    where
        previous_channel is null
        or previous_channel <> channel
    group by 1
),

converting_paths as (
    select
        coalesce(order_paths.channel_path, '(none)') as channel_path,
        coalesce(order_paths.path_length, 0) as path_length,
        1 as conversion_count,
        0 as non_conversion_count,
        orders.order_amount
    from orders
    left join order_paths
        on orders.order_id = order_paths.order_id
),

{# sessions no completed order followed within the lookback, whose lookback has ended #}
non_converting_sessions as (
    select
        sessions.session_id,
        sessions.person_id,
        sessions.channel,
        sessions.session_started_at
    from sessions
    cross join observed
    left join touches
        on sessions.session_id = touches.session_id
    where
        touches.session_id is null
        and sessions.session_started_at
        <= {{ dbt.dateadd('day', -1 * lookback_days, 'observed.last_ordered_at') }}
),

{# a person's non-converting sessions, cut into windows of the lookback's length #}
windowed_sessions as (
    select
        session_id,
        person_id,
        channel,
        session_started_at,
        {{ integer_divide(
            dbt.datediff('min(session_started_at) over (partition by person_id)', 'session_started_at', 'second'),
            lookback_days * 86400
        ) }} as window_number
    from non_converting_sessions
),

window_steps as (
    select
        person_id,
        window_number,
        channel,
        row_number() over (
            partition by person_id, window_number order by session_started_at, session_id
        ) as touch_number,
        lag(channel) over (
            partition by person_id, window_number order by session_started_at, session_id
        ) as previous_channel
    from windowed_sessions
),

window_paths as (
    select
        person_id,
        window_number,
        {{ ordered_string_agg('channel', 'touch_number', ' > ') }} as channel_path,
        count(*) as path_length
    from window_steps
    where
        previous_channel is null
        or previous_channel <> channel
    group by 1, 2
),

non_converting_paths as (
    select
        channel_path,
        path_length,
        0 as conversion_count,
        1 as non_conversion_count,
        cast(null as {{ type_double() }}) as order_amount
    from window_paths
),

journeys as (
    select * from converting_paths
    union all
    select * from non_converting_paths
),

final as (
    select
        channel_path,
        cast(max(path_length) as {{ dbt.type_bigint() }}) as path_length,
        cast(sum(conversion_count) as {{ dbt.type_bigint() }}) as conversion_count,
        cast(sum(non_conversion_count) as {{ dbt.type_bigint() }}) as non_conversion_count,
        cast(coalesce(sum(order_amount), 0) as {{ type_double() }}) as revenue_amount
    from journeys
    group by 1
)

select * from final
