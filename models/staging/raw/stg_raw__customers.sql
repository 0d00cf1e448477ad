{#- A table, not a view like the other staging models: its SQL reads the PII salt
    (getvariable('cj_pii_salt'), bound by the profile's plugin), which only dbt's cursors have; a
    view would fail or hash nothing for any other reader. -#}
{{ config(materialized='table') }}

with

source as (
    select * from {{ source('raw', 'customers') }}
),

renamed as (
    select
        {{ pseudonymise_id(clean_id('customer_id')) }} as customer_id,
        {{ hash_pii('email') }} as email_hash,
        upper(trim(cast(country as {{ dbt.type_string() }}))) as country_code,
        {{ redact_pii("nullif(trim(cast(city as " ~ dbt.type_string() ~ ")), '')") }} as city,
        {{ clean_text('gender') }} as gender,
        {{ clean_text('acquisition_channel') }} as acquisition_channel,
        {{ safe_number('birth_year', 'integer') }} as birth_year,
        {{ parse_utc_timestamp('signup_at') }} as signup_at,
        coalesce(
            {{ timestamp_problem('signup_at') }},
            {{ number_problem('birth_year', 'integer') }}
        ) as value_problem,
        {{ row_fingerprint(['customer_id', 'signup_at', 'email', 'country', 'city', 'birth_year', 'gender', 'acquisition_channel']) }} as row_fingerprint,
        {# raw values for the quarantine: the e-mail only as its hash #}
        {{ raw_values_json(['customer_id', 'signup_at', 'country', 'city', 'birth_year', 'gender', 'acquisition_channel']) }} as raw_values
    from source
),

{# right to erasure: the listed people's rows are left out (macros/erasure) #}
{{ erasure_staging_cte() }}

final as (
    select * from renamed
    {{ erasure_staging_filter(customer_id='customer_id') }}
)

select * from final
