{#- max(x, 0) that keeps nulls (greatest() skips nulls on some engines). -#}
{% macro clip_at_zero(column) -%}
    case when {{ column }} < 0 then 0 else {{ column }} end
{%- endmacro %}
