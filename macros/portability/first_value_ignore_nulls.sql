{#- first_value skipping nulls: DuckDB takes IGNORE NULLS inside the call, Spark a flag. -#}
{% macro first_value_ignore_nulls(expression) -%}
    {{ return(adapter.dispatch('first_value_ignore_nulls', 'customer_journey')(expression)) }}
{%- endmacro %}

{% macro default__first_value_ignore_nulls(expression) -%}
    first_value({{ expression }} ignore nulls)
{%- endmacro %}

{% macro spark__first_value_ignore_nulls(expression) -%}
    first_value({{ expression }}, true)
{%- endmacro %}
