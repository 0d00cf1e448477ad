{{ config(alias='action_performance') }}

{# deprecated: marts.action_performance is activation.action_performance since 0.2.0; removed in 0.3.0 #}

select * from {{ ref('action_performance') }}
