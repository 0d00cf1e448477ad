with

validated as (
    select * from {{ ref('int_orders_validated') }}
),

final as (
    select
        order_id,
        customer_id,
        order_status,
        currency,
        order_amount,
        discount_amount,
        item_count,
        order_status = 'completed' as is_completed,
        ordered_at
    from validated
    where quarantine_reason is null
)

select * from final
