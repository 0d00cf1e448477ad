{#
    The information-gap report: one row per information touchpoint x stage, drop-off after it
    against chance (case-crossover). Method: doc block rpt_information_gaps (_journey__docs.md).
#}

{%- set window_days = var('funnel_conversion_window_days') -%}
{%- set z = var('gap_significance_z') -%}

with

steps as (
    select * from {{ ref('int_funnel_steps') }}
),

events as (
    select * from {{ ref('int_events_sessionized') }}
    where is_information_seeking
),

sessions as (
    select
        session_id,
        person_id,
        session_started_at
    from {{ ref('int_sessions') }}
),

orders as (
    select * from {{ ref('int_orders_cleaned') }}
    where is_completed
),

data_end as (
    select max(last_event_at) as data_end_at
    from {{ ref('int_person_milestones') }}
),

populations as (
    select
        steps.person_id,
        steps.customer_id,
        'consideration' as journey_stage,
        steps.awareness_at as window_start_at,
        coalesce(steps.purchase_at, {{ dbt.dateadd('day', window_days, 'steps.consideration_at') }}) as window_end_at,
        steps.purchase_at is null as is_dropped
    from steps
    cross join data_end
    where
        steps.consideration_at is not null
        and {{ dbt.dateadd('day', window_days, 'steps.consideration_at') }} <= data_end.data_end_at
    union all
    select
        steps.person_id,
        steps.customer_id,
        'purchase' as journey_stage,
        steps.purchase_at as window_start_at,
        coalesce(steps.retention_at, {{ dbt.dateadd('day', window_days, 'steps.purchase_at') }}) as window_end_at,
        steps.retention_at is null as is_dropped
    from steps
    cross join data_end
    where
        steps.purchase_at is not null
        and {{ dbt.dateadd('day', window_days, 'steps.purchase_at') }} <= data_end.data_end_at
),

ranked_sessions as (
    select
        populations.person_id,
        populations.journey_stage,
        populations.is_dropped,
        sessions.session_id,
        row_number() over (
            partition by populations.person_id, populations.journey_stage
            order by sessions.session_started_at, sessions.session_id
        ) as session_number,
        row_number() over (
            partition by populations.person_id, populations.journey_stage
            order by sessions.session_started_at desc, sessions.session_id desc
        ) = 1 as is_last_session
    from populations
    inner join sessions
        on
            populations.person_id = sessions.person_id
            and populations.window_start_at <= sessions.session_started_at
            and populations.window_end_at > sessions.session_started_at
),

{# the stage's first session (the landing visit, or the purchase visit) is
   structurally early and never "after" anything: it is left out of both
   the exposures and the sessions a drop-off could follow #}
stage_sessions as (
    select
        *,
        count(*) over (partition by person_id, journey_stage) as stage_session_count
    from ranked_sessions
    where session_number > 1
),

touch_sessions as (
    select distinct
        stage_sessions.person_id,
        stage_sessions.journey_stage,
        stage_sessions.session_id,
        stage_sessions.is_dropped,
        stage_sessions.is_last_session,
        stage_sessions.stage_session_count,
        events.information_touchpoint
    from stage_sessions
    inner join events
        on stage_sessions.session_id = events.session_id
),

exposed_people as (
    select
        person_id,
        journey_stage,
        information_touchpoint,
        max(case when is_dropped and is_last_session then 1 else 0 end) as dropped_after_touchpoint,
        case
            when max(case when is_dropped then 1 else 0 end) = 1
                then cast(count(*) as {{ type_double() }}) / max(stage_session_count)
            else 0
        end as expected_dropped
    from touch_sessions
    group by 1, 2, 3
),

stage_totals as (
    select
        journey_stage,
        count(*) as stage_people,
        count(case when is_dropped then 1 end) as stage_dropped
    from populations
    group by 1
),

customer_revenue as (
    select
        customer_id,
        sum(order_amount) as revenue_amount
    from orders
    group by 1
),

converter_value as (
    select
        populations.journey_stage,
        avg(coalesce(customer_revenue.revenue_amount, 0)) as avg_converter_revenue
    from populations
    left join customer_revenue
        on populations.customer_id = customer_revenue.customer_id
    where not populations.is_dropped
    group by 1
),

touchpoint_stats as (
    select
        journey_stage,
        information_touchpoint,
        count(*) as exposed_people,
        cast(sum(dropped_after_touchpoint) as bigint) as dropped_after_touchpoint,
        sum(expected_dropped) as expected_dropped,
        sum(expected_dropped * (1 - expected_dropped)) as null_variance
    from exposed_people
    group by 1, 2
),

scored as (
    select
        touchpoint_stats.*,
        stage_totals.stage_people,
        stage_totals.stage_dropped,
        coalesce(converter_value.avg_converter_revenue, 0) as avg_converter_revenue,
        (touchpoint_stats.dropped_after_touchpoint - touchpoint_stats.expected_dropped)
        / touchpoint_stats.exposed_people as dropoff_lift,
        sqrt(touchpoint_stats.null_variance) / touchpoint_stats.exposed_people as lift_standard_error,
        case
            when touchpoint_stats.dropped_after_touchpoint > touchpoint_stats.expected_dropped
                then touchpoint_stats.dropped_after_touchpoint - touchpoint_stats.expected_dropped
            else 0
        end as excess_dropoffs,
        touchpoint_stats.exposed_people >= {{ var('min_group_size') }} as is_reliable
    from touchpoint_stats
    inner join stage_totals
        on touchpoint_stats.journey_stage = stage_totals.journey_stage
    left join converter_value
        on touchpoint_stats.journey_stage = converter_value.journey_stage
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
        {{ safe_divide('dropped_after_touchpoint', 'expected_dropped') }} as relative_dropoff_risk,
        dropoff_lift - {{ z }} * lift_standard_error as lift_ci_low,
        dropoff_lift + {{ z }} * lift_standard_error as lift_ci_high,
        {{ safe_divide('dropped_after_touchpoint - expected_dropped', 'sqrt(null_variance)') }} as z_score,
        {{ safe_divide('dropped_after_touchpoint', 'stage_dropped') }} as share_of_stage_dropoffs,
        excess_dropoffs,
        excess_dropoffs * avg_converter_revenue as revenue_at_risk_amount,
        case
            when is_reliable
                then row_number() over (
                    partition by is_reliable
                    order by
                        case when dropoff_lift - {{ z }} * lift_standard_error > 0 then 0 else 1 end,
                        excess_dropoffs * avg_converter_revenue desc,
                        dropoff_lift desc,
                        information_touchpoint asc
                )
        end as priority_rank,
        is_reliable,
        is_reliable and coalesce(dropoff_lift - {{ z }} * lift_standard_error > 0, false) as is_significant
    from scored
)

select * from final
