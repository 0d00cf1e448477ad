{#- A fingerprint of a row's raw values: tells an exact duplicate from a conflicting one. Dispatched per engine. -#}
{% macro row_fingerprint(columns) -%}
    {{ return(adapter.dispatch('row_fingerprint', 'customer_journey')(columns)) }}
{%- endmacro %}

{% macro default__row_fingerprint(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{% macro duckdb__row_fingerprint(columns) -%}
    cast(hash({{ columns | join(', ') }}) as varchar)
{%- endmacro %}
