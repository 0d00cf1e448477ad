{#- Integer division, exact for any bigint (a plain / returns a double); dispatched per engine. -#}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide', 'customer_journey')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__integer_divide(numerator, denominator) -%}
    ({{ numerator }}) // ({{ denominator }})
{%- endmacro %}

{% macro spark__integer_divide(numerator, denominator) -%}
    ({{ numerator }}) div ({{ denominator }})
{%- endmacro %}
