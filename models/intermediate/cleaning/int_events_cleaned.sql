with

validated as (
    select * from {{ ref('int_events_validated') }}
),

taxonomy as (
    select * from {{ ref('event_taxonomy') }}
),

stages as (
    select * from {{ ref('journey_stages') }}
),

bot_visitors as (
    select anonymous_id from {{ ref('int_bot_visitors') }}
),

final as (
    select
        validated.event_id,
        validated.anonymous_id,
        validated.customer_id,
        validated.event_type,
        taxonomy.event_category,
        taxonomy.journey_stage,
        {# information-seeking touchpoint; a search with no results is its own, unanswered touchpoint #}
        case
            when taxonomy.is_information_seeking and validated.search_results_count = 0
                then validated.event_type || '_zero_results'
            when taxonomy.is_information_seeking then validated.event_type
        end as information_touchpoint,
        validated.channel,
        validated.device,
        validated.page_path,
        validated.product_id,
        validated.search_query,
        validated.utm_source,
        validated.utm_medium,
        validated.utm_campaign,
        validated.search_results_count,
        stages.stage_order,
        taxonomy.is_information_seeking,
        taxonomy.is_information_seeking
        and (taxonomy.is_unanswered or coalesce(validated.search_results_count = 0, false)) as is_unanswered,
        validated.event_at,
        validated.dbt_loaded_at
    from validated
    inner join taxonomy
        on validated.event_type = taxonomy.event_type
    inner join stages
        on taxonomy.journey_stage = stages.journey_stage
    {# a bot's anonymous events go to the quarantine (reason bot), its identified ones stay #}
    left join bot_visitors
        on
            validated.anonymous_id = bot_visitors.anonymous_id
            and validated.customer_id is null
    where
        validated.quarantine_reason is null
        and bot_visitors.anonymous_id is null
)

select * from final
