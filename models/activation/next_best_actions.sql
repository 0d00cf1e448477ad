{#
    One row per customer with a worthwhile action: the eligible action with the highest
    expected value, why, and the runner-up. Method: doc block next_best_actions.
#}

with

state as (
    select * from {{ ref('customer_action_state') }}
),

playbook as (
    select * from {{ ref('action_playbook') }}
),

performance as (
    select * from {{ ref('action_performance') }}
),

actions as (
    select * from {{ ref('int_marketing_actions_cleaned') }}
    where not is_holdout
),

last_received as (
    select
        customer_id,
        action_code,
        max(sent_at) as last_sent_at
    from actions
    group by 1, 2
),

orders as (
    select * from {{ ref('int_orders_cleaned') }}
    where is_completed
),

{# what a conversion is worth: the actions' own conversions, else (no marketing history) an order;
   unknown (null) when the data has no amounts at all: actions then rank by uplift alone #}
action_value as (
    select avg(conversion_amount) as avg_conversion_amount
    from actions
    where is_converted
),

order_value as (
    select avg(order_amount) as avg_order_amount
    from orders
),

conversion_value as (
    select coalesce(action_value.avg_conversion_amount, order_value.avg_order_amount) as avg_conversion_amount
    from action_value
    cross join order_value
),

eligible as (
    select
        state.customer_id,
        state.as_of_date,
        state.segment_name,
        state.churn_risk_tier,
        state.journey_stage,
        state.has_open_information_gap,
        playbook.action_code,
        playbook.channel,
        playbook.condition,
        playbook.cost_amount
    from state
    cross join playbook
    left join last_received
        on
            state.customer_id = last_received.customer_id
            and playbook.action_code = last_received.action_code
    where
        (playbook.journey_stage = 'any' or playbook.journey_stage = state.journey_stage)
        and case playbook.condition
            {% for name in action_condition_names() %}
                when '{{ name }}' then {{ action_condition(name) }}
            {% endfor %}
            else false
        end
        and (
            last_received.last_sent_at is null
            or last_received.last_sent_at
            < {{ dbt.dateadd('day', '-1 * playbook.cooldown_days', 'cast(state.as_of_date as ' ~ dbt.type_timestamp() ~ ')') }}
        )
),

valued as (
    select
        eligible.*,
        coalesce(segment_performance.uplift_upper_bound, overall_performance.uplift_upper_bound) as uplift_upper_bound,
        coalesce(segment_performance.uplift, overall_performance.uplift) as expected_uplift,
        coalesce(segment_performance.uplift_upper_bound, overall_performance.uplift_upper_bound)
        * coalesce(
            nullif(segment_performance.avg_conversion_amount, 0),
            nullif(overall_performance.avg_conversion_amount, 0),
            conversion_value.avg_conversion_amount
        )
        - eligible.cost_amount as expected_value_amount,
        case
            when coalesce(overall_performance.sends, 0) = 0 then 'prior_only' else 'observed'
        end as value_basis
    from eligible
    cross join conversion_value
    left join performance as segment_performance
        on
            eligible.action_code = segment_performance.action_code
            and eligible.segment_name = segment_performance.segment_name
    left join performance as overall_performance
        on
            eligible.action_code = overall_performance.action_code
            and overall_performance.segment_name = 'all'
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id
            order by coalesce(expected_value_amount, uplift_upper_bound) desc, action_code asc
        ) as action_rank
    from valued
    where coalesce(expected_value_amount, uplift_upper_bound) > 0
),

final as (
    select
        best.customer_id,
        best.action_code as recommended_action_code,
        best.channel,
        best.segment_name,
        best.churn_risk_tier,
        best.journey_stage,
        'segment: ' || coalesce(best.segment_name, 'none')
        || '; churn risk: ' || best.churn_risk_tier
        || '; stage: ' || best.journey_stage
        || '; open information gap: ' || case when best.has_open_information_gap then 'yes' else 'no' end
        || '; rule: ' || best.condition as reason,
        runner_up.action_code as runner_up_action_code,
        best.expected_value_amount,
        best.expected_uplift,
        best.uplift_upper_bound,
        runner_up.expected_value_amount as runner_up_expected_value_amount,
        best.value_basis,
        best.has_open_information_gap,
        best.as_of_date
    from ranked as best
    left join ranked as runner_up
        on
            best.customer_id = runner_up.customer_id
            and runner_up.action_rank = 2
    where best.action_rank = 1
)

select * from final
