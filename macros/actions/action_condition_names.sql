{#- Every rule name of action_condition_rules(), in order, for building the eligibility CASE without reading the seed. -#}
{% macro action_condition_names() -%}
    {{ return(action_condition_rules().keys() | list) }}
{%- endmacro %}
