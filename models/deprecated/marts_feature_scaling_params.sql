{{ config(alias='feature_scaling_params') }}

{# deprecated: marts.feature_scaling_params is ml.feature_scaling_params since 0.2.0; removed in 0.3.0 #}

select * from {{ ref('feature_scaling_params') }}
