{#
    One row per customer per snapshot date: the churn and purchase labels, null until their
    window lies in the data. Doc block fct_customer_labels (_profiles__docs.md).
#}

{#- the horizons: vars, or derived from the data's span (int_data_calendar) -#}
{%- set churn_days = 'calendar.churn_horizon_days' -%}
{%- set purchase_days = 'calendar.purchase_horizon_days' -%}

with

snapshots as (
    select
        customer_id,
        as_of_date,
        orders_lifetime
    from {{ ref('fct_customer_feature_snapshots') }}
),

orders as (
    select * from {{ ref('int_orders_cleaned') }}
    where order_status <> 'cancelled'
),

calendar as (
    select * from {{ ref('int_data_calendar') }}
),

future_orders as (
    select
        snapshots.customer_id,
        snapshots.as_of_date,
        count(case
            when orders.ordered_at < {{ dbt.dateadd('day', churn_days, 'cast(snapshots.as_of_date as ' ~ dbt.type_timestamp() ~ ')') }}
                then 1
        end) as orders_in_churn_horizon,
        count(case
            when orders.ordered_at < {{ dbt.dateadd('day', purchase_days, 'cast(snapshots.as_of_date as ' ~ dbt.type_timestamp() ~ ')') }}
                then 1
        end) as orders_in_purchase_horizon
    from snapshots
    cross join calendar
    left join orders
        on
            snapshots.customer_id = orders.customer_id
            and orders.ordered_at >= cast(snapshots.as_of_date as {{ dbt.type_timestamp() }})
    group by 1, 2
),

final as (
    select
        snapshots.customer_id,
        snapshots.as_of_date,
        future_orders.orders_in_churn_horizon,
        future_orders.orders_in_purchase_horizon,
        {{ dbt.dateadd('day', churn_days, 'snapshots.as_of_date') }} <= {{ dbt.dateadd('day', 1, 'calendar.last_data_date') }}
            as is_churn_window_complete,
        {{ dbt.dateadd('day', purchase_days, 'snapshots.as_of_date') }} <= {{ dbt.dateadd('day', 1, 'calendar.last_data_date') }}
            as is_purchase_window_complete,
        snapshots.orders_lifetime > 0 as is_churn_eligible,
        case
            when
                snapshots.orders_lifetime > 0
                and {{ dbt.dateadd('day', churn_days, 'snapshots.as_of_date') }} <= {{ dbt.dateadd('day', 1, 'calendar.last_data_date') }}
                then future_orders.orders_in_churn_horizon = 0
        end as is_churned,
        case
            when {{ dbt.dateadd('day', purchase_days, 'snapshots.as_of_date') }} <= {{ dbt.dateadd('day', 1, 'calendar.last_data_date') }}
                then future_orders.orders_in_purchase_horizon > 0
        end as will_purchase
    from snapshots
    inner join future_orders
        on
            snapshots.customer_id = future_orders.customer_id
            and snapshots.as_of_date = future_orders.as_of_date
    cross join calendar
)

select * from final
