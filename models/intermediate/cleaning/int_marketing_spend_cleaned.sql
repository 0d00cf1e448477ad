with

validated as (
    select * from {{ ref('int_marketing_spend_validated') }}
),

final as (
    select
        {# exact copies are refused, so the raw values' fingerprint names a clean row #}
        row_fingerprint as spend_row_id,
        channel,
        coalesce(campaign, '(none)') as campaign,
        currency,
        spend_amount,
        spend_date
    from validated
    where quarantine_reason is null
)

select * from final
