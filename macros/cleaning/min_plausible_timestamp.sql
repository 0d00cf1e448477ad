{#- var min_plausible_timestamp as a timestamp literal: rows stamped earlier are implausible. -#}
{% macro min_plausible_timestamp() -%}
    {%- set floor = var('min_plausible_timestamp') | string -%}
    {%- if execute and not modules.re.match('^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$', floor) -%}
        {{ exceptions.raise_compiler_error(
            "var min_plausible_timestamp must be a date 'YYYY-MM-DD' (or 'YYYY-MM-DD HH:MM:SS'); got '" ~ floor ~ "'"
        ) }}
    {%- endif -%}
    cast('{{ floor }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}
