{#
    One row per (anonymous_id, customer_id) pair seen together on an event:
    which devices a customer has identified on, and which devices are shared.
#}

{# a table: an aggregate over every event, read by stitching and its tests #}
{{ config(materialized='table') }}

with

events as (
    select * from {{ ref('int_events_cleaned') }}
),

pairs as (
    select
        anonymous_id,
        customer_id,
        count(*) as identified_event_count,
        min(event_at) as first_identified_at,
        max(event_at) as last_identified_at
    from events
    where
        anonymous_id is not null
        and customer_id is not null
    group by 1, 2
),

devices as (
    select
        anonymous_id,
        count(*) as customers_on_device
    from pairs
    group by 1
),

final as (
    select
        {{ dbt.hash(dbt.concat(['pairs.anonymous_id', "'|'", 'pairs.customer_id'])) }} as identity_pair_id,
        pairs.anonymous_id,
        pairs.customer_id,
        pairs.identified_event_count,
        devices.customers_on_device,
        devices.customers_on_device > 1 as is_shared_device,
        pairs.first_identified_at,
        pairs.last_identified_at
    from pairs
    inner join devices
        on pairs.anonymous_id = devices.anonymous_id
)

select * from final
