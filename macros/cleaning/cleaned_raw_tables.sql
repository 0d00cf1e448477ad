{#- The raw tables the cleaning layer covers, each with the key that names a row in the quarantine. -#}
{% macro cleaned_raw_tables() %}
    {{ return([
        {'name': 'customers', 'key': 'customer_id'},
        {'name': 'events', 'key': 'event_id'},
        {'name': 'orders', 'key': 'order_id'},
        {'name': 'order_items', 'key': "order_id || '|' || product_id"},
        {'name': 'feedback', 'key': 'feedback_id'},
        {'name': 'marketing_actions', 'key': 'action_id'},
        {'name': 'marketing_spend', 'key': "cast(spend_date as " ~ dbt.type_string() ~ ") || '|' || channel || '|' || coalesce(campaign, '(none)')"},
    ]) }}
{% endmacro %}
