{#-
    Build bookkeeping in _cj_meta.build_status (one row): on-run-start marks a
    `dbt run` / `dbt build` as running; on-run-end marks it succeeded or failed
    (errors and failed tests named). A build killed in between stays
    'running'. `cj publish` copies only a warehouse whose last build succeeded.
-#}
{% macro record_build_status(phase, results=none) %}
    {% if not execute or target.type != 'duckdb' or flags.WHICH not in ('run', 'build') %}
        {{ return('select 1') }}
    {% endif %}
    {% if phase == 'started' %}
        {% set status, detail = 'running', '' %}
    {% else %}
        {% set failed = [] %}
        {% for result in results or [] %}
            {% if result.status in ('error', 'fail', 'runtime error') %}
                {% do failed.append(result.node.name ~ ' (' ~ result.status ~ ')') %}
            {% endif %}
        {% endfor %}
        {% set status = 'failed' if failed else 'succeeded' %}
        {% set detail = failed | length ~ ' failed: ' ~ failed[:5] | join(', ') if failed else '' %}
    {% endif %}
    {% do run_query("create schema if not exists _cj_meta") %}
    {% do run_query(
        "create or replace table _cj_meta.build_status as select "
        ~ sql_literal(status) ~ " as status, "
        ~ sql_literal(flags.WHICH) ~ " as command, "
        ~ sql_literal(invocation_id) ~ " as invocation_id, "
        ~ sql_literal(detail) ~ " as detail, "
        ~ "current_timestamp as recorded_at"
    ) %}
    {{ return('select 1') }}
{% endmacro %}
