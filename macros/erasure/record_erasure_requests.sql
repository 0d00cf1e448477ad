{#-
    on-run-start of `dbt run` / `dbt build`: creates the audit table _cj_meta.erasure_log when
    missing and, on DuckDB, records there how many requests the list holds and how many raw rows
    of each table staging drops for them, each when it differs from the last recorded value (a
    new request, or new raw rows of an erased person). Counts only, never ids. Dispatched per
    engine; returns `select 1`.
-#}
{% macro record_erasure_requests() %}
    {% if not execute or flags.WHICH not in ('run', 'build') %}
        {{ return('select 1') }}
    {% endif %}
    {% for statement in create_erasure_log() %}
        {% do run_query(statement) %}
    {% endfor %}
    {% do adapter.dispatch('record_erasure_requests', 'customer_journey')() %}
    {{ return('select 1') }}
{% endmacro %}

{#- Spark: the staging filters apply; the raw counts are not recorded. -#}
{% macro default__record_erasure_requests() %}
{% endmacro %}

{% macro duckdb__record_erasure_requests() %}
    {%- set log = erasure_log_relation() -%}
    {%- set requested = erasure_requested() -%}
    {%- set identities = 'cj_erased_identities' -%}
    {%- set counts = [] -%}
    {%- if requested -%}
        {%- do run_query(
            'create or replace temp table ' ~ identities ~ ' as ' ~ erased_identities_sql(
                erasure_raw_relation('erasure_requests'), erasure_raw_relation('events'), erasure_raw_relation('orders')
            )
        ) -%}
        {#- what each staging model drops: the same ids, cleaned the same way -#}
        {%- set erased_customer = pseudonymise_id(clean_id('customer_id')) ~ " in (select identity_value from "
            ~ identities ~ " where identity_type = 'customer_id')" -%}
        {%- set dropped = {
            'customers': erased_customer,
            'orders': erased_customer,
            'order_items': clean_id('order_id') ~ " in (select identity_value from " ~ identities ~ " where identity_type = 'order_id')",
            'events': erased_customer ~ " or " ~ pseudonymise_id(clean_id('anonymous_id'))
                ~ " in (select identity_value from " ~ identities ~ " where identity_type = 'anonymous_id')"
                ~ " or (" ~ clean_id('customer_id') ~ " is null and " ~ pseudonymise_id(clean_id('anonymous_id'))
                ~ " in (select identity_value from " ~ identities ~ " where identity_type = 'linked_anonymous_id'))",
            'feedback': erased_customer,
            'marketing_actions': erased_customer,
        } -%}
        {%- for table_name, condition in dropped.items() -%}
            {%- do counts.append(
                "select 'raw." ~ table_name ~ "' as relation_name, 'dropped_in_staging' as erasure_action, count(*) as rows_affected"
                ~ " from " ~ erasure_raw_relation(table_name) ~ " where coalesce(" ~ condition ~ ", false)"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do counts.append(
        "select 'raw.erasure_requests' as relation_name, 'request_list' as erasure_action, "
        ~ erasure_request_count_sql() ~ " as rows_affected"
    ) -%}
    {%- set record -%}
        insert into {{ log }}
            (invocation_id, relation_name, erasure_action, rows_affected, requests_honoured, build_started_at, recorded_at)
        with

        now_counted as (
            {{ counts | join('\n            union all\n            ') }}
        ),

        last_recorded as (
            select
                relation_name,
                erasure_action,
                rows_affected,
                row_number() over (partition by relation_name, erasure_action order by recorded_at desc) as recency
            from {{ log }}
        )

        select
            {{ sql_literal(invocation_id) }},
            now_counted.relation_name,
            now_counted.erasure_action,
            now_counted.rows_affected,
            {{ erasure_request_count_sql() }},
            {{ loaded_at() }},
            cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }})
        from now_counted
        left join last_recorded
            on
                now_counted.relation_name = last_recorded.relation_name
                and now_counted.erasure_action = last_recorded.erasure_action
                and last_recorded.recency = 1
        where now_counted.rows_affected is distinct from coalesce(last_recorded.rows_affected, 0)
    {%- endset -%}
    {%- do run_query(record) -%}
    {%- if requested -%}
        {%- do run_query('drop table ' ~ identities) -%}
    {%- endif -%}
{% endmacro %}
