{#- The engine's 8-byte float type (dbt.type_float() is 4-byte on DuckDB); dispatched per engine. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'customer_journey')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}
