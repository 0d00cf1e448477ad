with

source as (
    select * from {{ source('raw', 'order_items') }}
),

renamed as (
    select
        {{ clean_id('order_id') }} as order_id,
        {{ clean_id('product_id') }} as product_id,
        {{ clean_id('line_number') }} as line_number,
        {{ clean_text('category') }} as category,
        {{ safe_number('quantity', 'integer') }} as quantity,
        {{ safe_number('unit_price', 'double') }} as unit_price,
        coalesce(
            {{ number_problem('quantity', 'integer') }},
            {{ number_problem('unit_price', 'double', 'amount', var('max_plausible_amount')) }}
        ) as value_problem,
        {{ row_fingerprint(['order_id', 'line_number', 'product_id', 'category', 'quantity', 'unit_price']) }} as row_fingerprint,
        {{ raw_values_json(['order_id', 'line_number', 'product_id', 'category', 'quantity', 'unit_price']) }} as raw_values
    from source
),

{# right to erasure: the listed people's rows are left out (macros/erasure) #}
{{ erasure_staging_cte(orders=source('raw', 'orders')) }}

final as (
    select * from renamed
    {{ erasure_staging_filter(order_id='order_id') }}
)

select * from final
