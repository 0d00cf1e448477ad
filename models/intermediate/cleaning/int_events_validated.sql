{{
    config(
        materialized=event_materialization(),
        incremental_strategy='replace_where',
        incremental_predicates=[
            "event_at is null or event_at >= (select min(event_at) from DBT_INCREMENTAL_SOURCE)"
        ],
        on_schema_change='append_new_columns',
        pre_hook="{{ erase_from_incremental(customer_id='customer_id', anonymous_id='anonymous_id', anonymous_only='customer_id is null') }}",
    )
}}

{#
    One row per staged event with its quarantine reason; incremental by event time.
    Method and limits: doc block int_events_validated (_cleaning__docs.md).
#}

{%- set columns = ['event_id', 'anonymous_id', 'customer_id', 'event_type', 'channel', 'device', 'page_path',
                   'product_id', 'search_query', 'utm_source', 'utm_medium', 'utm_campaign',
                   'search_results_count', 'event_at', 'row_fingerprint', 'raw_values', 'source_file', 'source_row'] -%}

with

{% if is_incremental() %}
    window_start as (
        select {{ lookback_start('event_at', 'row_reason is null') }} as started_at
    ),
{% endif %}

{# in a full build events, row_checks and checked are inlined: the duplicate
   check reads them four times (only the key where it counts keys), and
   DuckDB materialising them held every raw event (1M customers: 22 GB
   spilled, 234 s -> 102 s). In an incremental build they hold the window
   only, and inlined each read would parse every raw timestamp again to find
   the window (1M: 47 s -> 89 s), so they stay materialised. #}
{%- set full_build_inline = '' if is_incremental() else inline_cte() %}
{# the raw files read before, unchanged since and without rows in the window are left out
   of the scan (raw_files_to_read) #}
{%- set in_window = 'event_at is null or event_at >= ' ~ lookback_start('event_at', 'row_reason is null') %}
{%- set raw_files = raw_files_to_read(in_window) %}
{%- set skipped = [] %}
{%- for file in raw_files.skipped %}{% do skipped.append(sql_literal(file)) %}{% endfor %}
{%- set not_skipped = 'source_file not in (' ~ skipped | join(', ') ~ ') and ' if skipped else '' %}
events as {{ full_build_inline }} (
    select * from {{ ref('stg_raw__events') }}
    {% if is_incremental() %}
        where
            {{ not_skipped }}(event_at is null or event_at >= (select window_start.started_at from window_start))
    {% endif %}
),

taxonomy as (
    select event_type from {{ ref('event_taxonomy') }}
),

customers as (
    select customer_id from {{ ref('int_customers_cleaned') }}
),

row_checks as {{ full_build_inline }} (
    select
        events.*,
        case
            when events.event_id is null then 'null_event_id'
            when events.anonymous_id is null and events.customer_id is null then 'null_identity'
            when events.value_problem is not null then events.value_problem
            when events.event_at is null then 'unparseable_timestamp'
            when events.event_at > {{ future_cutoff() }} then 'future_timestamp'
            when taxonomy.event_type is null then 'unknown_event_type'
            when events.customer_id is not null and customers.customer_id is null then 'orphan_event_customer'
        end as row_reason
    from events
    left join taxonomy
        on events.event_type = taxonomy.event_type
    left join customers
        on events.customer_id = customers.customer_id
),

{% if is_incremental() %}
    stored_copies as (
        {# stored rows before the window with an event id the batch has again #}
        select
            {% for column in columns -%}
                {{ raw_files.stored_columns.get(column, column) }},
            {% endfor -%}
            row_reason,
            true as is_stored
        from {{ this }}
        where
            event_at < (select window_start.started_at from window_start)
            and event_id in (select row_checks.event_id from row_checks)
    ),
{% endif %}

checked as {{ inline_cte() }} (
    select
        {{ columns | join(', ') }},
        row_reason,
        false as is_stored
    from row_checks
    {% if is_incremental() %}
        union all
        select * from stored_copies
    {% endif %}
),

{% if is_incremental() %}
    stored_stamps as (
        {# the stored rows of the window, one per identical content #}
        select
            event_id,
            row_fingerprint,
            coalesce(quarantine_reason, '') as quarantine_reason,
            max(dbt_loaded_at) as dbt_loaded_at
        from {{ this }}
        where event_at is null or event_at >= (select window_start.started_at from window_start)
        group by 1, 2, 3
    ),
{% endif %}

final as (
    {{ with_duplicate_reasons('checked', ['event_id'], 'event_at', 'duplicate_event_id', ['source_file', 'source_row']) }}
)

{# raw values are kept only for the rows that are refused #}
select
    final.event_id,
    final.anonymous_id,
    final.customer_id,
    final.event_type,
    final.channel,
    final.device,
    final.page_path,
    final.product_id,
    final.search_query,
    final.utm_source,
    final.utm_medium,
    final.utm_campaign,
    final.search_results_count,
    final.event_at,
    final.row_fingerprint,
    final.source_file,
    final.source_row,
    final.row_reason,
    final.quarantine_reason,
    case when final.quarantine_reason is not null then final.raw_values end as raw_values,
    {% if is_incremental() %}
        {# a row re-validated unchanged keeps its stamp: downstream models
           then see only what really changed #}
        coalesce(stored_stamps.dbt_loaded_at, {{ loaded_at() }}) as dbt_loaded_at
    {% else %}
        {{ loaded_at() }} as dbt_loaded_at
    {% endif %}
from final
{% if is_incremental() %}
    left join stored_stamps
        on
            final.event_id = stored_stamps.event_id
            and final.row_fingerprint = stored_stamps.row_fingerprint
            and coalesce(final.quarantine_reason, '') = stored_stamps.quarantine_reason
{% endif %}
where not final.is_stored
