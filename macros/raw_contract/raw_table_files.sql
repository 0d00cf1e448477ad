{#-
    The files of one raw table on DuckDB: every file under <raw_path>/<table>/,
    recursively (hive-style partition folders such as date=2025-06-01/ included),
    as {format, files, empty, listed}: `listed` holds {name, size} of every
    data file, empty ones included (check_raw_source records them). Names starting with '_' or '.' (_SUCCESS, .crc)
    are bookkeeping and skipped; 0-byte files are empty parts of the table.
    Stops the build, naming the files, when the folder holds files that are
    neither Parquet nor CSV, or Parquet and CSV together.
-#}
{% macro raw_table_files(table_name, folder) %}
    {% set listing = run_query(
        "select filename, size from read_blob(" ~ sql_literal(folder ~ '/**') ~ ") order by filename"
    ) %}
    {% set parquet = [] %}
    {% set csv = [] %}
    {% set other = [] %}
    {% set empty = [] %}
    {% set listed = [] %}
    {% for row in listing.rows %}
        {% set name = row[0] %}
        {% set base = name.split('/')[-1] %}
        {% set lower_name = base | lower %}
        {% if base.startswith('_') or base.startswith('.') %}
            {# bookkeeping files of the exporter #}
        {% elif row[1] == 0 %}
            {% do empty.append(name) %}
            {% do listed.append({'name': name, 'size': row[1]}) %}
        {% elif lower_name.endswith('.parquet') %}
            {% do parquet.append(name) %}
            {% do listed.append({'name': name, 'size': row[1]}) %}
        {% elif lower_name.endswith('.csv') or lower_name.endswith('.csv.gz') %}
            {% do csv.append(name) %}
            {% do listed.append({'name': name, 'size': row[1]}) %}
        {% else %}
            {% do other.append(name) %}
        {% endif %}
    {% endfor %}
    {% if other %}
        {{ exceptions.raise_compiler_error(
            "Raw table '" ~ table_name ~ "': " ~ other | length ~ " file(s) under '" ~ folder
            ~ "' are neither Parquet (.parquet) nor CSV (.csv, .csv.gz), and would be lost: "
            ~ other[:5] | join(', ') ~ ". Convert them or move them out of the folder."
        ) }}
    {% endif %}
    {% if parquet and csv %}
        {{ exceptions.raise_compiler_error(
            "Raw table '" ~ table_name ~ "': the folder '" ~ folder ~ "' mixes " ~ parquet | length
            ~ " Parquet and " ~ csv | length ~ " CSV file(s) (e.g. " ~ csv[0] ~ "). Keep one format per table:"
            ~ " convert the CSV files to Parquet (or the reverse)."
        ) }}
    {% endif %}
    {% if parquet %}
        {{ return({'format': 'parquet', 'files': parquet, 'empty': empty, 'listed': listed}) }}
    {% elif csv %}
        {{ return({'format': 'csv', 'files': csv, 'empty': empty, 'listed': listed}) }}
    {% else %}
        {{ return({'format': none, 'files': [], 'empty': empty, 'listed': listed}) }}
    {% endif %}
{% endmacro %}
