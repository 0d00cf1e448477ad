{{ config(alias='segment_profiles') }}

{# deprecated: marts.segment_profiles is ml.segment_profiles since 0.2.0; removed in 0.3.0 #}

select * from {{ ref('segment_profiles') }}
