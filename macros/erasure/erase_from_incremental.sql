{#-
    A hook of an incremental model: delete from the stored table ({{ this }}) the rows of the
    identities `source` lists (erased_rows_condition: the arguments customer_id, anonymous_id,
    person_id and anonymous_only name the model's columns).
      source 'erasure_requests' (the default): the erasure list's people, when it holds requests;
        the count goes to _cj_meta.erasure_log.
      source 'bot_visitors': the devices int_bot_visitors flags, as linked devices (their events
        without a customer id go; docs/bots.md), when it flags any; not logged (the quarantine
        counts the events).
    Nothing on a first build or --full-refresh (the upstream models already dropped the rows), nor
    when no stored row matches; the ids never reach the SQL text: they go through a temporary
    table of this connection, dropped at the end.
      reprocess_persons: other people's rows that lost events with the removed ones (a device an
        erased customer shared) get this build's dbt_loaded_at, so the next models recompute them
        (int_events_stitched; use it as a post-hook there, after the batch is stitched).
      rescore_rfm: RFM scores rank customers within a snapshot date: the dates that lost a ranked
        row are ranked again (fct_customer_feature_snapshots).
    Dispatched per engine.
-#}
{% macro erase_from_incremental(customer_id=none, anonymous_id=none, person_id=none, anonymous_only=none, reprocess_persons=false, rescore_rfm=false, source='erasure_requests') %}
    {% if not execute or not is_incremental() %}
        {{ return('') }}
    {% endif %}
    {% if source == 'erasure_requests' %}
        {% if not erasure_requested() %}
            {{ return('') }}
        {% endif %}
        {% set identities_sql = erased_identities_sql(erasure_raw_relation('erasure_requests'), erasure_raw_relation('events')) %}
    {% elif source == 'bot_visitors' %}
        {% set node = graph.nodes.get('model.' ~ project_name ~ '.int_bot_visitors') %}
        {% set flagged = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) %}
        {% if run_query('select count(*) from ' ~ flagged).columns[0].values()[0] == 0 %}
            {{ return('') }}
        {% endif %}
        {% set identities_sql = "select 'linked_anonymous_id' as identity_type, anonymous_id as identity_value from " ~ flagged %}
    {% else %}
        {{ exceptions.raise_compiler_error("erase_from_incremental: source must be erasure_requests or bot_visitors, got '" ~ source ~ "'") }}
    {% endif %}
    {% set columns = {'customer_id': customer_id, 'anonymous_id': anonymous_id, 'person_id': person_id, 'anonymous_only': anonymous_only} %}
    {{ return(adapter.dispatch('erase_from_incremental', 'customer_journey')(columns, reprocess_persons, rescore_rfm, identities_sql, source == 'erasure_requests')) }}
{% endmacro %}

{% macro default__erase_from_incremental(columns, reprocess_persons, rescore_rfm, identities_sql, log=true) %}
    {{ exceptions.raise_compiler_error(
        "Erasure requests are listed (or bots flagged), and deleting their rows from the stored incremental table "
        ~ this ~ " is implemented on DuckDB only: rebuild it with `dbt build --full-refresh` (staging drops the rows)."
    ) }}
{% endmacro %}

{% macro duckdb__erase_from_incremental(columns, reprocess_persons, rescore_rfm, identities_sql, log=true) %}
    {%- set identities = 'cj_erased_identities' if log else 'cj_removed_identities' -%}
    {%- do run_query('create or replace temp table ' ~ identities ~ ' as ' ~ identities_sql) -%}
    {%- set erased = erased_rows_condition(identities, **columns) -%}
    {%- set deleted = run_query('select count(*) from ' ~ this ~ ' where ' ~ erased).columns[0].values()[0] -%}
    {%- if deleted == 0 -%}
        {%- do run_query('drop table ' ~ identities) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relation_name = this.schema ~ '.' ~ this.identifier -%}
    {%- set statements = create_erasure_log() if log else [] -%}
    {%- if reprocess_persons -%}
        {%- set others = 'person_id in (select person_id from ' ~ this ~ ' where ' ~ erased ~ ') and not ' ~ erased -%}
        {%- set reprocessed = run_query('select count(*) from ' ~ this ~ ' where ' ~ others).columns[0].values()[0] -%}
        {%- if reprocessed > 0 -%}
            {%- do statements.append('update ' ~ this ~ ' set dbt_loaded_at = ' ~ loaded_at() ~ ' where ' ~ others) -%}
            {%- if log -%}
                {%- do statements.append(erasure_log_insert(relation_name, 'reprocessed', reprocessed)) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {%- set rescored_dates = [] -%}
    {%- if rescore_rfm -%}
        {%- set found = run_query(
            'select distinct cast(as_of_date as varchar) from ' ~ this ~ ' where ' ~ erased ~ ' and orders_lifetime > 0 order by 1'
        ) -%}
        {%- for day in found.columns[0].values() -%}
            {%- do rescored_dates.append('cast(' ~ sql_literal(day) ~ ' as date)') -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do statements.append('delete from ' ~ this ~ ' where ' ~ erased) -%}
    {%- if log -%}
        {%- do statements.append(erasure_log_insert(relation_name, 'deleted', deleted)) -%}
    {%- endif -%}
    {%- if rescored_dates -%}
        {%- set rescored -%}
            (
                with

                assembled as (
                    select customer_id, as_of_date, orders_lifetime, recency_days, orders_365d, revenue_365d
                    from {{ this }}
                    where as_of_date in ({{ rescored_dates | join(', ') }})
                ),

                {{ customer_rfm_scores() }}

                select
                    ranked.customer_id,
                    ranked.as_of_date,
                    ranked.computed_rfm_recency_score,
                    ranked.computed_rfm_frequency_score,
                    ranked.computed_rfm_monetary_score
                from ranked
                inner join {{ this }} as scored_before
                    on ranked.customer_id = scored_before.customer_id and ranked.as_of_date = scored_before.as_of_date
                where
                    ranked.computed_rfm_recency_score is distinct from scored_before.rfm_recency_score
                    or ranked.computed_rfm_frequency_score is distinct from scored_before.rfm_frequency_score
                    or ranked.computed_rfm_monetary_score is distinct from scored_before.rfm_monetary_score
            )
        {%- endset -%}
        {%- if log -%}
            {%- do statements.append(erasure_log_insert(relation_name, 'rescored', '(select count(*) from ' ~ rescored ~ ' as changed)')) -%}
        {%- endif -%}
        {%- do statements.append(
            'update ' ~ this ~ ' as stored set rfm_recency_score = rescored.computed_rfm_recency_score,'
            ~ ' rfm_frequency_score = rescored.computed_rfm_frequency_score,'
            ~ ' rfm_monetary_score = rescored.computed_rfm_monetary_score'
            ~ ' from ' ~ rescored ~ ' as rescored'
            ~ ' where stored.customer_id = rescored.customer_id and stored.as_of_date = rescored.as_of_date'
        ) -%}
    {%- endif -%}
    {%- do statements.append('drop table ' ~ identities) -%}
    {{ return(statements | join(';\n')) }}
{% endmacro %}
