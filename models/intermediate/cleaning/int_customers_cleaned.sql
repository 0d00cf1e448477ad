with

validated as (
    select * from {{ ref('int_customers_validated') }}
),

final as (
    select
        customer_id,
        email_hash,
        country_code,
        city,
        gender,
        acquisition_channel,
        birth_year,
        signup_at
    from validated
    where quarantine_reason is null
)

select * from final
