{#
    One row per customer with features: what the next-best-action rules look at
    (doc block customer_action_state).
#}

with

features as (
    select * from {{ ref('dim_customer_features') }}
),

segments as (
    select * from {{ ref('customer_segments') }}
),

churn as (
    select * from {{ ref('churn_predictions') }}
),

actions as (
    select * from {{ ref('int_marketing_actions_cleaned') }}
),

last_action as (
    select
        customer_id,
        max(sent_at) as last_action_sent_at
    from actions
    where not is_holdout
    group by 1
),

final as (
    select
        features.customer_id,
        features.as_of_date,
        segments.segment_id,
        segments.segment_name,
        coalesce(churn.risk_tier, 'unscored') as churn_risk_tier,
        features.journey_stage,
        churn.probability as churn_probability,
        features.tenure_days,
        features.recency_days,
        features.days_since_last_active,
        features.days_since_last_unanswered,
        features.orders_lifetime,
        features.abandoned_carts_90d,
        features.rfm_monetary_score,
        features.app_share_90d,
        coalesce(
            features.days_since_last_unanswered <= 14
            and coalesce(features.recency_days, 9999) > features.days_since_last_unanswered,
            false
        ) as has_open_information_gap,
        last_action.last_action_sent_at
    from features
    left join segments
        on features.customer_id = segments.customer_id
    left join churn
        on features.customer_id = churn.customer_id
    left join last_action
        on features.customer_id = last_action.customer_id
)

select * from final
