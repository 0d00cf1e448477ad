with

validated as (
    select * from {{ ref('int_order_items_validated') }}
),

final as (
    select
        {# raw lines have no key: number them within the order, in a stable order #}
        {{ dbt.hash(dbt.concat([
            'order_id', "'|'",
            'cast(row_number() over (partition by order_id order by product_id, unit_price, quantity) as ' ~ dbt.type_string() ~ ')'
        ])) }} as order_item_id,
        order_id,
        product_id,
        category,
        quantity,
        unit_price,
        quantity * unit_price as line_amount
    from validated
    where quarantine_reason is null
)

select * from final
