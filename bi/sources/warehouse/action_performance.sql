-- one row per action x segment (activation.action_performance): sends, conversions and uplift
-- over the control group, the feedback the next-best-action learns from
select
    action_code,
    segment_name,
    sends,
    conversions,
    control_assignments,
    control_conversions,
    observed_conversion_rate,
    observed_control_rate,
    uplift,
    uplift_upper_bound,
    avg_conversion_amount
from activation.action_performance
