{# a table: the quarantine, the cleaned view and their tests all read it #}
{{ config(materialized='table') }}

with

feedback as (
    select * from {{ ref('stg_raw__feedback') }}
),

customers as (
    select customer_id from {{ ref('int_customers_cleaned') }}
),

row_checks as (
    select
        feedback.*,
        case
            when feedback.feedback_id is null then 'null_feedback_id'
            when feedback.customer_id is null then 'null_customer_id'
            when feedback.value_problem is not null then feedback.value_problem
            when feedback.created_at is null then 'unparseable_timestamp'
            when feedback.created_at > {{ future_cutoff() }} then 'future_timestamp'
            when
                feedback.feedback_type not in ('review', 'nps', 'csat', 'support_ticket')
                or feedback.feedback_type is null then 'unknown_feedback_type'
            when
                (feedback.feedback_type in ('review', 'csat') and feedback.score not between 1 and 5)
                or (feedback.feedback_type = 'nps' and feedback.score not between 0 and 10)
                or (feedback.feedback_type in ('review', 'nps', 'csat') and feedback.score is null)
                then 'score_out_of_range'
            when customers.customer_id is null then 'orphan_feedback_customer'
        end as row_reason
    from feedback
    left join customers
        on feedback.customer_id = customers.customer_id
),

final as (
    {{ with_duplicate_reasons('row_checks', ['feedback_id'], 'created_at', 'duplicate_feedback_id') }}
)

select * from final
