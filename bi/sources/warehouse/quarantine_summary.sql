-- one row per raw table x quarantine reason (marts.rpt_quarantine_summary)
select
    source_table,
    quarantine_reason,
    raw_rows,
    clean_rows,
    quarantined_rows,
    table_quarantined_rows,
    quarantine_rate
from marts.rpt_quarantine_summary
