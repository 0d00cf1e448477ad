{{ config(materialized='table') }}

{#
    One row per person: the strict funnel step times, each within the conversion window.
    Method: doc block int_funnel_steps (_journey__docs.md).
#}

{%- set window_days = var('funnel_conversion_window_days') -%}

with

milestones as (
    select * from {{ ref('int_person_milestones') }}
),

orders as (
    select * from {{ ref('int_orders_cleaned') }}
    where order_status <> 'cancelled'
),

feedback as (
    select * from {{ ref('int_feedback_cleaned') }}
    where feedback_type in ('review', 'nps')
),

considered as (
    select
        person_id,
        customer_id,
        first_seen_at as awareness_at,
        case
            when
                first_consideration_at >= first_seen_at
                and first_consideration_at <= {{ dbt.dateadd('day', window_days, 'first_seen_at') }}
                then first_consideration_at
        end as consideration_at
    from milestones
),

first_purchase as (
    select
        considered.person_id,
        min(orders.ordered_at) as purchase_at
    from considered
    inner join orders
        on
            considered.customer_id = orders.customer_id
            and considered.consideration_at <= orders.ordered_at
    group by 1
),

purchased as (
    select
        considered.*,
        case
            when first_purchase.purchase_at <= {{ dbt.dateadd('day', window_days, 'considered.consideration_at') }}
                then first_purchase.purchase_at
        end as purchase_at
    from considered
    left join first_purchase
        on considered.person_id = first_purchase.person_id
),

repeat_purchase as (
    select
        purchased.person_id,
        min(orders.ordered_at) as repeat_at
    from purchased
    inner join orders
        on
            purchased.customer_id = orders.customer_id
            and purchased.purchase_at < orders.ordered_at
    group by 1
),

repeated as (
    select
        purchased.*,
        case
            when repeat_purchase.repeat_at <= {{ dbt.dateadd('day', window_days, 'purchased.purchase_at') }}
                then repeat_purchase.repeat_at
        end as retention_at
    from purchased
    left join repeat_purchase
        on purchased.person_id = repeat_purchase.person_id
),

first_advocacy as (
    select
        repeated.person_id,
        min(feedback.created_at) as advocacy_candidate_at
    from repeated
    inner join feedback
        on
            repeated.customer_id = feedback.customer_id
            and repeated.retention_at <= feedback.created_at
    group by 1
),

final as (
    select
        repeated.person_id,
        repeated.customer_id,
        repeated.awareness_at,
        repeated.consideration_at,
        repeated.purchase_at,
        repeated.retention_at,
        case
            when first_advocacy.advocacy_candidate_at <= {{ dbt.dateadd('day', window_days, 'repeated.retention_at') }}
                then first_advocacy.advocacy_candidate_at
        end as advocacy_at
    from repeated
    left join first_advocacy
        on repeated.person_id = first_advocacy.person_id
)

select * from final
