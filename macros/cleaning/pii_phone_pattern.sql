{#- Phone numbers only in international format (a + and 8 to 15 digits, spaces, dots or dashes
    between): local formats are too easily confused with ids, amounts and dates. -#}
{% macro pii_phone_pattern() -%}
    [+][0-9][0-9 .-]{6,18}[0-9]
{%- endmacro %}
