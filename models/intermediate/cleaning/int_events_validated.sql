{{ config(materialized='table') }}

with

events as (
    select * from {{ ref('stg_raw__events') }}
),

taxonomy as (
    select event_type from {{ ref('event_taxonomy') }}
),

customers as (
    select customer_id from {{ ref('int_customers_cleaned') }}
),

row_checks as (
    select
        events.*,
        case
            when events.event_id is null then 'null_event_id'
            when events.anonymous_id is null and events.customer_id is null then 'null_identity'
            when events.event_at is null then 'unparseable_timestamp'
            when events.event_at > {{ future_cutoff() }} then 'future_timestamp'
            when taxonomy.event_type is null then 'unknown_event_type'
            when events.customer_id is not null and customers.customer_id is null then 'orphan_event_customer'
        end as row_reason
    from events
    left join taxonomy
        on events.event_type = taxonomy.event_type
    left join customers
        on events.customer_id = customers.customer_id
),

final as (
    {{ with_duplicate_reasons('row_checks', ['event_id'], 'event_at', 'duplicate_event_id') }}
)

{# raw values are kept only for the rows that are refused #}
select
    event_id,
    anonymous_id,
    customer_id,
    event_type,
    channel,
    device,
    page_path,
    product_id,
    search_query,
    utm_source,
    utm_medium,
    utm_campaign,
    search_results_count,
    event_at,
    row_fingerprint,
    row_reason,
    quarantine_reason,
    case when quarantine_reason is not null then raw_values end as raw_values
from final
