{#- Staging: a `where` clause keeping the rows whose ids are not erased (the CTE of
    erasure_staging_cte), or nothing while the list is empty. Each argument names the column that
    holds that kind of id; a null id never matches. With both customer_id and anonymous_id (events),
    a row without a customer id also goes when its anonymous id is a device of an erased customer. -#}
{% macro erasure_staging_filter(customer_id=none, anonymous_id=none, order_id=none) %}
    {%- if not erasure_in_unit_test() and erasure_requested() -%}
        {%- set kept = [] -%}
        {%- for identity_type, column in [('customer_id', customer_id), ('anonymous_id', anonymous_id), ('order_id', order_id)] if column is not none -%}
            {%- do kept.append(
                '(' ~ column ~ ' is null or ' ~ column ~ ' not in (select erased_identities.identity_value'
                ~ ' from erased_identities where erased_identities.identity_type = ' ~ sql_literal(identity_type) ~ '))'
            ) -%}
        {%- endfor -%}
        {%- if customer_id is not none and anonymous_id is not none -%}
            {%- do kept.append(
                '(' ~ customer_id ~ ' is not null or ' ~ anonymous_id ~ ' is null or ' ~ anonymous_id
                ~ " not in (select erased_identities.identity_value from erased_identities"
                ~ " where erased_identities.identity_type = 'linked_anonymous_id'))"
            ) -%}
        {%- endif -%}
        where {{ kept | join('\n        and ') }}
    {%- endif -%}
{% endmacro %}
