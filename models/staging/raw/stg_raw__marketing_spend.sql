with

source as (
    select * from {{ source('raw', 'marketing_spend') }}
),

renamed as (
    select
        {{ redact_pii(clean_text('channel')) }} as channel,
        {{ redact_pii(clean_id('campaign')) }} as campaign,
        nullif(upper(trim(cast(currency as {{ dbt.type_string() }}))), '') as currency,
        {{ safe_number('spend_amount', 'double') }} as spend_amount,
        {# a day as written: no time-zone shift (a spend day is the ad platform's reporting day) #}
        {{ dbt.safe_cast('spend_date', 'date') }} as spend_date,
        coalesce(
            case
                when
                    spend_date is not null
                    and trim(cast(spend_date as {{ dbt.type_string() }})) <> ''
                    and {{ dbt.safe_cast('spend_date', 'date') }} is null
                    then 'unparseable_date'
                when {{ dbt.safe_cast('spend_date', 'date') }} < cast({{ min_plausible_timestamp() }} as date)
                    then 'implausible_date'
            end,
            {{ number_problem('spend_amount', 'double', 'amount', var('max_plausible_amount')) }}
        ) as value_problem,
        {{ row_fingerprint(['spend_date', 'channel', 'campaign', 'spend_amount', 'currency']) }} as row_fingerprint,
        {{ raw_values_json(['spend_date', 'channel', 'campaign', 'spend_amount', 'currency']) }} as raw_values
    from source
)

select * from renamed
