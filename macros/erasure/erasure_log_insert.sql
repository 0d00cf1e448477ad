{#- An insert of one audit row into _cj_meta.erasure_log: this invocation, the relation, the action,
    `rows_sql` (a number or a scalar SQL expression), the requests in the list now, and when. -#}
{% macro erasure_log_insert(relation_name, action, rows_sql) -%}
    insert into {{ erasure_log_relation() }}
        (invocation_id, relation_name, erasure_action, rows_affected, requests_honoured, build_started_at, recorded_at)
    select
        {{ sql_literal(invocation_id) }},
        {{ sql_literal(relation_name) }},
        {{ sql_literal(action) }},
        cast({{ rows_sql }} as {{ dbt.type_bigint() }}),
        {{ erasure_request_count_sql() }},
        {{ loaded_at() }},
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }})
{%- endmacro %}
