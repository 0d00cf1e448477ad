{#- var source_timezone (IANA name, default UTC), checked against the engine's zone list when executing. -#}
{% macro source_timezone() -%}
    {%- set zone = var('source_timezone') | string -%}
    {%- if execute and target.type == 'duckdb' and zone | upper not in ('UTC', 'ETC/UTC') -%}
        {%- set known = run_query("select count(*) from pg_timezone_names() where name = " ~ sql_literal(zone)).columns[0].values()[0] -%}
        {%- if known == 0 -%}
            {{ exceptions.raise_compiler_error(
                "var source_timezone '" ~ zone ~ "' is not a time zone name (IANA, e.g. Europe/Paris, America/New_York)."
            ) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(zone) }}
{%- endmacro %}
