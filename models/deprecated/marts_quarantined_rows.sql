{{ config(alias='quarantined_rows') }}

{# deprecated: marts.quarantined_rows is marts.fct_quarantined_rows since 0.2.0; removed in 0.3.0 #}

select * from {{ ref('fct_quarantined_rows') }}
