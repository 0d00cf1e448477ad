{#
    One row per action x segment: the uplift over campaign-matched holdouts, with a prior and an
    upper confidence bound. Method: doc block action_performance (_activation__docs.md).
#}

{%- set m = var('action_prior_strength') -%}
{#- holdout cells smaller than this lean on their campaign's overall rate -#}
{%- set k = 20 -%}

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
        campaign_id,
        segment_name,
        is_holdout,
        is_opened,
        is_converted,
        conversion_amount
    from labelled
    union all
    select
        action_code,
        campaign_id,
        'all' as segment_name,
        is_holdout,
        is_opened,
        is_converted,
        conversion_amount
    from labelled
),

overall_control as (
    select
        coalesce(
            cast(count(case when is_converted then 1 end) as {{ type_double() }}) / nullif(count(*), 0), 0
        ) as control_rate
    from both_levels
    where is_holdout and segment_name = 'all'
),

holdout_cells as (
    select
        campaign_id,
        segment_name,
        count(*) as assignments,
        count(case when is_converted then 1 end) as conversions
    from both_levels
    where is_holdout
    group by 1, 2
),

campaign_control as (
    select
        holdout_cells.campaign_id,
        (holdout_cells.conversions + {{ k }} * overall_control.control_rate)
        / (holdout_cells.assignments + {{ k }}) as control_rate
    from holdout_cells
    cross join overall_control
    where holdout_cells.segment_name = 'all'
),

treated_cells as (
    select
        action_code,
        campaign_id,
        segment_name,
        count(*) as sends,
        count(case when is_opened then 1 end) as opens,
        count(case when is_converted then 1 end) as conversions,
        sum(case when is_converted then conversion_amount end) as conversion_amount
    from both_levels
    where not is_holdout
    group by 1, 2, 3
),

matched as (
    {# each campaign x segment of sends against the holdouts of that campaign and segment #}
    select
        treated_cells.*,
        coalesce(holdout_cells.assignments, 0) as control_assignments,
        coalesce(holdout_cells.conversions, 0) as control_conversions,
        (
            coalesce(holdout_cells.conversions, 0)
            + {{ k }} * coalesce(campaign_control.control_rate, overall_control.control_rate)
        ) / (coalesce(holdout_cells.assignments, 0) + {{ k }}) as matched_control_rate
    from treated_cells
    cross join overall_control
    left join holdout_cells
        on
            treated_cells.campaign_id = holdout_cells.campaign_id
            and treated_cells.segment_name = holdout_cells.segment_name
    left join campaign_control
        on treated_cells.campaign_id = campaign_control.campaign_id
),

treated as (
    select
        action_code,
        segment_name,
        cast(sum(sends) as {{ dbt.type_bigint() }}) as sends,
        cast(sum(opens) as {{ dbt.type_bigint() }}) as opens,
        cast(sum(conversions) as {{ dbt.type_bigint() }}) as conversions,
        cast(sum(control_assignments) as {{ dbt.type_bigint() }}) as control_assignments,
        cast(sum(control_conversions) as {{ dbt.type_bigint() }}) as control_conversions,
        sum(sends * matched_control_rate) as expected_control_conversions,
        sum(conversion_amount) / nullif(sum(conversions), 0) as avg_conversion_amount
    from matched
    group by 1, 2
),

{# 'all' even with no marketing history: every action then has its prior #}
segment_names as (
    select segment_name from both_levels
    union
    select 'all' as segment_name
),

grid as (
    select
        playbook.action_code,
        segment_names.segment_name,
        playbook.prior_uplift
    from playbook
    cross join segment_names
),

posterior as (
    select
        grid.action_code,
        grid.segment_name,
        coalesce(treated.sends, 0) as sends,
        coalesce(treated.opens, 0) as opens,
        coalesce(treated.conversions, 0) as conversions,
        coalesce(treated.control_assignments, 0) as control_assignments,
        coalesce(treated.control_conversions, 0) as control_conversions,
        treated.expected_control_conversions,
        treated.avg_conversion_amount,
        grid.prior_uplift,
        (coalesce(treated.conversions, 0) + {{ m }} * (overall_control.control_rate + grid.prior_uplift))
        / (coalesce(treated.sends, 0) + {{ m }}) as treated_rate,
        (coalesce(treated.expected_control_conversions, 0) + {{ m }} * overall_control.control_rate)
        / (coalesce(treated.sends, 0) + {{ m }}) as control_rate,
        coalesce(treated.sends, 0) + {{ m }} as treated_weight,
        coalesce(treated.control_assignments, 0) + {{ m }} as control_weight
    from grid
    cross join overall_control
    left join treated
        on
            grid.action_code = treated.action_code
            and grid.segment_name = treated.segment_name
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
        {{ safe_divide('expected_control_conversions', 'sends') }} as observed_control_rate,
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
