{#- A contract type (DuckDB names) in the engine's SQL; dispatched per engine. -#}
{% macro raw_column_type(name) -%}
    {{ return(adapter.dispatch('raw_column_type', 'customer_journey')(name)) }}
{%- endmacro %}

{% macro default__raw_column_type(name) -%}
    {{ return(name) }}
{%- endmacro %}

{% macro spark__raw_column_type(name) -%}
    {{ return(spark_type(name)) }}
{%- endmacro %}
