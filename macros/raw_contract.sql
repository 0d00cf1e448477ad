{#
    Registers the raw files as views in the `raw` schema, checking them
    against the contract in models/staging/raw/_raw__sources.yml.

    For each table of source `raw`:
      - <raw_path>/<table>/*.parquet, else *.csv, is read (union by name);
      - no files: a required table stops the build naming the patterns; an
        optional one becomes an empty view with the contract's typed columns;
      - a required column that is missing stops the build naming the table,
        the file pattern and the column; a missing optional column becomes a
        typed null;
      - an unreadable file fails with the reader's error, which names it.
#}

{% macro register_raw_sources() %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {{ return(adapter.dispatch('register_raw_sources', 'customer_journey')()) }}
{% endmacro %}


{% macro raw_contract_tables() %}
    {# the contract as a list of {name, schema, identifier, required, columns: [{name, type, required}]} #}
    {% set tables = [] %}
    {% for node in graph.sources.values() | sort(attribute='name') if node.source_name == 'raw' %}
        {% set columns = [] %}
        {% for column in node.columns.values() %}
            {% set meta = (column.get('config') or {}).get('meta') or column.get('meta') or {} %}
            {% do columns.append({
                'name': column.name,
                'type': column.data_type or 'varchar',
                'required': meta.get('required', false),
            }) %}
        {% endfor %}
        {% set meta = node.config.get('meta') or node.meta or {} %}
        {% do tables.append({
            'name': node.name,
            'schema': node.schema,
            'identifier': node.identifier,
            'required': meta.get('required', false),
            'columns': columns,
        }) %}
    {% endfor %}
    {{ return(tables) }}
{% endmacro %}


{% macro default__register_raw_sources() %}
    {{ exceptions.raise_compiler_error(
        "register_raw_sources has no implementation for adapter '" ~ adapter.type() ~ "'"
    ) }}
{% endmacro %}


{% macro duckdb__register_raw_sources() %}
    {% set raw_path = (var('raw_path') | string).rstrip('/') %}
    {% set tables = raw_contract_tables() %}
    {% if tables | length == 0 %}
        {{ exceptions.raise_compiler_error("No tables found for source 'raw': is models/staging/raw/_raw__sources.yml present?") }}
    {% endif %}
    {% do run_query('create schema if not exists ' ~ adapter.quote(tables[0].schema)) %}
    {% for table in tables %}
        {% set relation = adapter.quote(table.schema) ~ '.' ~ adapter.quote(table.identifier) %}
        {% set parquet_glob = raw_path ~ '/' ~ table.name ~ '/*.parquet' %}
        {% set csv_glob = raw_path ~ '/' ~ table.name ~ '/*.csv' %}
        {% set n_parquet = run_query("select count(*) from glob('" ~ parquet_glob ~ "')").columns[0].values()[0] %}
        {% set n_csv = run_query("select count(*) from glob('" ~ csv_glob ~ "')").columns[0].values()[0] %}
        {% if n_parquet > 0 %}
            {% set pattern = parquet_glob %}
            {% set reader = "read_parquet('" ~ parquet_glob ~ "', union_by_name = true)" %}
        {% elif n_csv > 0 %}
            {% set pattern = csv_glob %}
            {% set reader = "read_csv('" ~ csv_glob ~ "', header = true, all_varchar = true, union_by_name = true)" %}
        {% else %}
            {% set pattern = none %}
        {% endif %}

        {% if pattern is none and table.required %}
            {{ exceptions.raise_compiler_error(
                "Raw table '" ~ table.name ~ "' is required but no files match '" ~ parquet_glob
                ~ "' or '" ~ csv_glob ~ "'. Set var raw_path (env CJ_RAW_PATH, now '" ~ raw_path
                ~ "') to the folder that holds one sub-folder per table; see README, 'Raw-data contract'."
            ) }}
        {% endif %}

        {% set select_list = [] %}
        {% if pattern is none %}
            {% for column in table.columns %}
                {% do select_list.append('cast(null as ' ~ column.type ~ ') as ' ~ adapter.quote(column.name)) %}
            {% endfor %}
            {% set view_sql = 'select ' ~ select_list | join(', ') ~ ' where false' %}
            {% do log("raw." ~ table.name ~ ": no files under " ~ raw_path ~ "/" ~ table.name ~ "/ (optional): empty view", info=true) %}
        {% else %}
            {% set described = run_query('describe select * from ' ~ reader) %}
            {% do select_list.extend(raw_contract_columns(table, described.columns[0].values(), "files '" ~ pattern ~ "'")) %}
            {% set view_sql = 'select ' ~ select_list | join(', ') ~ ' from ' ~ reader %}
        {% endif %}
        {% do run_query('create or replace view ' ~ relation ~ ' as ' ~ view_sql) %}
    {% endfor %}
    {{ return('select 1') }}
{% endmacro %}


{#
    Spark: each table is a view over its Parquet folder (parquet.`<raw_path>/<table>`),
    checked against the contract like on DuckDB. Spark SQL cannot list files, so
    every table's folder must exist there (an absent folder fails with Spark's
    PATH_NOT_FOUND naming it); README, "Beyond one machine".
#}
{% macro spark__register_raw_sources() %}
    {% set raw_path = (var('raw_path') | string).rstrip('/') %}
    {% set tables = raw_contract_tables() %}
    {% do run_query('create database if not exists ' ~ tables[0].schema) %}
    {% for table in tables %}
        {% set folder = raw_path ~ '/' ~ table.name %}
        {% set reader = 'parquet.`' ~ folder ~ '`' %}
        {% set described = run_query('describe query select * from ' ~ reader) %}
        {% set select_list = raw_contract_columns(table, described.columns[0].values(), "folder '" ~ folder ~ "'") %}
        {% do run_query('create or replace view ' ~ table.schema ~ '.' ~ table.identifier
            ~ ' as select ' ~ select_list | join(', ') ~ ' from ' ~ reader) %}
    {% endfor %}
    {{ return('select 1') }}
{% endmacro %}


{#
    The select list of a raw view: the contract's columns found in the files
    (`found`: their column names), typed nulls for missing optional ones; a
    missing required column stops the build naming `location` and the column.
#}
{% macro raw_contract_columns(table, found, location) %}
    {% set found = found | map('lower') | list %}
    {% set select_list = [] %}
    {% for column in table.columns %}
        {% if column.name | lower in found %}
            {% do select_list.append(adapter.quote(column.name)) %}
        {% elif column.required %}
            {{ exceptions.raise_compiler_error(
                "Raw table '" ~ table.name ~ "' (" ~ location ~ ") is missing required column '"
                ~ column.name ~ "'. Columns found: " ~ found | join(', ')
                ~ ". See README, 'Raw-data contract'."
            ) }}
        {% else %}
            {% do select_list.append('cast(null as ' ~ raw_column_type(column.type) ~ ') as ' ~ adapter.quote(column.name)) %}
        {% endif %}
    {% endfor %}
    {{ return(select_list) }}
{% endmacro %}


{# A contract type (DuckDB names) in the engine's SQL. #}
{% macro raw_column_type(name) -%}
    {{ return(adapter.dispatch('raw_column_type', 'customer_journey')(name)) }}
{%- endmacro %}

{% macro default__raw_column_type(name) -%}
    {{ return(name) }}
{%- endmacro %}

{% macro spark__raw_column_type(name) -%}
    {{ return(spark_type(name)) }}
{%- endmacro %}


{# The contract's DuckDB type names in Spark SQL. #}
{% macro spark_type(name) -%}
    {{ {'varchar': 'string', 'double': 'double', 'integer': 'int', 'bigint': 'bigint', 'timestamp': 'timestamp',
        'date': 'date', 'boolean': 'boolean'}.get(name | lower, name) }}
{%- endmacro %}
