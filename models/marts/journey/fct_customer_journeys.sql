{#
    One row per person: funnel stage times, current stage, touches, information sought and
    feedback. Doc block fct_customer_journeys (_journey__docs.md).
#}

with

milestones as (
    select * from {{ ref('int_person_milestones') }}
),

steps as (
    select * from {{ ref('int_funnel_steps') }}
),

events as (
    select * from {{ ref('int_events_sessionized') }}
),

sessions as (
    select * from {{ ref('int_sessions') }}
),

feedback as (
    select * from {{ ref('int_feedback_cleaned') }}
),

before_purchase as (
    select
        events.person_id,
        count(case when events.is_information_seeking then 1 end) as information_seeking_events_before_purchase,
        count(case when events.is_unanswered then 1 end) as unanswered_events_before_purchase,
        count(case when events.information_touchpoint = 'support_contact' then 1 end) as support_contacts_before_purchase
    from events
    inner join milestones
        on events.person_id = milestones.person_id
    where
        events.is_information_seeking
        and (milestones.first_ordered_at is null or events.event_at < milestones.first_ordered_at)
    group by 1
),

last_touch as (
    select
        sessions.person_id,
        sessions.channel,
        row_number() over (
            partition by sessions.person_id order by sessions.session_started_at desc, sessions.first_event_id desc
        ) as recency
    from sessions
    inner join milestones
        on sessions.person_id = milestones.person_id
    where
        milestones.first_ordered_at is not null
        and sessions.session_started_at <= milestones.first_ordered_at
),

feedback_summary as (
    select
        customer_id,
        count(case when feedback_type = 'review' then 1 end) as review_count,
        avg(case when feedback_type = 'review' then score end) as avg_review_score,
        avg(case when feedback_type = 'csat' then score end) as avg_csat_score,
        count(case when feedback_type = 'support_ticket' then 1 end) as support_ticket_count,
        max(case when feedback_type = 'nps' then created_at end) as last_nps_at
    from feedback
    group by 1
),

last_nps as (
    select
        feedback.customer_id,
        max(feedback.score) as last_nps_score
    from feedback
    inner join feedback_summary
        on
            feedback.customer_id = feedback_summary.customer_id
            and feedback.created_at = feedback_summary.last_nps_at
    where feedback.feedback_type = 'nps'
    group by 1
),

final as (
    select
        milestones.person_id,
        milestones.customer_id,
        case
            when steps.advocacy_at is not null then 'advocacy'
            when steps.retention_at is not null then 'retention'
            when steps.purchase_at is not null then 'purchase'
            when steps.consideration_at is not null then 'consideration'
            else 'awareness'
        end as current_stage,
        milestones.first_touch_channel,
        last_touch.channel as last_touch_channel_before_purchase,
        milestones.first_device,
        case
            when last_nps.last_nps_score >= 9 then 'promoter'
            when last_nps.last_nps_score >= 7 then 'passive'
            when last_nps.last_nps_score >= 0 then 'detractor'
        end as nps_class,
        milestones.event_count,
        milestones.session_count,
        milestones.order_count,
        coalesce(before_purchase.information_seeking_events_before_purchase, 0) as information_seeking_events_before_purchase,
        coalesce(before_purchase.unanswered_events_before_purchase, 0) as unanswered_events_before_purchase,
        coalesce(before_purchase.support_contacts_before_purchase, 0) as support_contacts_before_purchase,
        coalesce(feedback_summary.review_count, 0) as review_count,
        feedback_summary.avg_review_score,
        feedback_summary.avg_csat_score,
        coalesce(feedback_summary.support_ticket_count, 0) as support_ticket_count,
        last_nps.last_nps_score,
        {{ dbt.datediff('steps.awareness_at', 'steps.consideration_at', 'day') }} as days_awareness_to_consideration,
        {{ dbt.datediff('steps.consideration_at', 'steps.purchase_at', 'day') }} as days_consideration_to_purchase,
        {{ dbt.datediff('steps.purchase_at', 'steps.retention_at', 'day') }} as days_purchase_to_repeat,
        milestones.is_customer,
        milestones.first_ordered_at is not null as has_purchased,
        coalesce(before_purchase.unanswered_events_before_purchase, 0) > 0 as has_unanswered_before_purchase,
        steps.awareness_at,
        steps.consideration_at,
        steps.purchase_at,
        steps.retention_at,
        steps.advocacy_at,
        milestones.first_ordered_at,
        milestones.last_event_at as last_seen_at
    from milestones
    inner join steps
        on milestones.person_id = steps.person_id
    left join before_purchase
        on milestones.person_id = before_purchase.person_id
    left join last_touch
        on
            milestones.person_id = last_touch.person_id
            and last_touch.recency = 1
    left join feedback_summary
        on milestones.customer_id = feedback_summary.customer_id
    left join last_nps
        on milestones.customer_id = last_nps.customer_id
)

select * from final
