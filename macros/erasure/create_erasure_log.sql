{#- The statements (a list) creating the audit table _cj_meta.erasure_log and its schema when
    missing; dispatched per engine. -#}
{% macro create_erasure_log() %}
    {{ return(adapter.dispatch('create_erasure_log', 'customer_journey')()) }}
{% endmacro %}

{% macro default__create_erasure_log() %}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.build.erasure_log') -%}
    {{ return([
        'create schema if not exists ' ~ adapter.quote(node.schema),
        'create table if not exists ' ~ erasure_log_relation() ~ ' ('
        ~ 'invocation_id ' ~ dbt.type_string() ~ ', relation_name ' ~ dbt.type_string()
        ~ ', erasure_action ' ~ dbt.type_string() ~ ', rows_affected ' ~ dbt.type_bigint()
        ~ ', requests_honoured ' ~ dbt.type_bigint() ~ ', build_started_at ' ~ dbt.type_timestamp()
        ~ ', recorded_at ' ~ dbt.type_timestamp() ~ ')',
    ]) }}
{% endmacro %}

{#- Spark: a Parquet table (the session's default would be a Hive SerDe table). -#}
{% macro spark__create_erasure_log() %}
    {%- set node = graph.sources.get('source.' ~ project_name ~ '.build.erasure_log') -%}
    {{ return([
        'create schema if not exists ' ~ adapter.quote(node.schema),
        'create table if not exists ' ~ erasure_log_relation() ~ ' (invocation_id string, relation_name string,'
        ~ ' erasure_action string, rows_affected bigint, requests_honoured bigint, build_started_at timestamp,'
        ~ ' recorded_at timestamp) using parquet',
    ]) }}
{% endmacro %}
