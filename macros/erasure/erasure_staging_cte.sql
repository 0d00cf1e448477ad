{#- Staging: the CTE `erased_identities` (erased_identities_sql over the raw request list) and a
    trailing comma, or nothing while the list is empty and in unit tests (their fixtures stand in
    for the raw tables). Names source('raw', 'erasure_requests') whenever the model is parsed or
    built, so the model depends on the list even while it is empty. -#}
{% macro erasure_staging_cte(events=none, orders=none) %}
    {%- if erasure_in_unit_test() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set requests = source('raw', 'erasure_requests') -%}
    {%- if erasure_requested() -%}
        erased_identities as (
            {{ erased_identities_sql(requests, events, orders) }}
        ),
    {%- endif -%}
{% endmacro %}
