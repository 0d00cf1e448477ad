{#- A SQL condition true for the stored rows that belong to an erased identity in `identities` (a
    relation of erased_identities_sql rows); never null. Each argument names a column of the model:
      customer_id: an erased customer id;
      anonymous_id: an erased anonymous id (every event on it), or a device of an erased customer
        where `anonymous_only` (SQL: the row's event carried no customer id) holds;
      person_id: an erased customer id, or 'anon:' + an erased or linked anonymous id (how
        int_events_stitched forms it). -#}
{% macro erased_rows_condition(identities, customer_id=none, anonymous_id=none, person_id=none, anonymous_only=none) -%}
    {%- set erased = {} -%}
    {%- for identity_type in ['customer_id', 'anonymous_id', 'linked_anonymous_id'] -%}
        {%- do erased.update({identity_type: 'select identity_value from ' ~ identities ~ ' where identity_type = ' ~ sql_literal(identity_type)}) -%}
    {%- endfor -%}
    {%- set conditions = [] -%}
    {%- if customer_id is not none -%}
        {%- do conditions.append('(' ~ customer_id ~ ' is not null and ' ~ customer_id ~ ' in (' ~ erased.customer_id ~ '))') -%}
    {%- endif -%}
    {%- if anonymous_id is not none -%}
        {%- do conditions.append('(' ~ anonymous_id ~ ' is not null and ' ~ anonymous_id ~ ' in (' ~ erased.anonymous_id ~ '))') -%}
        {%- if anonymous_only is not none -%}
            {%- do conditions.append(
                '(' ~ anonymous_id ~ ' is not null and coalesce(' ~ anonymous_only ~ ', false) and '
                ~ anonymous_id ~ ' in (' ~ erased.linked_anonymous_id ~ '))'
            ) -%}
        {%- endif -%}
    {%- endif -%}
    {%- if person_id is not none -%}
        {%- do conditions.append(
            '(' ~ person_id ~ ' is not null and ' ~ person_id ~ ' in (' ~ erased.customer_id
            ~ " union all select 'anon:' || identity_value from " ~ identities
            ~ " where identity_type in ('anonymous_id', 'linked_anonymous_id')))"
        ) -%}
    {%- endif -%}
    {%- if not conditions -%}
        {{ exceptions.raise_compiler_error("erased_rows_condition: name at least one id column") }}
    {%- endif -%}
    ({{ conditions | join(' or ') }})
{%- endmacro %}
