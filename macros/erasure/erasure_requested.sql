{#- Whether the erasure list holds a request, asked when `dbt run`, `build`, `retry` or `show` executes:
    false while dbt parses or only compiles (`dbt compile`, `docs generate`, sqlfluff's templater:
    their SQL is for reading), and when the raw view does not exist. The erasure filters
    and hooks add nothing to a build while it is false. Dispatched per engine. -#}
{% macro erasure_requested() %}
    {% if not execute or flags.WHICH not in ('run', 'build', 'retry', 'show') %}
        {{ return(false) }}
    {% endif %}
    {{ return(adapter.dispatch('erasure_requested', 'customer_journey')()) }}
{% endmacro %}

{#- Engines whose raw views always exist once the run starts (Spark: every table's folder must). -#}
{% macro default__erasure_requested() %}
    {% set found = run_query(
        "select count(*) from " ~ erasure_raw_relation('erasure_requests')
        ~ " where " ~ clean_id('customer_id') ~ " is not null or " ~ clean_id('anonymous_id') ~ " is not null"
    ) %}
    {{ return(found.columns[0].values()[0] > 0) }}
{% endmacro %}

{% macro duckdb__erasure_requested() %}
    {% set node = graph.sources.get('source.' ~ project_name ~ '.raw.erasure_requests') %}
    {% set registered = run_query(
        "select count(*) from information_schema.tables where table_catalog = current_database()"
        ~ " and table_schema = " ~ sql_literal(node.schema) ~ " and table_name = " ~ sql_literal(node.identifier)
    ).columns[0].values()[0] %}
    {% if registered == 0 %}
        {{ return(false) }}
    {% endif %}
    {{ return(default__erasure_requested()) }}
{% endmacro %}
