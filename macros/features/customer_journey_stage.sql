{#- The journey stage a customer has reached by the as-of date: awareness, consideration, purchase or retention. -#}
{% macro customer_journey_stage() -%}
case
    when order_features.orders_lifetime >= 2 then 'retention'
    when order_features.orders_lifetime = 1 then 'purchase'
    when engagement_features.last_active_date is not null then 'consideration'
    else 'awareness'
end
{%- endmacro %}
