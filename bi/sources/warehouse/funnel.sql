-- one row per funnel x period x step x breakdown value (marts.rpt_funnel): the journey-stage funnel
-- and the configured event funnels (seeds/funnels.csv)
select
    funnel_name,
    period,
    funnel_step,
    dimension,
    dimension_value,
    step_order,
    lpad(cast(step_order as varchar), 2, '0') || ' ' || funnel_step as step_label,
    entered_count,
    converted_count,
    dropped_count,
    conversion_rate,
    median_hours_to_convert,
    p90_hours_to_convert
from marts.rpt_funnel
