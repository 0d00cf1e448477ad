{#
    One row per attribution model x channel x UTM source: first-touch, last-touch, linear and
    position-based credit. Method: doc block rpt_channel_attribution (_journey__docs.md).
#}

{%- set end_share = var('attribution_position_end_share') -%}
{%- if execute and not (end_share is number and 0 <= end_share <= 0.5) -%}
    {{ exceptions.raise_compiler_error(
        "var attribution_position_end_share must be a number from 0 to 0.5 (the share of the first and of the"
        ~ " last touch each; the middle touches split the rest); got '" ~ end_share ~ "'"
    ) }}
{%- endif -%}

with

orders as (
    select * from {{ ref('int_orders_cleaned') }}
    where is_completed
),

touches as (
    select * from {{ ref('int_attribution_touches') }}
),

touched_orders as (
    select distinct order_id from touches
),

untouched as (
    select
        orders.order_id,
        orders.order_amount
    from orders
    left join touched_orders
        on orders.order_id = touched_orders.order_id
    where touched_orders.order_id is null
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
    union all
    {# the first and the last touch take end_share each, the middle ones split the rest #}
    select
        'position_based' as attribution_model,
        channel,
        utm_source,
        order_id,
        order_amount,
        case
            when touch_count = 1 then cast(1 as {{ type_double() }})
            when touch_count = 2 then cast(0.5 as {{ type_double() }})
            when touch_number = 1 or touch_number_from_end = 1 then cast({{ end_share }} as {{ type_double() }})
            else cast(1 - 2 * {{ end_share }} as {{ type_double() }}) / (touch_count - 2)
        end as credit
    from touches
    {% for model in ['first_touch', 'last_touch', 'linear', 'position_based'] %}
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
