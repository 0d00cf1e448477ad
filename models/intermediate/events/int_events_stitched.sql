{#
    Clean events with their resolved customer (identity stitching); incremental per device.
    Method: doc block int_events_stitched (_events__docs.md).
#}

{{
    config(
        materialized=event_materialization(),
        incremental_strategy='replace_where',
        replace_keys=['event_id'],
        on_schema_change='fail',
        post_hook=[
            "{{ erase_from_incremental(person_id='person_id', customer_id='customer_id', anonymous_id='anonymous_id', anonymous_only=\"identity_resolution <> 'identified'\", reprocess_persons=true) }}",
            "{{ erase_from_incremental(person_id='person_id', customer_id='customer_id', anonymous_id='anonymous_id', anonymous_only=\"identity_resolution <> 'identified'\", reprocess_persons=true, source='bot_visitors') }}",
        ],
    )
}}

{#
    Incremental: the batch is every event of a device that has a clean event
    loaded since this model's last build (and those events themselves), so a
    login today re-stitches the device's browsing from weeks ago. Of those,
    the rows that are new or changed are written, replacing by event_id.
#}

{%- set compared_columns = [
    'person_id', 'customer_id', 'anonymous_id', 'identity_resolution', 'event_type',
    'event_category', 'journey_stage', 'information_touchpoint', 'channel', 'device',
    'page_path', 'product_id', 'search_query', 'utm_source', 'utm_medium',
    'utm_campaign', 'search_results_count', 'stage_order', 'is_information_seeking', 'is_unanswered',
    'event_at', 'identified_at'
] -%}
{%- set policy = var('shared_device_policy') -%}
{%- if policy not in ('next_login', 'unassigned') -%}
    {{ exceptions.raise_compiler_error("var shared_device_policy must be next_login or unassigned, got '" ~ policy ~ "'") }}
{%- endif %}

with

{% if is_incremental() %}
    new_events as (
        select
            event_id,
            anonymous_id
        from {{ ref('int_events_cleaned') }}
        where dbt_loaded_at > {{ last_loaded_at() }}
    ),

    touched_devices as (
        select distinct anonymous_id from new_events
        where anonymous_id is not null
    ),
{% endif %}

events as (
    select * from {{ ref('int_events_cleaned') }}
    {% if is_incremental() %}
        where
            event_id in (select new_events.event_id from new_events)
            or anonymous_id in (select touched_devices.anonymous_id from touched_devices)
    {% endif %}
),

devices as (
    select
        anonymous_id,
        min(customer_id) as only_customer_id,
        max(customers_on_device) as customers_on_device,
        min(first_identified_at) as first_identified_at
    from {{ ref('int_identity_map') }}
    group by 1
),

{# the neighbouring logins matter only on devices shared by several
   customers (under 1 % of events): only those events are ordered #}
shared_devices as (
    select anonymous_id from devices
    where customers_on_device > 1
    {% if is_incremental() %}
        intersect
        select anonymous_id from touched_devices
    {% endif %}
),

shared_device_events as (
    select
        events.event_id,
        events.anonymous_id,
        events.customer_id,
        events.event_at
    from {{ ref('int_events_cleaned') }} as events
    inner join shared_devices
        on events.anonymous_id = shared_devices.anonymous_id
),

shared_device_neighbours as (
    select
        event_id,
        {{ first_value_ignore_nulls('case when customer_id is not null then event_at end') }} over (
            partition by anonymous_id
            order by event_at, event_id
            rows between current row and unbounded following
        ) as next_identified_at,
        {{ first_value_ignore_nulls('customer_id') }} over (
            partition by anonymous_id
            order by event_at, event_id
            rows between current row and unbounded following
        ) as next_customer_id,
        {{ last_value_ignore_nulls('customer_id') }} over (
            partition by anonymous_id
            order by event_at, event_id
            rows between unbounded preceding and current row
        ) as previous_customer_id
    from shared_device_events
),

neighbours as (
    select
        events.*,
        devices.only_customer_id,
        devices.first_identified_at as device_first_identified_at,
        coalesce(devices.customers_on_device, 0) as customers_on_device,
        shared_device_neighbours.next_identified_at,
        shared_device_neighbours.next_customer_id,
        shared_device_neighbours.previous_customer_id
    from events
    left join devices
        on events.anonymous_id = devices.anonymous_id
    left join shared_device_neighbours
        on events.event_id = shared_device_neighbours.event_id
),

resolved as (
    select
        *,
        case
            when customer_id is not null then customer_id
            when customers_on_device = 1 then only_customer_id
            {% if policy == 'next_login' %}
                when customers_on_device > 1 then coalesce(next_customer_id, previous_customer_id)
            {% endif %}
        end as resolved_customer_id,
        {# when the event became known as the customer's: at once when it
           carries the customer, else when its device identified #}
        case
            when customer_id is not null then event_at
            when customers_on_device = 1
                then case when device_first_identified_at > event_at then device_first_identified_at else event_at end
            {% if policy == 'next_login' %}
                when customers_on_device > 1 and next_customer_id is not null then next_identified_at
                when customers_on_device > 1 then event_at
            {% endif %}
        end as identified_at
    from neighbours
),

final as (
    select
        event_id,
        coalesce(resolved_customer_id, 'anon:' || anonymous_id) as person_id,
        resolved_customer_id as customer_id,
        anonymous_id,
        case
            when customer_id is not null then 'identified'
            when resolved_customer_id is not null and customers_on_device > 1 then 'stitched_shared_device'
            when resolved_customer_id is not null then 'stitched'
            else 'anonymous'
        end as identity_resolution,
        event_type,
        event_category,
        journey_stage,
        information_touchpoint,
        channel,
        device,
        page_path,
        product_id,
        search_query,
        utm_source,
        utm_medium,
        utm_campaign,
        search_results_count,
        stage_order,
        is_information_seeking,
        is_unanswered,
        event_at,
        identified_at,
        {{ loaded_at() }} as dbt_loaded_at
    from resolved
)

{# incremental: only rows that are new or differ from the stored ones are
   written (re-stitching a device mostly confirms what is stored), so the
   models downstream see only real changes #}
select final.* from final
{% if is_incremental() %}
    left join {{ this }} as stored
        on final.event_id = stored.event_id
    where
        stored.event_id is null
        {%- for column in compared_columns %}
            or final.{{ column }} is distinct from stored.{{ column }}
        {%- endfor %}
{% endif %}
