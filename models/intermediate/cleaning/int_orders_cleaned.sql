with

validated as (
    select * from {{ ref('int_orders_validated') }}
),

items as (
    select * from {{ ref('int_order_items_cleaned') }}
),

{# the lines' total, only when every line carries a price #}
item_totals as (
    select
        order_id,
        case when count(unit_price) = count(*) then sum(line_amount) end as items_amount
    from items
    group by 1
),

final as (
    select
        validated.order_id,
        validated.customer_id,
        validated.order_status,
        validated.currency,
        case
            when validated.order_amount is not null then 'order'
            when item_totals.items_amount is not null then 'order_items'
        end as order_amount_source,
        coalesce(validated.order_amount, item_totals.items_amount) as order_amount,
        validated.discount_amount,
        validated.item_count,
        validated.order_status = 'completed' as is_completed,
        validated.ordered_at
    from validated
    left join item_totals
        on validated.order_id = item_totals.order_id
    where validated.quarantine_reason is null
)

select * from final
