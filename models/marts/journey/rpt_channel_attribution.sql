{#
    One row per attribution model x channel x UTM source: first-touch, last-touch and linear
    credit. Method: doc block rpt_channel_attribution (_journey__docs.md).
#}

with

orders as (
    select * from {{ ref('int_orders_cleaned') }}
    where is_completed
),

sessions as (
    select
        session_id,
        customer_id,
        coalesce(channel, '(unknown)') as channel,
        coalesce(utm_source, '(none)') as utm_source,
        session_started_at
    from {{ ref('int_sessions') }}
    where customer_id is not null
),

touches as (
    select
        orders.order_id,
        orders.order_amount,
        sessions.channel,
        sessions.utm_source,
        row_number() over (
            partition by orders.order_id order by sessions.session_started_at, sessions.session_id
        ) as touch_number,
        row_number() over (
            partition by orders.order_id order by sessions.session_started_at desc, sessions.session_id desc
        ) as touch_number_from_end,
        count(*) over (partition by orders.order_id) as touch_count
    from orders
    inner join sessions
        on
            orders.customer_id = sessions.customer_id
            and orders.ordered_at >= sessions.session_started_at
            and sessions.session_started_at >= {{ dbt.dateadd('day', -1 * var('attribution_lookback_days'), 'orders.ordered_at') }}
),

untouched as (
    select
        orders.order_id,
        orders.order_amount
    from orders
    left join touches
        on orders.order_id = touches.order_id
    where touches.order_id is null
),

credits as (
    select
        'first_touch' as attribution_model,
        channel,
        utm_source,
        order_id,
        order_amount,
        cast(1 as {{ type_double() }}) as credit
    from touches
    where touch_number = 1
    union all
    select
        'last_touch' as attribution_model,
        channel,
        utm_source,
        order_id,
        order_amount,
        cast(1 as {{ type_double() }}) as credit
    from touches
    where touch_number_from_end = 1
    union all
    select
        'linear' as attribution_model,
        channel,
        utm_source,
        order_id,
        order_amount,
        cast(1 as {{ type_double() }}) / touch_count as credit
    from touches
    {% for model in ['first_touch', 'last_touch', 'linear'] %}
        union all
        select
            '{{ model }}' as attribution_model,
            '(none)' as channel,
            '(none)' as utm_source,
            order_id,
            order_amount,
            cast(1 as {{ type_double() }}) as credit
        from untouched
    {% endfor %}
),

final as (
    select
        attribution_model,
        channel,
        utm_source,
        count(distinct order_id) as orders_touched,
        sum(credit) as credited_conversions,
        sum(credit * order_amount) as credited_revenue_amount
    from credits
    group by 1, 2, 3
)

select * from final
