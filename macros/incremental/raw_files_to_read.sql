{#-
    Which raw event files an incremental build of the current model (int_events_validated)
    can leave out of its scan, worked out at compile time from the source_file it stores:
    {whole_window, skipped, stored_columns}.
      * skipped: files it has read before, not modified since (modification time not after the
        newest dbt_loaded_at of their rows), with no stored row in the lookback window
        (`in_window`; rows with no readable or a future time count as in it): nothing in them
        can enter the batch;
      * every other file (new, modified, holding window rows) is read as before: every row
        parsed, kept when in the window.
    whole_window is true (no file skipped, as before source_file was stored) when a stored
    window row has no source_file, or outside incremental builds. stored_columns: what to
    select for source_file/source_row from a table stored before they were kept (typed nulls).
-#}
{% macro raw_files_to_read(in_window) %}
    {% set plan = {'whole_window': true, 'skipped': [], 'stored_columns': {}} %}
    {% if not (execute and is_incremental()) %}
        {{ return(plan) }}
    {% endif %}
    {% set stored_names = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
    {% if 'source_file' not in stored_names %}
        {# a table built before the columns were kept: on_schema_change adds them, empty, after this build #}
        {% do plan.update({'stored_columns': {'source_file': 'cast(null as varchar) as source_file',
                                              'source_row': 'cast(null as bigint) as source_row'}}) %}
        {% do log(this ~ ': stored before source_file was kept: every raw file is read by the window', info=true) %}
        {{ return(plan) }}
    {% endif %}
    {% set pattern = sql_literal((var('raw_path') | string).rstrip('/') ~ '/events/**') %}
    {% set listed = run_query('select count(*) from glob(' ~ pattern ~ ')').columns[0].values()[0] %}
    {% set files_sql = 'select filename, last_modified from read_blob(' ~ pattern ~ ')' if listed > 0
        else 'select cast(null as varchar) as filename, cast(null as timestamptz) as last_modified where false' %}
    {% set found = run_query(
        'with stored as ('
        ~ ' select source_file,'
        ~ ' count(case when ' ~ in_window ~ ' then 1 end) as window_rows,'
        ~ ' max(dbt_loaded_at) as loaded_at'
        ~ ' from ' ~ this ~ ' group by source_file),'
        ~ ' files as (' ~ files_sql ~ ')'
        ~ ' select stored.source_file, stored.window_rows,'
        ~ ' files.filename is null or epoch(files.last_modified) > epoch(stored.loaded_at) as is_changed'
        ~ ' from stored left join files on stored.source_file = files.filename'
        ~ ' order by stored.source_file'
    ) %}
    {% set skipped = [] %}
    {% for row in found.rows %}
        {% if row[0] is none %}
            {% if row[1] > 0 %}
                {% do log(this ~ ': ' ~ row[1] ~ ' stored rows of the lookback window have no source_file'
                          ~ ' (stored before it was kept): every raw file is read by the window', info=true) %}
                {{ return(plan) }}
            {% endif %}
        {% elif row[1] == 0 and not row[2] %}
            {% do skipped.append(row[0]) %}
        {% endif %}
    {% endfor %}
    {% do log(this ~ ': ' ~ skipped | length ~ ' raw files read before and without rows in the window skipped', info=false) %}
    {{ return({'whole_window': false, 'skipped': skipped, 'stored_columns': {}}) }}
{% endmacro %}
