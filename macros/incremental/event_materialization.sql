{#- incremental where the engine can delete rows (DuckDB, Databricks), else table: same results. -#}
{% macro event_materialization() -%}
    {{ return('incremental' if target.type in ('duckdb', 'databricks') else 'table') }}
{%- endmacro %}
