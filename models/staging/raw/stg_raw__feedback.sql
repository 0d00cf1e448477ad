with

source as (
    select * from {{ source('raw', 'feedback') }}
),

renamed as (
    select
        {{ clean_id('feedback_id') }} as feedback_id,
        {{ pseudonymise_id(clean_id('customer_id')) }} as customer_id,
        {{ clean_id('order_id') }} as order_id,
        {{ clean_text('feedback_type') }} as feedback_type,
        {{ redact_pii(clean_text('topic')) }} as topic,
        {# free-text comments may hold PII: only their length leaves staging #}
        length(trim(cast(comment as {{ dbt.type_string() }}))) as comment_length,
        {{ safe_number('score', 'integer') }} as score,
        {{ parse_utc_timestamp('created_at') }} as created_at,
        coalesce(
            {{ timestamp_problem('created_at') }},
            {{ number_problem('score', 'integer') }}
        ) as value_problem,
        {{ row_fingerprint(['feedback_id', 'customer_id', 'order_id', 'created_at', 'feedback_type', 'score', 'topic', 'comment']) }} as row_fingerprint,
        {{ raw_values_json(['feedback_id', 'customer_id', 'order_id', 'created_at', 'feedback_type', 'score', 'topic']) }} as raw_values
    from source
),

{# right to erasure: the listed people's rows are left out (macros/erasure) #}
{{ erasure_staging_cte() }}

final as (
    select * from renamed
    {{ erasure_staging_filter(customer_id='customer_id') }}
)

select * from final
