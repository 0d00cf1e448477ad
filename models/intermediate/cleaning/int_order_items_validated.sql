{# a table: the quarantine, the cleaned view and their tests all read it #}
{{ config(materialized='table') }}

with

order_items as (
    select * from {{ ref('stg_raw__order_items') }}
),

{# the usable orders: validated, not cleaned, since int_orders_cleaned sums these lines #}
orders as (
    select order_id from {{ ref('int_orders_validated') }}
    where quarantine_reason is null
),

row_checks as (
    select
        order_items.*,
        case
            when order_items.order_id is null then 'null_order_id'
            when order_items.product_id is null then 'null_product_id'
            when order_items.value_problem is not null then order_items.value_problem
            when order_items.quantity is null or order_items.quantity <= 0 then 'invalid_quantity'
            when order_items.unit_price < 0 then 'negative_amount'
            {# the order was quarantined or never existed: its lines cannot be used #}
            when orders.order_id is null then 'orphan_item_order'
        end as row_reason,
        {# without a line number, identical lines of one order are units bought: each its own line #}
        coalesce(
            order_items.line_number,
            '#' || cast(row_number() over (order by order_items.row_fingerprint) as {{ dbt.type_string() }})
        ) as line_key
    from order_items
    left join orders
        on order_items.order_id = orders.order_id
),

final as (
    {# an order may list a product on several lines: only identical rows of one line are duplicates #}
    {{ with_duplicate_reasons('row_checks', ['order_id', 'product_id', 'line_key'], 'unit_price', none) }}
)

select * from final
