{{ config(materialized='table') }}

{#
    One row per person (a customer, or a device that never identified): first and last seen,
    first touch, first consideration event, sign-up and orders (see its YAML description).
#}

with

events as (
    select * from {{ ref('int_events_sessionized') }}
),

sessions as (
    select * from {{ ref('int_sessions') }}
),

customers as (
    select * from {{ ref('int_customers_cleaned') }}
),

orders as (
    select * from {{ ref('int_orders_cleaned') }}
    where order_status <> 'cancelled'
),

event_summary as (
    select
        person_id,
        max(customer_id) as customer_id,
        count(*) as event_count,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        min(case when stage_order >= 2 then event_at end) as first_consideration_event_at
    from events
    group by 1
),

session_summary as (
    select
        person_id,
        count(*) as session_count
    from sessions
    group by 1
),

session_starts as (
    select
        person_id,
        channel,
        device,
        utm_source,
        row_number() over (partition by person_id order by session_started_at, first_event_id) as session_number
    from sessions
),

first_touch as (
    select
        person_id,
        channel as first_touch_channel,
        device as first_device,
        utm_source as first_touch_utm_source
    from session_starts
    where session_number = 1
),

order_summary as (
    select
        customer_id,
        count(*) as order_count,
        min(ordered_at) as first_ordered_at
    from orders
    group by 1
),

persons as (
    select
        coalesce(event_summary.person_id, customers.customer_id) as person_id,
        coalesce(customers.customer_id, event_summary.customer_id) as customer_id,
        customers.acquisition_channel,
        coalesce(event_summary.event_count, 0) as event_count,
        coalesce(session_summary.session_count, 0) as session_count,
        customers.signup_at,
        event_summary.first_event_at,
        event_summary.last_event_at,
        event_summary.first_consideration_event_at
    from event_summary
    left join session_summary
        on event_summary.person_id = session_summary.person_id
    full outer join customers
        on event_summary.person_id = customers.customer_id
),

final as (
    select
        persons.person_id,
        persons.customer_id,
        coalesce(first_touch.first_touch_channel, persons.acquisition_channel) as first_touch_channel,
        first_touch.first_touch_utm_source,
        first_touch.first_device,
        persons.event_count,
        persons.session_count,
        coalesce(order_summary.order_count, 0) as order_count,
        persons.customer_id is not null as is_customer,
        case
            when persons.first_event_at is null then persons.signup_at
            when persons.signup_at is null then persons.first_event_at
            when persons.signup_at < persons.first_event_at then persons.signup_at
            else persons.first_event_at
        end as first_seen_at,
        case
            when persons.first_consideration_event_at is null then persons.signup_at
            when persons.signup_at is null then persons.first_consideration_event_at
            when persons.signup_at < persons.first_consideration_event_at then persons.signup_at
            else persons.first_consideration_event_at
        end as first_consideration_at,
        persons.signup_at,
        order_summary.first_ordered_at,
        persons.last_event_at
    from persons
    left join first_touch
        on persons.person_id = first_touch.person_id
    left join order_summary
        on persons.customer_id = order_summary.customer_id
)

select * from final
