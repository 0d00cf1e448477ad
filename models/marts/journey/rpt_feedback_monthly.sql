{#
    One row per month x feedback type x journey stage: responses, average score, NPS, CSAT.
    Doc block rpt_feedback_monthly (_journey__docs.md).
#}

with

feedback as (
    select * from {{ ref('fct_feedback') }}
),

with_month as (
    select
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as feedback_month,
        feedback_type,
        journey_stage,
        score,
        nps_class,
        is_satisfied
    from feedback
),

sliced as (
    select * from with_month
    union all
    select
        feedback_month,
        feedback_type,
        'all' as journey_stage,
        score,
        nps_class,
        is_satisfied
    from with_month
),

final as (
    select
        feedback_month,
        feedback_type,
        journey_stage,
        count(*) as response_count,
        avg(score) as avg_score,
        case
            when feedback_type = 'nps'
                then 100.0 * (count(case when nps_class = 'promoter' then 1 end) - count(case when nps_class = 'detractor' then 1 end)) / count(*)
        end as nps,
        case
            when feedback_type = 'csat'
                then 100.0 * count(case when is_satisfied then 1 end) / count(*)
        end as csat_percent
    from sliced
    group by feedback_month, feedback_type, journey_stage
)

select * from final
