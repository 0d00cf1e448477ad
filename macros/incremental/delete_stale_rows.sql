{#- A post-hook of a model incremental per person (replace_where on person_id): delete the stored rows
    the batch did not replace and a full refresh would not hold. The batch replaces the people it has
    rows for, so a person recomputed to nothing, or an outcome that changed or went, would leave rows:
      current, keys, compared: the rows whose keys have no row in `current` (a relation) with equal
        `compared` columns (nulls equal) go;
      reloaded: a relation with person_id and dbt_loaded_at: the rows written before this build whose
        person has rows of `reloaded` loaded after them go (the person was recomputed this build and
        got no row back). Nothing on a first build or --full-refresh. -#}
{% macro delete_stale_rows(current, keys, compared=[], reloaded=none) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set matches = [] -%}
    {%- for key in keys -%}
        {%- do matches.append('current_rows.' ~ key ~ ' = stored.' ~ key) -%}
    {%- endfor -%}
    {%- for column in compared -%}
        {%- do matches.append('current_rows.' ~ column ~ ' is not distinct from stored.' ~ column) -%}
    {%- endfor -%}
    delete from {{ this }} as stored
    where
        not exists (select 1 from {{ current }} as current_rows where {{ matches | join(' and ') }})
        {%- if reloaded is not none %}
            or (
                stored.dbt_loaded_at < {{ loaded_at() }}
                and exists (
                    select 1 from {{ reloaded }} as reloaded_rows
                    where reloaded_rows.person_id = stored.person_id and reloaded_rows.dbt_loaded_at > stored.dbt_loaded_at
                )
            )
        {%- endif %}
{%- endmacro %}
