{#- on-run-start: the raw files as views in schema raw, checked against the contract in _raw__sources.yml. -#}
{% macro register_raw_sources() %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {{ return(adapter.dispatch('register_raw_sources', 'customer_journey')()) }}
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
    {% set files_by_table = {} %}
    {% for table in tables %}
        {% set relation = adapter.quote(table.schema) ~ '.' ~ adapter.quote(table.identifier) %}
        {% set folder = raw_path ~ '/' ~ table.name %}
        {% set found = raw_table_files(table.name, folder) %}
        {% do files_by_table.update({table.name: found.listed}) %}
        {% set file_list = "['" ~ found.files | map('replace', "'", "''") | join("', '") ~ "']" %}
        {% if found.format == 'parquet' %}
            {% set reader = "read_parquet(" ~ file_list ~ ", union_by_name = true, hive_partitioning = false, filename = '_source_file', file_row_number = true)" %}
        {% elif found.format == 'csv' %}
            {% set reader = "read_csv(" ~ file_list ~ ", header = true, all_varchar = true, union_by_name = true, hive_partitioning = false, filename = '_source_file')" %}
        {% endif %}

        {% if found.format is none and table.required %}
            {{ exceptions.raise_compiler_error(
                "Raw table '" ~ table.name ~ "' is required but "
                ~ ("its " ~ found.empty | length ~ " file(s) under '" ~ folder ~ "' are all empty (0 bytes)"
                   if found.empty else "no Parquet or CSV files are under '" ~ folder ~ "'")
                ~ ". Set var raw_path (env CJ_RAW_PATH, now '" ~ raw_path
                ~ "') to the folder that holds one sub-folder per table; see docs/reference/raw_contract.md."
            ) }}
        {% endif %}
        {% if found.empty %}
            {% do log("raw." ~ table.name ~ ": " ~ found.empty | length ~ " empty file(s) read as no rows: " ~ found.empty[:3] | join(', '), info=true) %}
        {% endif %}

        {% set select_list = [] %}
        {% if found.format is none %}
            {% for column in table.columns %}
                {% do select_list.append('cast(null as ' ~ column.type ~ ') as ' ~ adapter.quote(column.name)) %}
            {% endfor %}
            {% do select_list.extend(['cast(null as varchar) as _source_file', 'cast(null as bigint) as _source_row']) %}
            {% set view_sql = 'select ' ~ select_list | join(', ') ~ ' where false' %}
            {% do log("raw." ~ table.name ~ ": no files under " ~ folder ~ "/ (optional): empty view", info=true) %}
        {% else %}
            {% set described = run_query('describe select * exclude (_source_file' ~ (', file_row_number' if found.format == 'parquet' else '') ~ ') from ' ~ reader) %}
            {% do select_list.extend(raw_contract_columns(table, described.columns[0].values(), found.format ~ " files under '" ~ folder ~ "'")) %}
            {# where each row comes from: int_events_validated skips the files it has read
               that hold no row of its lookback window (raw_files_to_read) #}
            {% do select_list.append('_source_file') %}
            {% do select_list.append('file_row_number as _source_row' if found.format == 'parquet'
                                     else 'cast(null as bigint) as _source_row') %}
            {% set view_sql = 'select ' ~ select_list | join(', ') ~ ' from ' ~ reader %}
        {% endif %}
        {% do run_query('create or replace view ' ~ relation ~ ' as ' ~ view_sql) %}
    {% endfor %}
    {% do check_raw_source(raw_path, files_by_table) %}
    {{ return('select 1') }}
{% endmacro %}

{% macro spark__register_raw_sources() %}
    {% set raw_path = (var('raw_path') | string).rstrip('/') %}
    {% set tables = raw_contract_tables() %}
    {% do run_query('create database if not exists ' ~ tables[0].schema) %}
    {% for table in tables %}
        {% set folder = raw_path ~ '/' ~ table.name %}
        {% set reader = 'parquet.`' ~ folder ~ '`' %}
        {% set described = run_query('describe query select * from ' ~ reader) %}
        {% set select_list = raw_contract_columns(table, described.columns[0].values(), "folder '" ~ folder ~ "'") %}
        {% do select_list.extend(['input_file_name() as _source_file', 'cast(null as bigint) as _source_row']) %}
        {% do run_query('create or replace view ' ~ table.schema ~ '.' ~ table.identifier
            ~ ' as select ' ~ select_list | join(', ') ~ ' from ' ~ reader) %}
    {% endfor %}
    {{ return('select 1') }}
{% endmacro %}
