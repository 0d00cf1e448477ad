{#
    One row: the data's first and last day, the as-of date of the latest features and the
    end of the data for label windows (see its YAML description).
#}

with

activity as (
    select
        min(activity_date) as first_date,
        max(activity_date) as last_date
    from {{ ref('int_customer_daily_activity') }}
),

orders as (
    select
        cast(min(ordered_at) as date) as first_date,
        cast(max(ordered_at) as date) as last_date
    from {{ ref('int_orders_cleaned') }}
),

customers as (
    select
        cast(min(signup_at) as date) as first_date,
        cast(max(signup_at) as date) as last_date
    from {{ ref('int_customers_cleaned') }}
),

bounds as (
    select
        least(
            coalesce(activity.first_date, customers.first_date),
            coalesce(orders.first_date, customers.first_date),
            customers.first_date
        ) as first_data_date,
        greatest(
            coalesce(activity.last_date, customers.last_date),
            coalesce(orders.last_date, customers.last_date),
            customers.last_date
        ) as last_data_date
    from activity
    cross join orders
    cross join customers
),

final as (
    select
        first_data_date,
        last_data_date,
        cast({{ dbt.dateadd('day', 1, 'last_data_date') }} as date) as latest_as_of_date
    from bounds
)

select * from final
