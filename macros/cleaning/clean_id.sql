{#- Trimmed text with its casing kept; empty strings become null. -#}
{% macro clean_id(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}
