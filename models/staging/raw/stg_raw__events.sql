with

source as (
    select * from {{ source('raw', 'events') }}
),

renamed as (
    select
        {{ clean_id('event_id') }} as event_id,
        {{ pseudonymise_id(clean_id('anonymous_id')) }} as anonymous_id,
        {{ pseudonymise_id(clean_id('customer_id')) }} as customer_id,
        {{ clean_text('event_type') }} as event_type,
        {{ clean_text('channel') }} as channel,
        {{ clean_text('device') }} as device,
        {{ redact_pii("nullif(trim(cast(page_path as " ~ dbt.type_string() ~ ")), '')") }} as page_path,
        {{ clean_id('product_id') }} as product_id,
        {{ redact_pii(clean_text('search_query')) }} as search_query,
        {{ redact_pii(clean_text('utm_source')) }} as utm_source,
        {{ redact_pii(clean_text('utm_medium')) }} as utm_medium,
        {{ redact_pii(clean_text('utm_campaign')) }} as utm_campaign,
        {{ safe_number('search_results_count', 'integer') }} as search_results_count,
        {{ parse_utc_timestamp('event_at') }} as event_at,
        coalesce(
            {{ timestamp_problem('event_at') }},
            {{ number_problem('search_results_count', 'integer') }}
        ) as value_problem,
        {{ row_fingerprint(['event_id', 'event_at', 'anonymous_id', 'customer_id', 'event_type', 'channel', 'device', 'page_path', 'product_id', 'search_query', 'search_results_count', 'utm_source', 'utm_medium', 'utm_campaign']) }} as row_fingerprint,
        {{ raw_values_json(['event_id', 'event_at', 'anonymous_id', 'customer_id', 'event_type', 'channel', 'device', 'page_path', 'product_id', 'search_query', 'search_results_count', 'utm_source', 'utm_medium', 'utm_campaign']) }} as raw_values,
        _source_file as source_file,
        _source_row as source_row
    from source
),

{# right to erasure: the listed people's rows are left out (macros/erasure) #}
{{ erasure_staging_cte(events=source('raw', 'events')) }}

final as (
    select * from renamed
    {{ erasure_staging_filter(customer_id='customer_id', anonymous_id='anonymous_id') }}
)

select * from final
