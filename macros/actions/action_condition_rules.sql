{#- The action playbook's eligibility rules: name -> boolean SQL over customer_action_state (alias `state`). -#}
{% macro action_condition_rules() -%}
    {{ return({
        'always': 'true',
        'new_customer': 'state.tenure_days <= 14',
        'cart_abandoned': 'state.abandoned_carts_90d > 0 and state.days_since_last_active <= 14 and coalesce(state.recency_days, 9999) > state.days_since_last_active',
        'high_value_at_risk': "state.churn_risk_tier in ('high', 'medium') and state.rfm_monetary_score >= 4",
        'high_churn_risk': "state.churn_risk_tier = 'high'",
        'open_information_gap': 'state.has_open_information_gap',
        'recent_order': 'state.recency_days <= 14',
        'app_user': 'state.app_share_90d >= 0.5',
        'no_order_yet': 'state.orders_lifetime = 0',
        'lapsed': 'state.recency_days > 60',
    }) }}
{%- endmacro %}
