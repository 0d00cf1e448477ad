{#- CTEs feedback_features, last_scores: reviews, CSAT, NPS and support tickets. -#}
{% macro customer_feedback_features() -%}
{%- set as_of = customer_feature_as_of_instant() -%}
feedback_features as (
    select
        population.customer_id,
        population.as_of_date,
        count(case when feedback.feedback_type = 'review' then 1 end) as reviews_lifetime,
        avg(case when feedback.feedback_type = 'review' then feedback.score end) as avg_review_score,
        avg(case when feedback.feedback_type = 'csat' then feedback.score end) as avg_csat_score,
        count(case
            when feedback.feedback_type = 'support_ticket'
                and feedback.created_at >= {{ dbt.dateadd('day', -90, as_of) }} then 1
        end) as support_tickets_90d,
        max(case when feedback.feedback_type = 'review' then feedback.created_at end) as last_review_at,
        max(case when feedback.feedback_type = 'nps' then feedback.created_at end) as last_nps_at
    from population
    inner join dates
        on population.as_of_date = dates.as_of_date
    left join feedback
        on population.customer_id = feedback.customer_id
        and feedback.created_at < {{ as_of }}
    group by 1, 2
),

last_scores as (
    select
        feedback_features.customer_id,
        feedback_features.as_of_date,
        max(case when feedback.feedback_type = 'review' and feedback.created_at = feedback_features.last_review_at then feedback.score end) as last_review_score,
        max(case when feedback.feedback_type = 'nps' and feedback.created_at = feedback_features.last_nps_at then feedback.score end) as last_nps_score
    from feedback_features
    inner join feedback
        on feedback_features.customer_id = feedback.customer_id
        and feedback.created_at in (feedback_features.last_review_at, feedback_features.last_nps_at)
    group by 1, 2
)
{%- endmacro %}
