{#- A scalar subquery: the requests in the raw erasure list that name a customer or an anonymous id. -#}
{% macro erasure_request_count_sql() -%}
    (
        select count(*) from {{ erasure_raw_relation('erasure_requests') }}
        where {{ clean_id('customer_id') }} is not null or {{ clean_id('anonymous_id') }} is not null
    )
{%- endmacro %}
