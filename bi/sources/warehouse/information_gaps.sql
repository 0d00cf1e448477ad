-- one row per touchpoint x journey stage (marts.rpt_information_gaps): drop-off after the touchpoint
-- against the expected drop-off of the same people
select
    information_touchpoint,
    journey_stage,
    exposed_people,
    dropped_after_touchpoint,
    dropoff_rate_after_touchpoint,
    expected_dropoff_rate,
    dropoff_lift,
    relative_dropoff_risk,
    excess_dropoffs,
    revenue_at_risk_amount,
    priority_rank,
    is_reliable,
    is_significant
from marts.rpt_information_gaps
