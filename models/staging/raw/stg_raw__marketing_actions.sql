with

source as (
    select * from {{ source('raw', 'marketing_actions') }}
),

renamed as (
    select
        {{ clean_id('action_id') }} as action_id,
        {{ pseudonymise_id(clean_id('customer_id')) }} as customer_id,
        {{ clean_text('action_code') }} as action_code,
        {{ clean_text('channel') }} as channel,
        {{ clean_id('campaign_id') }} as campaign_id,
        {{ safe_number('conversion_amount', 'double') }} as conversion_amount,
        {{ parse_utc_timestamp('sent_at') }} as sent_at,
        {{ parse_utc_timestamp('opened_at') }} as opened_at,
        {{ parse_utc_timestamp('clicked_at') }} as clicked_at,
        {{ parse_utc_timestamp('converted_at') }} as converted_at,
        coalesce(
            {{ timestamp_problem('sent_at') }},
            {{ timestamp_problem('opened_at') }},
            {{ timestamp_problem('clicked_at') }},
            {{ timestamp_problem('converted_at') }},
            {{ number_problem('conversion_amount', 'double', 'amount', var('max_plausible_amount')) }}
        ) as value_problem,
        {{ row_fingerprint(['action_id', 'customer_id', 'action_code', 'channel', 'sent_at', 'opened_at', 'clicked_at', 'converted_at', 'conversion_amount', 'campaign_id']) }} as row_fingerprint,
        {{ raw_values_json(['action_id', 'customer_id', 'action_code', 'channel', 'sent_at', 'opened_at', 'clicked_at', 'converted_at', 'conversion_amount', 'campaign_id']) }} as raw_values
    from source
),

{# right to erasure: the listed people's rows are left out (macros/erasure) #}
{{ erasure_staging_cte() }}

final as (
    select * from renamed
    {{ erasure_staging_filter(customer_id='customer_id') }}
)

select * from final
