{#
    One row per customer with a completed order: the purchase history the buy-till-you-die models
    read (repeat purchases, first-to-last and observed days, mean repeat purchase value), over all
    the data and over the calibration period, and what the customer bought in the holdout after it.
    Described in _clv_inputs__models.yml; read by the ml/prediction clv_ models.
#}

{#- the holdout: var clv_holdout_days, or when 'auto' the last third of the data span, at most a year #}
{%- set holdout = time_anchor('clv_holdout_days', 'least(365, cast(floor(span_days / 3.0) as integer))') %}

with

orders as (
    select
        customer_id,
        order_amount,
        ordered_at
    from {{ ref('int_orders_cleaned') }}
    where is_completed
),

calendar as (
    select * from {{ ref('int_data_calendar') }}
),

split as (
    select
        last_data_date,
        cast({{ holdout }} as integer) as holdout_days
    from calendar
),

periods as (
    select
        last_data_date,
        holdout_days,
        cast({{ dbt.dateadd('day', '-holdout_days', 'last_data_date') }} as date) as calibration_end_date
    from split
),

{# a purchase is a day with a completed order: one customer's orders of a UTC day count once, their
   amounts summed; its value is known when every one of those orders has an amount #}
purchase_days as (
    select
        customer_id,
        cast(ordered_at as date) as purchase_date,
        sum(order_amount) as purchase_value,
        count(order_amount) = count(*) as is_priced
    from orders
    group by 1, 2
),

numbered as (
    select
        purchase_days.customer_id,
        purchase_days.purchase_value,
        purchase_days.is_priced,
        purchase_days.purchase_date,
        row_number() over (
            partition by purchase_days.customer_id
            order by purchase_days.purchase_date
        ) as purchase_number,
        purchase_days.purchase_date <= periods.calibration_end_date as is_calibration
    from purchase_days
    cross join periods
),

histories as (
    select
        customer_id,
        count(*) - 1 as repeat_purchases,
        count(case when purchase_number > 1 and is_priced then 1 end) as priced_repeat_purchases,
        avg(case when purchase_number > 1 and is_priced then purchase_value end) as avg_repeat_purchase_value,
        sum(purchase_value) as revenue,
        count(case when is_calibration then 1 end) - 1 as calibration_repeat_purchases,
        count(case when is_calibration and purchase_number > 1 and is_priced then 1 end)
            as calibration_priced_repeat_purchases,
        avg(case when is_calibration and purchase_number > 1 and is_priced then purchase_value end)
            as calibration_avg_repeat_purchase_value,
        count(case when not is_calibration then 1 end) as holdout_purchases,
        case
            when count(case when not is_calibration then 1 end) = 0 then 0
            else sum(case when not is_calibration then purchase_value end)
        end as holdout_revenue,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        max(case when is_calibration then purchase_date end) as calibration_last_purchase_date
    from numbered
    group by 1
),

observed as (
    select
        histories.*,
        periods.holdout_days,
        periods.calibration_end_date,
        periods.last_data_date,
        histories.first_purchase_date <= periods.calibration_end_date as is_calibration_customer
    from histories
    cross join periods
),

final as (
    select
        customer_id,
        repeat_purchases,
        cast({{ dbt.datediff('first_purchase_date', 'last_purchase_date', 'day') }} as integer)
            as days_to_last_purchase,
        cast({{ dbt.datediff('first_purchase_date', 'last_data_date', 'day') }} as integer) as days_observed,
        priced_repeat_purchases,
        avg_repeat_purchase_value,
        revenue,
        case when is_calibration_customer then calibration_repeat_purchases end as calibration_repeat_purchases,
        cast({{ dbt.datediff('first_purchase_date', 'calibration_last_purchase_date', 'day') }} as integer)
            as calibration_days_to_last_purchase,
        case
            when is_calibration_customer
                then cast({{ dbt.datediff('first_purchase_date', 'calibration_end_date', 'day') }} as integer)
        end as calibration_days_observed,
        case
            when is_calibration_customer then calibration_priced_repeat_purchases
        end as calibration_priced_repeat_purchases,
        calibration_avg_repeat_purchase_value,
        holdout_purchases,
        cast(holdout_revenue as {{ type_double() }}) as holdout_revenue,
        holdout_days,
        is_calibration_customer,
        first_purchase_date,
        last_purchase_date,
        calibration_end_date,
        last_data_date
    from observed
)

select * from final
