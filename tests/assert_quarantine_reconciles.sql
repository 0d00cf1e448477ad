{#
    Nothing is lost silently: for every raw table, raw rows = clean rows +
    quarantined rows (exact duplicates are counted among the quarantined).
    Returns the tables that do not add up.
#}
select
    source_table,
    raw_rows,
    clean_rows,
    quarantined_rows
from {{ ref('rpt_quarantine_summary') }}
where
    quarantine_reason = '_total'
    and raw_rows <> clean_rows + quarantined_rows
