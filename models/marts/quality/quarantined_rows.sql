{#
    Every raw row the build refused, with the table it came from, its key,
    why, and its raw values (PII removed). Exact duplicates are here too,
    with reason exact_duplicate: raw rows = clean rows + quarantined rows.
#}

{%- set tables = [
    ('customers', 'int_customers_validated', 'customer_id'),
    ('events', 'int_events_validated', 'event_id'),
    ('orders', 'int_orders_validated', 'order_id'),
    ('order_items', 'int_order_items_validated', "order_id || '|' || product_id"),
    ('feedback', 'int_feedback_validated', 'feedback_id'),
    ('marketing_actions', 'int_marketing_actions_validated', 'action_id'),
] -%}

with

{% for table_name, model, key in tables %}
    {{ table_name }} as (
        select
            '{{ table_name }}' as source_table,
            cast({{ key }} as {{ dbt.type_string() }}) as row_key,
            quarantine_reason,
            row_fingerprint,
            raw_values
        from {{ ref(model) }}
        where quarantine_reason is not null
    ),

{% endfor %}

unioned as (
    {% for table_name, model, key in tables %}
        select * from {{ table_name }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'source_table', "'|'", 'row_fingerprint', "'|'", 'quarantine_reason', "'|'",
            'cast(row_number() over (partition by source_table, row_fingerprint, quarantine_reason order by row_key) as ' ~ dbt.type_string() ~ ')'
        ])) }} as quarantined_row_id,
        source_table,
        row_key,
        quarantine_reason,
        raw_values
    from unioned
)

select * from final
