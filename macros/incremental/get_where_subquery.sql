{#- What a generic data test reads: dbt's own where config, and, on an incremental model, only the
    rows of its newest batch (the rows the last build wrote, stamped with the newest dbt_loaded_at).
    A full build stamps every row alike, so it tests everything; an incremental build tests what it
    wrote. Uniqueness tests check the batch's keys against the whole table. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set batch = batch_test_filter(relation) -%}
    {%- set conditions = [] -%}
    {%- if where %}{% do conditions.append('(' ~ where ~ ')') %}{% endif -%}
    {%- if batch %}{% do conditions.append(batch) %}{% endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ conditions | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
