{#- Continuous percentile of an expression, as an aggregate; dispatched per engine. -#}
{% macro percentile(expression, p) -%}
    {{ return(adapter.dispatch('percentile', 'customer_journey')(expression, p)) }}
{%- endmacro %}

{% macro default__percentile(expression, p) -%}
    percentile_cont({{ p }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile(expression, p) -%}
    quantile_cont({{ expression }}, {{ p }})
{%- endmacro %}

{% macro spark__percentile(expression, p) -%}
    percentile({{ expression }}, {{ p }})
{%- endmacro %}
