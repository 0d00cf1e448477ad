{#- The first day (a date) of the week (ISO: Monday) or month holding `date_expression`. -#}
{% macro lifecycle_period_start(grain, date_expression) %}
    {%- if grain not in ['week', 'month'] -%}
        {{ exceptions.raise_compiler_error("lifecycle_period_start: grain " ~ grain ~ " is neither week nor month") }}
    {%- endif -%}
    cast({{ dbt.date_trunc(grain, date_expression) }} as date)
{%- endmacro %}
