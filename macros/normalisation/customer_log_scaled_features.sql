{#- The features scaled on the log scale under method auto: non-negative, right-skewed counts, amounts and day counts. -#}
{% macro customer_log_scaled_features() %}
    {%- set logged = [] -%}
    {%- for feature in customer_numeric_features() -%}
        {%- if feature.startswith('orders_') or feature.startswith('revenue_') or feature.startswith('sessions_')
            or feature.startswith('events_') or feature.startswith('days_since') or feature.endswith('_days')
            or feature in ['avg_order_value', 'product_views_90d', 'searches_90d', 'information_seeking_30d',
                           'information_seeking_90d', 'reviews_lifetime', 'actions_received_90d'] -%}
            {%- do logged.append(feature) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(logged) }}
{% endmacro %}
