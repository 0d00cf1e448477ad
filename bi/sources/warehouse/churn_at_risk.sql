-- the 100 customers most likely to churn, with their segment and the model's top reason
select
    churn.customer_id,
    segments.segment_name,
    churn.risk_tier,
    churn.probability as churn_probability,
    churn.top_feature_1 as top_reason,
    churn.scored_at
from ml.churn_predictions as churn
left join ml.customer_segments as segments
    on churn.customer_id = segments.customer_id
order by churn.probability desc, churn.customer_id
limit 100
