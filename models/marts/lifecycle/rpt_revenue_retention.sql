{#
    One row per breakdown (all, acquisition channel, first-order category) x first-purchase cohort
    month x months since: customer and net revenue retention side by side. The cohorts are those of
    rpt_retention_cohorts. Method: doc block rpt_revenue_retention (_lifecycle__docs.md).
#}

{%- set breakdowns = [
    ('all', "'all'"),
    ('acquisition_channel', 'acquisition_channel'),
    ('first_order_category', 'first_order_category'),
] -%}

with

orders as (
    select * from {{ ref('int_orders_cleaned') }}
    where order_status <> 'cancelled'
),

order_items as (
    select * from {{ ref('int_order_items_cleaned') }}
),

customers as (
    select * from {{ ref('dim_customers') }}
),

calendar as (
    select * from {{ ref('int_data_calendar') }}
),

numbered_orders as (
    select
        customer_id,
        order_id,
        ordered_at,
        row_number() over (partition by customer_id order by ordered_at, order_id) as customer_order_number
    from orders
),

first_orders as (
    select
        customer_id,
        order_id,
        cast({{ dbt.date_trunc('month', 'ordered_at') }} as date) as cohort_month
    from numbered_orders
    where customer_order_number = 1
),

{# the first order's category: that of its largest line (by amount, then the category's name) #}
first_order_lines as (
    select
        first_orders.customer_id,
        order_items.category,
        row_number() over (
            partition by first_orders.customer_id
            order by coalesce(order_items.line_amount, 0) desc, order_items.category
        ) as line_rank
    from first_orders
    inner join order_items
        on first_orders.order_id = order_items.order_id
    where order_items.category is not null
),

cohort_members as (
    select
        first_orders.customer_id,
        coalesce(customers.acquisition_channel, '(unknown)') as acquisition_channel,
        coalesce(first_order_lines.category, '(unknown)') as first_order_category,
        first_orders.cohort_month
    from first_orders
    left join customers
        on first_orders.customer_id = customers.customer_id
    left join first_order_lines
        on
            first_orders.customer_id = first_order_lines.customer_id
            and first_order_lines.line_rank = 1
),

member_breakdowns as (
    {% for dimension, expression in breakdowns %}
        select
            customer_id,
            '{{ dimension }}' as dimension,
            cast({{ expression }} as {{ dbt.type_string() }}) as dimension_value,
            cohort_month
        from cohort_members
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

cohorts as (
    select
        dimension,
        dimension_value,
        cohort_month,
        count(*) as cohort_customers
    from member_breakdowns
    group by 1, 2, 3
),

activity as (
    select
        member_breakdowns.dimension,
        member_breakdowns.dimension_value,
        member_breakdowns.cohort_month,
        {{ dbt.datediff('member_breakdowns.cohort_month', dbt.date_trunc('month', 'orders.ordered_at'), 'month') }} as months_since_first_purchase,
        count(distinct orders.customer_id) as active_customers,
        sum(case when orders.is_completed then orders.order_amount else 0 end) as revenue_amount
    from orders
    inner join member_breakdowns
        on orders.customer_id = member_breakdowns.customer_id
    group by 1, 2, 3, 4
),

{# the grid of rpt_retention_cohorts: cohort_max_months after the cohort month, up to the month
   of the last non-cancelled order #}
last_month as (
    select cast({{ dbt.date_trunc('month', 'max(ordered_at)') }} as date) as last_order_month
    from orders
),

month_numbers as (
    select generated_number - 1 as months_since_first_purchase
    from ({{ dbt.generate_series(var('cohort_max_months') + 1) }}) as series
),

grid as (
    select
        cohorts.dimension,
        cohorts.dimension_value,
        cohorts.cohort_month,
        cohorts.cohort_customers,
        month_numbers.months_since_first_purchase,
        cast({{ dbt.dateadd('month', 'month_numbers.months_since_first_purchase', 'cohorts.cohort_month') }} as date) as calendar_month
    from cohorts
    cross join month_numbers
    cross join last_month
    where
        {{ dbt.dateadd('month', 'month_numbers.months_since_first_purchase', 'cohorts.cohort_month') }}
        <= last_month.last_order_month
),

retention as (
    select
        grid.dimension,
        grid.dimension_value,
        grid.months_since_first_purchase,
        grid.cohort_customers,
        coalesce(activity.active_customers, 0) as active_customers,
        coalesce(activity.revenue_amount, 0) as revenue_amount,
        grid.cohort_month,
        grid.calendar_month
    from grid
    left join activity
        on
            grid.dimension = activity.dimension
            and grid.dimension_value = activity.dimension_value
            and grid.cohort_month = activity.cohort_month
            and grid.months_since_first_purchase = activity.months_since_first_purchase
),

final as (
    select
        retention.dimension,
        retention.dimension_value,
        retention.months_since_first_purchase,
        retention.cohort_customers,
        retention.active_customers,
        {{ safe_divide('retention.active_customers', 'retention.cohort_customers') }} as customer_retention_rate,
        retention.revenue_amount,
        sum(case when retention.months_since_first_purchase = 0 then retention.revenue_amount end) over (
            partition by retention.dimension, retention.dimension_value, retention.cohort_month
        ) as first_month_revenue_amount,
        {{ safe_divide(
            'retention.revenue_amount',
            'sum(case when retention.months_since_first_purchase = 0 then retention.revenue_amount end) over ('
            ~ 'partition by retention.dimension, retention.dimension_value, retention.cohort_month)'
        ) }} as net_revenue_retention,
        sum(retention.revenue_amount) over (
            partition by retention.dimension, retention.dimension_value, retention.cohort_month
            order by retention.months_since_first_purchase
            rows between unbounded preceding and current row
        ) as cumulative_revenue_amount,
        {{ safe_divide(
            'sum(retention.revenue_amount) over (partition by retention.dimension, retention.dimension_value, '
            ~ 'retention.cohort_month order by retention.months_since_first_purchase '
            ~ 'rows between unbounded preceding and current row)',
            'retention.cohort_customers'
        ) }} as cumulative_revenue_per_customer,
        {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'retention.calendar_month')) }} > calendar.last_data_date as is_partial_period,
        retention.cohort_month,
        retention.calendar_month
    from retention
    cross join calendar
)

select * from final
