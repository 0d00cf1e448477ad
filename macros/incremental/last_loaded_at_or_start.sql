{#- The newest dbt_loaded_at this model holds, or 1900-01-01 when it holds none: an empty table, or one
    stored before it had the column (the first incremental build after an upgrade, when the batch is
    computed before on_schema_change adds it), takes every upstream row as new. -#}
{% macro last_loaded_at_or_start() -%}
    {%- set start = "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- if execute and 'dbt_loaded_at' not in adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
        {{ start }}
    {%- else -%}
        coalesce({{ last_loaded_at() }}, {{ start }})
    {%- endif -%}
{%- endmacro %}
