with

customers as (
    select * from {{ ref('int_customers_cleaned') }}
),

orders as (
    select * from {{ ref('int_orders_cleaned') }}
),

order_summary as (
    select
        customer_id,
        count(*) as order_count,
        count(case when is_completed then 1 end) as completed_order_count,
        sum(case when is_completed then order_amount else 0 end) as revenue_amount,
        min(ordered_at) as first_ordered_at,
        max(ordered_at) as last_ordered_at
    from orders
    group by 1
),

final as (
    select
        customers.customer_id,
        customers.email_hash,
        customers.country_code,
        customers.city,
        customers.gender,
        customers.acquisition_channel,
        customers.birth_year,
        coalesce(order_summary.order_count, 0) as order_count,
        coalesce(order_summary.completed_order_count, 0) as completed_order_count,
        coalesce(order_summary.revenue_amount, 0) as revenue_amount,
        coalesce(order_summary.order_count, 0) > 0 as has_ordered,
        cast(customers.signup_at as date) as signup_date,
        customers.signup_at,
        order_summary.first_ordered_at,
        order_summary.last_ordered_at
    from customers
    left join order_summary
        on customers.customer_id = order_summary.customer_id
)

select * from final
