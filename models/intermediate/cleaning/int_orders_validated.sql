{# a table: the quarantine, the cleaned view and their tests all read it #}
{{ config(materialized='table') }}

with

orders as (
    select * from {{ ref('stg_raw__orders') }}
),

customers as (
    select customer_id from {{ ref('int_customers_cleaned') }}
),

row_checks as (
    select
        orders.*,
        case
            when orders.order_id is null then 'null_order_id'
            when orders.customer_id is null then 'null_customer_id'
            when orders.value_problem is not null then orders.value_problem
            when orders.ordered_at is null then 'unparseable_timestamp'
            when orders.ordered_at > {{ future_cutoff() }} then 'future_timestamp'
            when orders.order_amount < 0 or orders.discount_amount < 0 then 'negative_amount'
            when
                orders.order_status not in ('completed', 'cancelled', 'returned')
                or orders.order_status is null then 'unknown_order_status'
            when customers.customer_id is null then 'orphan_order_customer'
        end as row_reason
    from orders
    left join customers
        on orders.customer_id = customers.customer_id
),

final as (
    {{ with_duplicate_reasons('row_checks', ['order_id'], 'ordered_at', 'duplicate_order_id') }}
)

select * from final
