{{ config(materialized='view') }}

{#
    The information-gap report: one row per information touchpoint x stage, drop-off after it
    against chance (case-crossover). A view over rpt_conversion_drivers, which computes the
    comparison for every funnel step: these are its information-touchpoint rows of the journey
    stages consideration and purchase. Method: doc block rpt_information_gaps (_journey__docs.md).
#}

with

drivers as (
    select * from {{ ref('rpt_conversion_drivers') }}
),

gaps as (
    select
        funnel_step as journey_stage,
        behaviour as information_touchpoint,
        exposed_people,
        step_people as stage_people,
        dropped_after_touchpoint,
        expected_dropped,
        dropoff_lift,
        relative_dropoff_risk,
        dropoff_lift_ci_low as lift_ci_low,
        dropoff_lift_ci_high as lift_ci_high,
        dropoff_z_score as z_score,
        share_of_step_dropoffs as share_of_stage_dropoffs,
        excess_dropoffs,
        revenue_at_risk_amount,
        is_reliable
    from drivers
    where
        funnel_name = 'journey_stages'
        and funnel_step in ('consideration', 'purchase')
        and behaviour_type = 'information_touchpoint'
        and exposed_people > 0
),

final as (
    select
        {{ dbt.hash(dbt.concat(['journey_stage', "'|'", 'information_touchpoint'])) }} as information_gap_id,
        information_touchpoint,
        journey_stage,
        exposed_people,
        stage_people,
        dropped_after_touchpoint,
        expected_dropped,
        cast(dropped_after_touchpoint as {{ type_double() }}) / exposed_people as dropoff_rate_after_touchpoint,
        expected_dropped / exposed_people as expected_dropoff_rate,
        dropoff_lift,
        relative_dropoff_risk,
        lift_ci_low,
        lift_ci_high,
        z_score,
        share_of_stage_dropoffs,
        excess_dropoffs,
        revenue_at_risk_amount,
        {# lift_ci_low: the lift minus var gap_significance_z standard errors (rpt_conversion_drivers) #}
        case
            when is_reliable
                then row_number() over (
                    partition by is_reliable
                    order by
                        case when lift_ci_low > 0 then 0 else 1 end,
                        revenue_at_risk_amount desc,
                        dropoff_lift desc,
                        information_touchpoint asc
                )
        end as priority_rank,
        is_reliable,
        is_reliable and coalesce(lift_ci_low > 0, false) as is_significant
    from gaps
)

select * from final
