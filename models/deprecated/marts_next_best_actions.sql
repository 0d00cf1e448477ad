{{ config(alias='next_best_actions') }}

{# deprecated: marts.next_best_actions is activation.next_best_actions since 0.2.0; removed in 0.3.0 #}

select * from {{ ref('next_best_actions') }}
