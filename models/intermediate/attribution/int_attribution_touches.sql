{#
    One row per completed order x session of its customer that started within var
    attribution_lookback_days before it: the touches every attribution model splits the order
    over. Method: doc block int_attribution_touches (_attribution__docs.md).
#}

{# a table: rpt_channel_attribution, int_channel_paths_counted and the tests read it, and each
   read of a view would join the orders with the sessions again #}
{{ config(materialized='table') }}

with

orders as (
    select
        order_id,
        customer_id,
        order_amount,
        ordered_at
    from {{ ref('int_orders_cleaned') }}
    where is_completed
),

sessions as (
    select
        session_id,
        person_id,
        customer_id,
        coalesce(channel, '(unknown)') as channel,
        coalesce(utm_source, '(none)') as utm_source,
        session_started_at
    from {{ ref('int_sessions') }}
    where customer_id is not null
),

touches as (
    select
        orders.order_id,
        sessions.session_id,
        sessions.person_id,
        orders.customer_id,
        sessions.channel,
        sessions.utm_source,
        orders.order_amount,
        sessions.session_started_at,
        orders.ordered_at
    from orders
    inner join sessions
        on
            orders.customer_id = sessions.customer_id
            and orders.ordered_at >= sessions.session_started_at
            and sessions.session_started_at >= {{ dbt.dateadd('day', -1 * var('attribution_lookback_days'), 'orders.ordered_at') }}
),

final as (
    select
        order_id,
        session_id,
        person_id,
        customer_id,
        channel,
        utm_source,
        order_amount,
        row_number() over (
            partition by order_id order by session_started_at, session_id
        ) as touch_number,
        row_number() over (
            partition by order_id order by session_started_at desc, session_id desc
        ) as touch_number_from_end,
        count(*) over (partition by order_id) as touch_count,
        session_started_at,
        ordered_at
    from touches
)

select * from final
