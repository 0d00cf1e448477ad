{{ config(alias='customer_features') }}

{# deprecated: marts.customer_features is marts.dim_customer_features since 0.2.0; removed in 0.3.0 #}

select * from {{ ref('dim_customer_features') }}
