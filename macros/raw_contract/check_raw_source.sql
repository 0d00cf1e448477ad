{#-
    The warehouse remembers the raw files it was built from (table, file name
    relative to raw_path, size) in _cj_meta.raw_files. A build may add files
    (appended days); every file read before must still be there with the same
    size, else the warehouse was built from other data and its incremental
    tables would mix the two: the build stops, saying what to do. A
    --full-refresh build starts the record anew.
-#}
{% macro check_raw_source(raw_path, files_by_table) %}
    {% set rows = [] %}
    {% for table_name, files in files_by_table.items() %}
        {% for file in files %}
            {% set relative = file.name[raw_path | length + 1:] if file.name.startswith(raw_path ~ '/') else file.name %}
            {% do rows.append('(' ~ sql_literal(table_name) ~ ', ' ~ sql_literal(relative) ~ ', ' ~ file.size ~ ')') %}
        {% endfor %}
    {% endfor %}
    {% set current = "select * from (values " ~ (rows | join(', ') if rows else "(null, null, null)") ~ ") as current_files(table_name, file_name, file_size)" %}
    {% do run_query("create schema if not exists _cj_meta") %}
    {% set known = run_query(
        "select count(*) from information_schema.tables where table_schema = '_cj_meta' and table_name = 'raw_files'"
    ).columns[0].values()[0] %}
    {% if known > 0 and not flags.FULL_REFRESH %}
        {% set changed = run_query(
            "select stored.table_name, stored.file_name, stored.file_size, current_files.file_size"
            ~ " from _cj_meta.raw_files as stored left join (" ~ current ~ ") as current_files"
            ~ " on stored.table_name = current_files.table_name and stored.file_name = current_files.file_name"
            ~ " where current_files.file_size is distinct from stored.file_size order by 1, 2 limit 3"
        ) %}
        {% if changed.rows | length > 0 %}
            {% set first = changed.rows[0] %}
            {% set built_from = run_query("select max(raw_path) from _cj_meta.raw_source").columns[0].values()[0] %}
            {{ exceptions.raise_compiler_error(
                "This warehouse (" ~ target.path ~ ") was built from raw data at '" ~ built_from
                ~ "', and a file it read is " ~ ("gone" if first[3] is none else "changed (" ~ first[2] ~ " -> " ~ first[3] ~ " bytes)")
                ~ " under raw_path '" ~ raw_path ~ "': " ~ first[1]
                ~ ". Its incremental tables would mix two data sets. Build other data into a new warehouse"
                ~ " (export CJ_DUCKDB_PATH=warehouse/<name>.duckdb), or rebuild this one from the new data"
                ~ " with `dbt build --full-refresh`."
            ) }}
        {% endif %}
    {% endif %}
    {% do run_query(
        "create or replace table _cj_meta.raw_files as select * from (" ~ current ~ ") where table_name is not null"
    ) %}
    {% do run_query(
        "create or replace table _cj_meta.raw_source as select " ~ sql_literal(raw_path) ~ " as raw_path, current_timestamp as recorded_at"
    ) %}
{% endmacro %}
