{#- How many churned periods in a row fct_customer_lifecycle keeps for a customer, from var
    lifecycle_churned_periods_kept: a whole number from 0. Anything else stops the build. -#}
{% macro lifecycle_churned_periods_kept() %}
    {%- set value = var('lifecycle_churned_periods_kept') -%}
    {%- set text = value | string | trim -%}
    {%- if value is boolean or not text.isdigit() -%}
        {{ exceptions.raise_compiler_error(
            "var lifecycle_churned_periods_kept: " ~ value ~ " is not a whole number from 0"
        ) }}
    {%- endif -%}
    {{ return(text | int) }}
{% endmacro %}
