{#
    Incremental processing of the event-heavy models.

    Each incremental model stamps the rows it writes with dbt_loaded_at (the
    invocation's start time) and works out its own batch from its own state,
    never from a cursor kept elsewhere:

      * at the raw boundary (int_events_validated), the batch is every raw
        row whose event time is within var incremental_lookback_days of the
        newest clean event already stored (late events land there);
      * further down, the batch is whatever its upstream wrote after this
        model's own newest dbt_loaded_at, widened to every row of the
        entities it touches (devices, persons, customers).

    So a build that was killed after an upstream model committed and before a
    downstream one did simply hands the downstream a larger batch next time:
    each model commits in one transaction, and no state can fall between them.
#}


{# The strategy: delete the rows the batch replaces, then insert the batch.
   Rows go when any of config replace_keys matches a key in the batch, or
   any incremental_predicates holds (DBT_INCREMENTAL_SOURCE there stands for
   the batch, DBT_INCREMENTAL_TARGET for the table rows are deleted from).
   With neither, nothing is deleted. #}
{% macro get_incremental_replace_where_sql(arg_dict) %}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set conditions = [] -%}
    {%- for key in config.get('replace_keys', []) -%}
        {%- do conditions.append(key ~ ' in (select ' ~ key ~ ' from ' ~ source ~ ')') -%}
    {%- endfor -%}
    {%- for predicate in arg_dict['incremental_predicates'] or [] -%}
        {%- do conditions.append('(' ~ predicate | replace('DBT_INCREMENTAL_SOURCE', source | string)
            | replace('DBT_INCREMENTAL_TARGET', target | string) ~ ')') -%}
    {%- endfor -%}
    {% if conditions %}
        delete from {{ target }}
        where
            {{ conditions | join('\n            or ') }};
    {% endif %}
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ source }}
{% endmacro %}


{# When this invocation started: the dbt_loaded_at of every row it writes. #}
{% macro loaded_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{# The newest dbt_loaded_at this model holds: upstream rows loaded after it
   are the batch. #}
{% macro last_loaded_at() -%}
    (select max(dbt_loaded_at) from {{ this }})
{%- endmacro %}


{# Start of the reprocessed window: var incremental_lookback_days before the
   newest value of `column` among this model's rows that pass `where`. #}
{% macro lookback_start(column, where='1 = 1') -%}
    (
        select
            coalesce(
                {{ dbt.dateadd('day', -1 * var('incremental_lookback_days'), 'max(' ~ column ~ ')') }},
                cast('1900-01-01' as {{ dbt.type_timestamp() }})
            )
        from {{ this }}
        where {{ where }}
    )
{%- endmacro %}


{# The event models are incremental where the engine can delete rows (DuckDB);
   elsewhere (Spark without Delta) they are rebuilt as tables, same results. #}
{% macro event_materialization() -%}
    {{ return('incremental' if target.type in ('duckdb', 'databricks') else 'table') }}
{%- endmacro %}
