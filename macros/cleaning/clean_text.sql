{#- Trimmed, lower-cased text; empty strings become null. -#}
{% macro clean_text(column) -%}
    nullif(lower(trim(cast({{ column }} as {{ dbt.type_string() }}))), '')
{%- endmacro %}
