-- one row per segment x churn risk tier: customers of ml.customer_segments by their tier in
-- ml.churn_predictions ('unscored': no churn score, e.g. never bought)
select
    segments.segment_name,
    coalesce(churn.risk_tier, 'unscored') as risk_tier,
    count(*) as customers,
    avg(churn.probability) as avg_churn_probability
from ml.customer_segments as segments
left join ml.churn_predictions as churn
    on segments.customer_id = churn.customer_id
group by 1, 2
