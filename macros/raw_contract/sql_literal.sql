{#- `value` as a SQL string literal: quotes doubled, so a path or salt with a quote stays one literal. -#}
{% macro sql_literal(value) -%}
    '{{ (value | string).replace("'", "''") }}'
{%- endmacro %}
