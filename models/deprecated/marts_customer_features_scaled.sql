{{ config(alias='customer_features_scaled') }}

{# deprecated: marts.customer_features_scaled is ml.customer_features_scaled since 0.2.0; removed in 0.3.0 #}

select * from {{ ref('customer_features_scaled') }}
