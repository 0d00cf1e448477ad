{#
    One row per clean feedback with its score class and the customer's journey stage when
    given. Doc block fct_feedback (_journey__docs.md).
#}

with

feedback as (
    select * from {{ ref('int_feedback_cleaned') }}
),

steps as (
    select * from {{ ref('int_funnel_steps') }}
),

final as (
    select
        feedback.feedback_id,
        feedback.customer_id,
        feedback.order_id,
        feedback.feedback_type,
        feedback.topic,
        case
            when steps.retention_at is not null and feedback.created_at >= steps.retention_at then 'retention'
            when steps.purchase_at is not null and feedback.created_at >= steps.purchase_at then 'purchase'
            else 'consideration'
        end as journey_stage,
        case
            when feedback.feedback_type <> 'nps' then null
            when feedback.score >= 9 then 'promoter'
            when feedback.score >= 7 then 'passive'
            else 'detractor'
        end as nps_class,
        feedback.score,
        case when feedback.feedback_type = 'csat' then feedback.score >= 4 end as is_satisfied,
        cast(feedback.created_at as date) as created_date,
        feedback.created_at
    from feedback
    left join steps
        on feedback.customer_id = steps.person_id
)

select * from final
