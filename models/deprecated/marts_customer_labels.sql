{{ config(alias='customer_labels') }}

{# deprecated: marts.customer_labels is marts.fct_customer_labels since 0.2.0; removed in 0.3.0 #}

select * from {{ ref('fct_customer_labels') }}
