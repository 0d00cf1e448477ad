{#- CTEs category_spend, category_ranked, interest_features: the category a customer spent most on, and its share. -#}
{% macro customer_interest_features() -%}
{%- set as_of = customer_feature_as_of_instant() -%}
category_spend as (
    select
        population.customer_id,
        population.as_of_date,
        order_items.category,
        -- cents: float sums in another order must not break a tie between categories differently
        round(sum(order_items.line_amount), 2) as category_amount
    from population
    inner join dates
        on population.as_of_date = dates.as_of_date
    inner join orders
        on population.customer_id = orders.customer_id
        and orders.ordered_at < {{ as_of }}
    inner join order_items
        on orders.order_id = order_items.order_id
    group by 1, 2, 3
),

category_ranked as (
    select
        customer_id,
        as_of_date,
        category,
        category_amount,
        sum(category_amount) over (partition by customer_id, as_of_date) as total_amount,
        row_number() over (
            partition by customer_id, as_of_date order by category_amount desc, category
        ) as category_rank
    from category_spend
),

interest_features as (
    select
        customer_id,
        as_of_date,
        category as top_category,
        {{ safe_divide('category_amount', 'total_amount') }} as top_category_share
    from category_ranked
    where category_rank = 1
)
{%- endmacro %}
