{#
    One row per raw table x reason (+ `_total`): raw, clean and quarantined rows, and the
    rate. Doc block rpt_quarantine_summary (_quality__docs.md).
#}

{%- set tables = cleaned_raw_tables() -%}

with

quarantined as (
    select * from {{ ref('fct_quarantined_rows') }}
),

table_counts as (
    {% for table in tables %}
        select
            '{{ table.name }}' as source_table,
            (select count(*) from {{ ref('stg_raw__' ~ table.name) }}) as raw_rows,
            (select count(*) from {{ ref('int_' ~ table.name ~ '_cleaned') }}) as clean_rows
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

by_reason as (
    select
        source_table,
        quarantine_reason,
        count(*) as quarantined_rows,
        min(row_key) as example_row_key
    from quarantined
    group by 1, 2
),

totals as (
    select
        table_counts.source_table,
        '_total' as quarantine_reason,
        cast(coalesce(sum(by_reason.quarantined_rows), 0) as bigint) as quarantined_rows,
        min(by_reason.example_row_key) as example_row_key
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
        end as quarantine_rate,
        reasons_and_totals.example_row_key
    from table_counts
    inner join reasons_and_totals
        on table_counts.source_table = reasons_and_totals.source_table
    inner join totals
        on table_counts.source_table = totals.source_table
)

select * from final
