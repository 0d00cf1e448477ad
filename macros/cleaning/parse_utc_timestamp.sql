{#-
    A raw timestamp as UTC without time zone, null when unparseable; dispatched.
    Accepted: native timestamps, ISO-8601 text with or without an offset (without
    one it is read in var source_timezone, default UTC), and epoch numbers
    (native or text): seconds, milliseconds or microseconds, told apart per
    value by magnitude (below 1e11 seconds, below 1e14 milliseconds).
-#}
{% macro parse_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'customer_journey')(column)) }}
{%- endmacro %}

{% macro default__parse_utc_timestamp(column) -%}
    cast({{ column }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__parse_utc_timestamp(column) -%}
    {%- set epoch = 'try_cast(' ~ column ~ ' as double)' -%}
    {%- set zone = source_timezone() -%}
    coalesce(
        {%- if zone | upper in ('UTC', 'ETC/UTC') %}
        cast(try_cast({{ column }} as timestamptz) as timestamp),
        {%- else %}
        {# an offset in the text wins; a naive time is a wall-clock time in the source's zone #}
        case
            when regexp_matches(
                    cast({{ column }} as varchar), '[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)? ?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$'
                )
                then cast(try_cast({{ column }} as timestamptz) as timestamp)
            else cast(timezone({{ sql_literal(zone) }}, try_cast({{ column }} as timestamp)) as timestamp)
        end,
        {%- endif %}
        cast(
            case
                when abs({{ epoch }}) < 1e11 then to_timestamp({{ epoch }})
                when abs({{ epoch }}) < 1e14 then to_timestamp({{ epoch }} / 1e3)
                when abs({{ epoch }}) < 1e17 then to_timestamp({{ epoch }} / 1e6)
            end as timestamp
        )
    )
{%- endmacro %}
