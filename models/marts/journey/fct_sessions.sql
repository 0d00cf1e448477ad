{{ config(materialized='view') }}

{#
    The session facts of int_sessions, published: a view, so the session grain
    is computed once (int_sessions is incremental per person).
#}

with

sessions as (
    select * from {{ ref('int_sessions') }}
),

final as (
    select
        session_id,
        person_id,
        customer_id,
        anonymous_id,
        channel,
        device,
        utm_source,
        utm_medium,
        utm_campaign,
        landing_page,
        exit_page,
        stage_reached,
        event_count,
        product_view_count,
        information_seeking_event_count,
        unanswered_event_count,
        duration_seconds,
        is_identified,
        has_cart_add,
        is_converted,
        has_information_seeking,
        session_date,
        session_started_at,
        session_ended_at,
        dbt_loaded_at
    from sessions
)

select * from final
