with

validated as (
    select * from {{ ref('int_marketing_actions_validated') }}
),

final as (
    select
        action_id,
        customer_id,
        action_code,
        channel,
        {# without campaigns, every action is in one campaign: the holdouts are everyone's control #}
        coalesce(campaign_id, '(all)') as campaign_id,
        conversion_amount,
        action_code = 'holdout' as is_holdout,
        opened_at is not null as is_opened,
        clicked_at is not null as is_clicked,
        converted_at is not null as is_converted,
        sent_at,
        opened_at,
        clicked_at,
        converted_at
    from validated
    where quarantine_reason is null
)

select * from final
