{#- The replace_where strategy: delete the rows the batch replaces (replace_keys, incremental_predicates), insert the batch. -#}
{% macro get_incremental_replace_where_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set conditions = [] -%}
    {%- for key in config.get('replace_keys', []) -%}
        {%- do conditions.append(key ~ ' in (select ' ~ key ~ ' from ' ~ source ~ ')') -%}
    {%- endfor -%}
    {%- for predicate in arg_dict['incremental_predicates'] or [] -%}
        {%- do conditions.append('(' ~ predicate | replace('DBT_INCREMENTAL_SOURCE', source | string)
            | replace('DBT_INCREMENTAL_TARGET', target | string) ~ ')') -%}
    {%- endfor -%}
    {% if conditions %}
        delete from {{ target }}
        where
            {{ conditions | join('\n            or ') }};
    {% endif %}
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{% endmacro %}
