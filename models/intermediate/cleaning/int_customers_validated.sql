{# a table: the quarantine, the cleaned view and their tests all read it #}
{{ config(materialized='table') }}

with

customers as (
    select * from {{ ref('stg_raw__customers') }}
),

row_checks as (
    select
        *,
        case
            when customer_id is null then 'null_customer_id'
            when value_problem is not null then value_problem
            when signup_at is null then 'unparseable_timestamp'
            when signup_at > {{ future_cutoff() }} then 'future_timestamp'
        end as row_reason
    from customers
),

final as (
    {{ with_duplicate_reasons('row_checks', ['customer_id'], 'signup_at', 'duplicate_customer_id') }}
)

select * from final
