{#-
    The quarantine reason for a raw timestamp that is present but unusable,
    else null: 'unparseable_timestamp' when it does not parse,
    'implausible_timestamp' before var min_plausible_timestamp (placeholder
    dates such as 1900-01-01 or 0001-01-01). Later than now + tolerance is
    the cleaning layer's future_timestamp.
-#}
{% macro timestamp_problem(column) -%}
    {%- set parsed = parse_utc_timestamp(column) -%}
    case
        when
            {{ column }} is not null
            and trim(cast({{ column }} as {{ dbt.type_string() }})) <> ''
            and {{ parsed }} is null
            then 'unparseable_timestamp'
        when {{ parsed }} < {{ min_plausible_timestamp() }} then 'implausible_timestamp'
    end
{%- endmacro %}
