{#
    One row per raw row the build refused, with its reason and raw values (no PII).
    Checks and their order: doc block fct_quarantined_rows (_quality__docs.md).
#}

{%- set tables = cleaned_raw_tables() -%}

with

{% for table in tables %}
    {{ table.name }} as (
        select
            '{{ table.name }}' as source_table,
            cast({{ table.key }} as {{ dbt.type_string() }}) as row_key,
            quarantine_reason,
            row_fingerprint,
            raw_values
        from {{ ref('int_' ~ table.name ~ '_validated') }}
        where quarantine_reason is not null
    ),

{% endfor %}

bot_visitors as (
    select anonymous_id from {{ ref('int_bot_visitors') }}
),

{# a bot's anonymous events: valid rows, refused as traffic (int_bot_visitors); their values are the
   staged ones, redacted as the raw values of the other reasons are #}
bot_events as (
    select
        'events' as source_table,
        cast(validated.event_id as {{ dbt.type_string() }}) as row_key,
        'bot' as quarantine_reason,
        validated.row_fingerprint,
        {{ raw_values_json(['event_id', 'event_at', 'anonymous_id', 'customer_id', 'event_type', 'channel', 'device', 'page_path', 'product_id', 'search_query', 'search_results_count', 'utm_source', 'utm_medium', 'utm_campaign']) }} as raw_values
    from {{ ref('int_events_validated') }} as validated
    where
        validated.quarantine_reason is null
        and validated.customer_id is null
        and validated.anonymous_id in (select bot_visitors.anonymous_id from bot_visitors)
),

unioned as (
    {% for table in tables %}
        select * from {{ table.name }}
        union all
    {% endfor %}
    select * from bot_events
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'source_table', "'|'", 'row_fingerprint', "'|'", 'quarantine_reason', "'|'",
            'cast(row_number() over (partition by source_table, row_fingerprint, quarantine_reason order by row_key) as ' ~ dbt.type_string() ~ ')'
        ])) }} as quarantined_row_id,
        source_table,
        row_key,
        quarantine_reason,
        raw_values
    from unioned
)

select * from final
