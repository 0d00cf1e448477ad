{#
    One row per customer: the numeric features scaled with the stored parameters of
    feature_scaling_params. Doc block customer_features_scaled (_features__docs.md).
#}

{%- set features = customer_numeric_features() -%}
{%- set method = var('feature_scaling_method') -%}

with

features as (
    select * from {{ ref('dim_customer_features') }}
),

params as (
    {{ pivot_scaling_params(ref('feature_scaling_params'), features) }}
),

final as (
    select
        features.customer_id,
        features.as_of_date,
        {% for feature in features %}
            {{ scaled_value(feature, method, 'params', 'features') }} as {{ feature }},
        {% endfor %}
        params.feature_count as scaled_feature_count
    from features
    cross join params
)

select * from final
