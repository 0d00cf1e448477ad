-- one row per customer segment (ml.segment_profiles)
select
    segment_id,
    segment_name,
    top_distinguishing_features,
    customer_count,
    customer_share,
    revenue_share,
    buyer_share,
    repeat_buyer_share,
    avg_recency_days,
    avg_orders_365d,
    avg_revenue_365d,
    avg_order_value,
    avg_discount_share,
    avg_sessions_30d,
    avg_churn_probability,
    avg_predicted_clv,
    predicted_clv_share
from ml.segment_profiles
