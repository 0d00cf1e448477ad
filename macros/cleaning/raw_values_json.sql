{#- A row's raw values as JSON text, for the quarantine, e-mail addresses and phone numbers redacted. Dispatched per engine. -#}
{% macro raw_values_json(columns) -%}
    {{ return(adapter.dispatch('raw_values_json', 'customer_journey')(columns)) }}
{%- endmacro %}

{% macro default__raw_values_json(columns) -%}
    to_json(named_struct(
        {%- for column in columns %}
        '{{ column }}', {{ redact_pii('cast(' ~ column ~ ' as ' ~ dbt.type_string() ~ ')') }}{{ ',' if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}

{% macro duckdb__raw_values_json(columns) -%}
    cast(to_json(struct_pack(
        {%- for column in columns %}
        {{ column }} := {{ redact_pii('cast(' ~ column ~ ' as varchar)') }}{{ ',' if not loop.last }}
        {%- endfor %}
    )) as varchar)
{%- endmacro %}
