{{ config(alias='customer_feature_snapshots') }}

{# deprecated: marts.customer_feature_snapshots is marts.fct_customer_feature_snapshots since 0.2.0; removed in 0.3.0 #}

select * from {{ ref('fct_customer_feature_snapshots') }}
