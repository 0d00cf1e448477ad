{#
    One row per raw table and reason (plus one `_total` row per table): how
    many raw rows the table had, how many reached the clean models, how many
    were quarantined for this reason, and the table's quarantine rate.
#}

{%- set tables = [
    ('customers', 'stg_raw__customers', 'int_customers_cleaned'),
    ('events', 'stg_raw__events', 'int_events_cleaned'),
    ('orders', 'stg_raw__orders', 'int_orders_cleaned'),
    ('order_items', 'stg_raw__order_items', 'int_order_items_cleaned'),
    ('feedback', 'stg_raw__feedback', 'int_feedback_cleaned'),
    ('marketing_actions', 'stg_raw__marketing_actions', 'int_marketing_actions_cleaned'),
] -%}

with

quarantined as (
    select * from {{ ref('quarantined_rows') }}
),

table_counts as (
    {% for table_name, staging, cleaned in tables %}
        select
            '{{ table_name }}' as source_table,
            (select count(*) from {{ ref(staging) }}) as raw_rows,
            (select count(*) from {{ ref(cleaned) }}) as clean_rows
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

by_reason as (
    select
        source_table,
        quarantine_reason,
        count(*) as quarantined_rows
    from quarantined
    group by 1, 2
),

totals as (
    select
        table_counts.source_table,
        '_total' as quarantine_reason,
        cast(coalesce(sum(by_reason.quarantined_rows), 0) as bigint) as quarantined_rows
    from table_counts
    left join by_reason
        on table_counts.source_table = by_reason.source_table
    group by 1, 2
),

reasons_and_totals as (
    select * from by_reason
    union all
    select * from totals
),

final as (
    select
        table_counts.source_table,
        reasons_and_totals.quarantine_reason,
        table_counts.raw_rows,
        table_counts.clean_rows,
        reasons_and_totals.quarantined_rows,
        totals.quarantined_rows as table_quarantined_rows,
        case
            when table_counts.raw_rows > 0
                then cast(reasons_and_totals.quarantined_rows as double) / table_counts.raw_rows
            else 0
        end as quarantine_rate
    from table_counts
    inner join reasons_and_totals
        on table_counts.source_table = reasons_and_totals.source_table
    inner join totals
        on table_counts.source_table = totals.source_table
)

select * from final
