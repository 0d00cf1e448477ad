-- the 100 customers whose next best action is worth the most
select
    customer_id,
    recommended_action_code,
    channel,
    segment_name,
    churn_risk_tier,
    journey_stage,
    expected_value_amount,
    expected_uplift,
    value_basis,
    reason
from activation.next_best_actions
order by expected_value_amount desc, customer_id
limit 100
