{#- CTE marketing_features: marketing actions received, opened and converted in the last 90 days (holdouts excluded). -#}
{% macro customer_marketing_features() -%}
{%- set as_of = customer_feature_as_of_instant() -%}
marketing_features as (
    select
        population.customer_id,
        population.as_of_date,
        count(actions.action_id) as actions_received_90d,
        count(case when actions.opened_at < {{ as_of }} then 1 end) as actions_opened_90d,
        count(case when actions.converted_at < {{ as_of }} then 1 end) as actions_converted_90d
    from population
    inner join dates
        on population.as_of_date = dates.as_of_date
    left join actions
        on population.customer_id = actions.customer_id
        and actions.sent_at < {{ as_of }}
        and actions.sent_at >= {{ dbt.dateadd('day', -90, as_of) }}
    group by 1, 2
)
{%- endmacro %}
