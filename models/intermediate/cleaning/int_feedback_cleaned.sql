with

validated as (
    select * from {{ ref('int_feedback_validated') }}
),

final as (
    select
        feedback_id,
        customer_id,
        order_id,
        feedback_type,
        topic,
        score,
        comment_length,
        created_at
    from validated
    where quarantine_reason is null
)

select * from final
