{#
    One row per customer per UTC day with a clickstream event of theirs or a non-cancelled order;
    is_active says whether that day counts as activity (var lifecycle_activity).
    Described in _lifecycle__models.yml beside it.
#}

{# a table: the only pass over the events for the lifecycle marts. fct_customer_lifecycle and
   int_lifecycle_periods (the data's bounds) read it, and the reports read those #}
{{ config(materialized='table') }}

{%- set sources = lifecycle_activity_sources() -%}

with

events as (
    select * from {{ ref('int_events_sessionized') }}
    where customer_id is not null
),

orders as (
    select * from {{ ref('int_orders_cleaned') }}
    where order_status <> 'cancelled'
),

event_days as (
    select
        customer_id,
        cast(event_at as date) as activity_date,
        count(*) as event_count
    from events
    group by 1, 2
),

order_days as (
    select
        customer_id,
        cast(ordered_at as date) as activity_date,
        count(*) as order_count,
        sum(case when is_completed then order_amount else 0 end) as revenue_amount
    from orders
    group by 1, 2
),

days as (
    select
        coalesce(event_days.customer_id, order_days.customer_id) as customer_id,
        coalesce(event_days.event_count, 0) as event_count,
        coalesce(order_days.order_count, 0) as order_count,
        coalesce(order_days.revenue_amount, 0) as revenue_amount,
        coalesce(event_days.activity_date, order_days.activity_date) as activity_date
    from event_days
    full outer join order_days
        on
            event_days.customer_id = order_days.customer_id
            and event_days.activity_date = order_days.activity_date
),

final as (
    select
        customer_id,
        event_count,
        order_count,
        revenue_amount,
        (
            {% if 'events' in sources %}event_count > 0{% else %}1 = 0{% endif %}
            or {% if 'orders' in sources %}order_count > 0{% else %}1 = 0{% endif %}
        ) as is_active,
        activity_date
    from days
)

select * from final
