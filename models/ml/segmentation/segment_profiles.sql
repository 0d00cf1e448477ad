{#
    One row per customer segment: size, shares, centroid in original units, churn risk, predicted
    lifetime value, name, and the profile its name's claims rest on beside the population's.
    Doc block segment_profiles (_segmentation__docs.md).
#}

with

segments as (
    select * from {{ ref('customer_segments') }}
),

features as (
    select * from {{ ref('dim_customer_features') }}
),

churn as (
    select
        customer_id,
        probability
    from {{ ref('churn_predictions') }}
),

lifetime_value as (
    select
        customer_id,
        predicted_clv
    from {{ ref('customer_lifetime_value') }}
),

{# every customer with features: the population a segment's name compares it with #}
population as (
    select
        count(*) as customer_count,
        sum(revenue_365d) as revenue_365d,
        cast(count(case when orders_lifetime >= 2 then 1 end) as {{ type_double() }}) / count(*)
            as repeat_buyer_share,
        cast({{ percentile('recency_days', 0.5) }} as {{ type_double() }}) as median_recency_days,
        cast({{ percentile('tenure_days', 0.5) }} as {{ type_double() }}) as median_tenure_days,
        avg(coalesce(revenue_lifetime, 0)) as avg_revenue_lifetime,
        avg(coalesce(sessions_90d, 0)) as avg_sessions_90d,
        avg(discount_share) as avg_discount_share
    from features
),

{# the predicted value of every customer with features: the denominator of a segment's share #}
population_value as (
    select sum(lifetime_value.predicted_clv) as predicted_clv
    from features
    inner join lifetime_value
        on features.customer_id = lifetime_value.customer_id
),

final as (
    select
        segments.segment_id,
        max(segments.segment_name) as segment_name,
        max(segments.segment_top_features) as top_distinguishing_features,
        max(segments.segment_method) as segment_method,
        count(*) as customer_count,
        cast(count(*) as {{ type_double() }}) / max(population.customer_count) as customer_share,
        {{ safe_divide('sum(features.revenue_365d)', 'max(population.revenue_365d)') }} as revenue_share,
        avg(features.recency_days) as avg_recency_days,
        avg(features.orders_365d) as avg_orders_365d,
        avg(features.revenue_365d) as avg_revenue_365d,
        avg(features.avg_order_value) as avg_order_value,
        avg(features.discount_share) as avg_discount_share,
        avg(features.sessions_30d) as avg_sessions_30d,
        avg(features.active_days_90d) as avg_active_days_90d,
        avg(features.app_share_90d) as avg_app_share_90d,
        avg(features.tenure_days) as avg_tenure_days,
        avg(features.information_seeking_90d) as avg_information_seeking_90d,
        avg(segments.distance_to_centroid) as avg_distance_to_centroid,
        {{ safe_divide(
            'count(case when features.orders_lifetime > 0 and features.recency_days > 90 then 1 end)',
            'count(case when features.orders_lifetime > 0 then 1 end)'
        ) }} as inactive_buyer_share,
        avg(churn.probability) as avg_churn_probability,
        avg(lifetime_value.predicted_clv) as avg_predicted_clv,
        {{ safe_divide('sum(lifetime_value.predicted_clv)', 'max(population_value.predicted_clv)') }}
            as predicted_clv_share,
        cast(count(case when features.orders_lifetime >= 1 then 1 end) as {{ type_double() }}) / count(*)
            as buyer_share,
        cast(count(case when features.orders_lifetime >= 2 then 1 end) as {{ type_double() }}) / count(*)
            as repeat_buyer_share,
        {{ safe_divide(
            'count(case when features.orders_lifetime >= 2 then 1 end)',
            'count(case when features.orders_lifetime >= 1 then 1 end)'
        ) }} as repeat_share_of_buyers,
        avg(coalesce(features.orders_lifetime, 0)) as avg_orders_lifetime,
        avg(coalesce(features.revenue_lifetime, 0)) as avg_revenue_lifetime,
        avg(coalesce(features.sessions_90d, 0)) as avg_sessions_90d,
        cast({{ percentile('features.recency_days', 0.5) }} as {{ type_double() }}) as median_recency_days,
        cast({{ percentile('features.tenure_days', 0.5) }} as {{ type_double() }}) as median_tenure_days,
        max(population.repeat_buyer_share) as population_repeat_buyer_share,
        max(population.median_recency_days) as population_median_recency_days,
        max(population.median_tenure_days) as population_median_tenure_days,
        max(population.avg_revenue_lifetime) as population_avg_revenue_lifetime,
        max(population.avg_sessions_90d) as population_avg_sessions_90d,
        max(population.avg_discount_share) as population_avg_discount_share
    from segments
    inner join features
        on segments.customer_id = features.customer_id
    left join churn
        on segments.customer_id = churn.customer_id
    left join lifetime_value
        on segments.customer_id = lifetime_value.customer_id
    cross join population
    cross join population_value
    group by segments.segment_id
)

select * from final
