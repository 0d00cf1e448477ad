{#- True for a finite number, false for NaN and +-Infinity, null for null; dispatched. -#}
{% macro is_finite(expression) -%}
    {{ return(adapter.dispatch('is_finite', 'customer_journey')(expression)) }}
{%- endmacro %}

{% macro default__is_finite(expression) -%}
    ({{ expression }} = {{ expression }} and abs({{ expression }}) < cast('Infinity' as {{ type_double() }}))
{%- endmacro %}

{% macro duckdb__is_finite(expression) -%}
    isfinite({{ expression }})
{%- endmacro %}

{% macro spark__is_finite(expression) -%}
    (not isnan({{ expression }}) and abs({{ expression }}) < double('Infinity'))
{%- endmacro %}
