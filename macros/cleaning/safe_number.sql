{#- A number, or null when the raw value is not one (a real try-cast on every engine); dispatched. -#}
{% macro safe_number(column, type='double') -%}
    {{ return(adapter.dispatch('safe_number', 'customer_journey')(column, type)) }}
{%- endmacro %}

{% macro default__safe_number(column, type) -%}
    {{ dbt.safe_cast(column, type) }}
{%- endmacro %}

{% macro duckdb__safe_number(column, type) -%}
    try_cast({{ column }} as {{ type }})
{%- endmacro %}

{% macro spark__safe_number(column, type) -%}
    try_cast({{ column }} as {{ spark_type(type) }})
{%- endmacro %}
