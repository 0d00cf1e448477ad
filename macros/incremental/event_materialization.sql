{#- incremental where the project's delete hooks (erasure, late-flagged bots: erase_from_incremental)
    are implemented (DuckDB), else table: same results. -#}
{% macro event_materialization() -%}
    {{ return('incremental' if target.type == 'duckdb' else 'table') }}
{%- endmacro %}
