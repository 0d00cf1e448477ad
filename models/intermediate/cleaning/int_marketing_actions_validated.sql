{# a table: the quarantine, the cleaned view and their tests all read it #}
{{ config(materialized='table') }}

with

actions as (
    select * from {{ ref('stg_raw__marketing_actions') }}
),

customers as (
    select customer_id from {{ ref('int_customers_cleaned') }}
),

row_checks as (
    select
        actions.*,
        case
            when actions.action_id is null then 'null_action_id'
            when actions.customer_id is null then 'null_customer_id'
            when actions.action_code is null then 'null_action_code'
            when actions.value_problem is not null then actions.value_problem
            when actions.sent_at is null then 'unparseable_timestamp'
            when actions.sent_at > {{ future_cutoff() }} then 'future_timestamp'
            when actions.conversion_amount < 0 then 'negative_amount'
            when customers.customer_id is null then 'orphan_action_customer'
        end as row_reason
    from actions
    left join customers
        on actions.customer_id = customers.customer_id
),

final as (
    {{ with_duplicate_reasons('row_checks', ['action_id'], 'sent_at', 'duplicate_action_id') }}
)

select * from final
