{#
    action_condition(name): the eligibility rule `name` of the action
    playbook, as a boolean over int_customer_action_state's columns. Add a
    rule here and it can be used in seeds/action_playbook.csv.
#}
{% macro action_condition(name) -%}
    {%- set rules = {
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
    } -%}
    {%- if name not in rules -%}
        {{ exceptions.raise_compiler_error("unknown action condition '" ~ name ~ "' in seeds/action_playbook.csv; known: " ~ rules.keys() | join(', ')) }}
    {%- endif -%}
    coalesce({{ rules[name] }}, false)
{%- endmacro %}


{# Every named condition, for building the eligibility CASE without reading the seed at compile time. #}
{% macro action_condition_names() -%}
    {{ return(['always', 'new_customer', 'cart_abandoned', 'high_value_at_risk', 'high_churn_risk',
               'open_information_gap', 'recent_order', 'app_user', 'no_order_yet', 'lapsed']) }}
{%- endmacro %}
