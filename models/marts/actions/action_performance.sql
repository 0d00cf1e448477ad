{#
    One row per action x segment (plus segment 'all'): what the outcomes of
    past actions teach. Sends (holdouts excluded), opens, conversions and
    conversion rate; the holdout (control) group's conversion rate in the
    same segment; the uplift (treated - control) with a prior from the
    playbook, its standard error, and an upper confidence bound
    (uplift + var action_ucb_z x se) that next_best_actions ranks by.

    The prior: var action_prior_strength pseudo-sends at the control rate +
    the playbook's prior_uplift for the treated arm, and at the control
    rate for the control arm, so a new action starts at its prior and
    moves to its observed uplift as outcomes arrive. Segments are the
    customers' current segments.
#}

{%- set m = var('action_prior_strength') -%}

with

actions as (
    select * from {{ ref('int_marketing_actions_cleaned') }}
),

segments as (
    select
        customer_id,
        segment_name
    from {{ ref('customer_segments') }}
),

playbook as (
    select * from {{ ref('action_playbook') }}
),

labelled as (
    select
        actions.*,
        coalesce(segments.segment_name, '(no segment)') as segment_name
    from actions
    left join segments
        on actions.customer_id = segments.customer_id
),

both_levels as (
    select
        action_code,
        segment_name,
        is_holdout,
        is_opened,
        is_converted,
        conversion_amount
    from labelled
    union all
    select
        action_code,
        'all' as segment_name,
        is_holdout,
        is_opened,
        is_converted,
        conversion_amount
    from labelled
),

treated as (
    select
        action_code,
        segment_name,
        count(*) as sends,
        count(case when is_opened then 1 end) as opens,
        count(case when is_converted then 1 end) as conversions,
        avg(case when is_converted then conversion_amount end) as avg_conversion_amount
    from both_levels
    where not is_holdout
    group by 1, 2
),

control as (
    select
        segment_name,
        count(*) as control_assignments,
        count(case when is_converted then 1 end) as control_conversions
    from both_levels
    where is_holdout
    group by 1
),

overall_control as (
    select
        coalesce(
            count(case when is_converted then 1 end) * 1.0 / nullif(count(*), 0), 0
        ) as control_rate
    from both_levels
    where is_holdout and segment_name = 'all'
),

grid as (
    select
        playbook.action_code,
        segment_names.segment_name,
        playbook.prior_uplift
    from playbook
    cross join (select distinct segment_name from both_levels) as segment_names
),

posterior as (
    select
        grid.action_code,
        grid.segment_name,
        coalesce(treated.sends, 0) as sends,
        coalesce(treated.opens, 0) as opens,
        coalesce(treated.conversions, 0) as conversions,
        coalesce(control.control_assignments, 0) as control_assignments,
        coalesce(control.control_conversions, 0) as control_conversions,
        treated.avg_conversion_amount,
        grid.prior_uplift,
        (coalesce(treated.conversions, 0) + {{ m }} * (overall_control.control_rate + grid.prior_uplift))
        / (coalesce(treated.sends, 0) + {{ m }}) as treated_rate,
        (coalesce(control.control_conversions, 0) + {{ m }} * overall_control.control_rate)
        / (coalesce(control.control_assignments, 0) + {{ m }}) as control_rate,
        coalesce(treated.sends, 0) + {{ m }} as treated_weight,
        coalesce(control.control_assignments, 0) + {{ m }} as control_weight
    from grid
    cross join overall_control
    left join treated
        on
            grid.action_code = treated.action_code
            and grid.segment_name = treated.segment_name
    left join control
        on grid.segment_name = control.segment_name
),

final as (
    select
        {{ dbt.hash(dbt.concat(['action_code', "'|'", 'segment_name'])) }} as action_performance_id,
        action_code,
        segment_name,
        sends,
        opens,
        conversions,
        control_assignments,
        control_conversions,
        {{ safe_divide('conversions', 'sends') }} as observed_conversion_rate,
        {{ safe_divide('control_conversions', 'control_assignments') }} as observed_control_rate,
        treated_rate - control_rate as uplift,
        sqrt(
            treated_rate * (1 - treated_rate) / treated_weight
            + control_rate * (1 - control_rate) / control_weight
        ) as uplift_standard_error,
        treated_rate - control_rate + {{ var('action_ucb_z') }} * sqrt(
            treated_rate * (1 - treated_rate) / treated_weight
            + control_rate * (1 - control_rate) / control_weight
        ) as uplift_upper_bound,
        prior_uplift,
        coalesce(avg_conversion_amount, 0) as avg_conversion_amount
    from posterior
)

select * from final
