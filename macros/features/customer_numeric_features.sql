{#- The numeric columns of customer_features_as_of that are scaled and offered to the models. -#}
{% macro customer_numeric_features() %}
    {{ return([
        'age_years', 'tenure_days', 'recency_days', 'days_since_first_order', 'days_since_last_active',
        'days_since_last_unanswered', 'orders_lifetime', 'orders_30d', 'orders_90d', 'orders_365d',
        'revenue_lifetime', 'revenue_30d', 'revenue_90d', 'revenue_365d', 'avg_order_value',
        'discount_share', 'return_rate', 'top_category_share', 'rfm_recency_score', 'rfm_frequency_score',
        'rfm_monetary_score', 'sessions_7d', 'sessions_30d', 'sessions_90d', 'events_7d', 'events_30d',
        'events_90d', 'active_days_7d', 'active_days_30d', 'active_days_90d', 'session_trend_30d',
        'events_per_session_90d', 'session_conversion_90d',
        'app_share_90d', 'mobile_web_share_90d', 'product_views_90d', 'searches_90d', 'abandoned_carts_90d',
        'information_seeking_30d', 'information_seeking_90d', 'unanswered_30d', 'unanswered_90d',
        'support_tickets_90d', 'reviews_lifetime', 'avg_review_score', 'last_review_score',
        'last_nps_score', 'avg_csat_score', 'actions_received_90d', 'actions_opened_90d',
        'actions_converted_90d',
    ]) }}
{% endmacro %}
