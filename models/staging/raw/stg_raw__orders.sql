with

source as (
    select * from {{ source('raw', 'orders') }}
),

renamed as (
    select
        {{ clean_id('order_id') }} as order_id,
        {{ pseudonymise_id(clean_id('customer_id')) }} as customer_id,
        {{ clean_text('status') }} as order_status,
        upper(trim(cast(currency as {{ dbt.type_string() }}))) as currency,
        {{ safe_number('order_amount', 'double') }} as order_amount,
        coalesce({{ safe_number('discount_amount', 'double') }}, 0) as discount_amount,
        {{ safe_number('item_count', 'integer') }} as item_count,
        {{ parse_utc_timestamp('ordered_at') }} as ordered_at,
        coalesce(
            {{ timestamp_problem('ordered_at') }},
            {{ number_problem('order_amount', 'double', 'amount', var('max_plausible_amount')) }},
            {{ number_problem('discount_amount', 'double', 'amount', var('max_plausible_amount')) }},
            {{ number_problem('item_count', 'integer') }}
        ) as value_problem,
        {{ row_fingerprint(['order_id', 'customer_id', 'ordered_at', 'status', 'order_amount', 'discount_amount', 'currency', 'item_count']) }} as row_fingerprint,
        {{ raw_values_json(['order_id', 'customer_id', 'ordered_at', 'status', 'order_amount', 'discount_amount', 'currency', 'item_count']) }} as raw_values
    from source
),

{# right to erasure: the listed people's rows are left out (macros/erasure) #}
{{ erasure_staging_cte() }}

final as (
    select * from renamed
    {{ erasure_staging_filter(customer_id='customer_id') }}
)

select * from final
