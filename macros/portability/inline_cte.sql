{#- Placed between a CTE's name and its body: inline the CTE at each use (DuckDB); elsewhere nothing. -#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'customer_journey')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
{%- endmacro %}

{% macro duckdb__inline_cte() -%}
    not materialized
{%- endmacro %}
