-- one row per funnel step x behaviour (marts.rpt_conversion_drivers): behaviours that go with
-- converting or dropping out at a step, ranked
select
    funnel_name,
    funnel_step,
    step_order,
    behaviour_type,
    behaviour_label,
    evidence,
    goes_with,
    people_who_did,
    share_of_converters,
    share_of_dropouts,
    conversion_rate_if_done,
    conversion_rate_if_not_done,
    odds_ratio,
    dropoff_lift,
    revenue_at_risk_amount,
    adjusted_p_value,
    driver_rank,
    is_significant
from marts.rpt_conversion_drivers
