{#- CTE order_features: order counts and revenue (lifetime, 30/90/365 days), discounts, returns, first/last order. -#}
{% macro customer_order_features() -%}
{%- set as_of = customer_feature_as_of_instant() -%}
order_features as (
    select
        population.customer_id,
        population.as_of_date,
        count(orders.order_id) as orders_lifetime,
        count(case when orders.ordered_at >= {{ dbt.dateadd('day', -30, as_of) }} then 1 end) as orders_30d,
        count(case when orders.ordered_at >= {{ dbt.dateadd('day', -90, as_of) }} then 1 end) as orders_90d,
        count(case when orders.ordered_at >= {{ dbt.dateadd('day', -365, as_of) }} then 1 end) as orders_365d,
        coalesce(sum(case when orders.is_completed then orders.order_amount end), 0) as revenue_lifetime,
        coalesce(sum(case when orders.is_completed and orders.ordered_at >= {{ dbt.dateadd('day', -30, as_of) }} then orders.order_amount end), 0) as revenue_30d,
        coalesce(sum(case when orders.is_completed and orders.ordered_at >= {{ dbt.dateadd('day', -90, as_of) }} then orders.order_amount end), 0) as revenue_90d,
        coalesce(sum(case when orders.is_completed and orders.ordered_at >= {{ dbt.dateadd('day', -365, as_of) }} then orders.order_amount end), 0) as revenue_365d,
        coalesce(sum(orders.discount_amount), 0) as discount_lifetime,
        coalesce(sum(orders.order_amount), 0) as gross_paid_lifetime,
        count(case when orders.order_status = 'returned' then 1 end) as returned_orders_lifetime,
        min(orders.ordered_at) as first_ordered_at,
        max(orders.ordered_at) as last_ordered_at
    from population
    inner join dates
        on population.as_of_date = dates.as_of_date
    left join orders
        on population.customer_id = orders.customer_id
        and orders.ordered_at < {{ as_of }}
    group by 1, 2
)
{%- endmacro %}
