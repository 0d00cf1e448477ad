{#
    One row per clean order, with its number in the customer's history; revenue counts
    completed orders only, as everywhere in the project.
#}

with

orders as (
    select * from {{ ref('int_orders_cleaned') }}
),

numbered as (
    select
        *,
        case
            when order_status <> 'cancelled'
                then row_number() over (
                    partition by customer_id, order_status <> 'cancelled'
                    order by ordered_at, order_id
                )
        end as customer_order_number
    from orders
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
        is_completed,
        case when is_completed then order_amount else 0 end as revenue_amount,
        customer_order_number,
        customer_order_number = 1 as is_first_order,
        cast(ordered_at as date) as ordered_date,
        ordered_at
    from numbered
)

select * from final
