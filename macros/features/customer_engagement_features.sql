{#- CTE engagement_features: activity windows, channel mix and information-gap counts, one pass over daily activity. -#}
{% macro customer_engagement_features() -%}
engagement_features as (
    select
        population.customer_id,
        population.as_of_date,
        {%- for days in [7, 30, 90] %}
        cast(coalesce(sum(case when activity.activity_date >= {{ dbt.dateadd('day', -days, 'dates.as_of_date') }} then activity.session_count end), 0) as bigint) as sessions_{{ days }}d,
        cast(coalesce(sum(case when activity.activity_date >= {{ dbt.dateadd('day', -days, 'dates.as_of_date') }} then activity.event_count end), 0) as bigint) as events_{{ days }}d,
        count(case when activity.activity_date >= {{ dbt.dateadd('day', -days, 'dates.as_of_date') }} then 1 end) as active_days_{{ days }}d,
        {%- endfor %}
        cast(coalesce(sum(case
            when activity.activity_date >= {{ dbt.dateadd('day', -60, 'dates.as_of_date') }}
                and activity.activity_date < {{ dbt.dateadd('day', -30, 'dates.as_of_date') }}
                then activity.session_count
        end), 0) as bigint) as sessions_prev_30d,
        cast(coalesce(sum(case when activity.activity_date >= {{ dbt.dateadd('day', -90, 'dates.as_of_date') }} then activity.app_event_count end), 0) as bigint) as app_events_90d,
        cast(coalesce(sum(case when activity.activity_date >= {{ dbt.dateadd('day', -90, 'dates.as_of_date') }} then activity.mobile_web_event_count end), 0) as bigint) as mobile_web_events_90d,
        cast(coalesce(sum(case when activity.activity_date >= {{ dbt.dateadd('day', -90, 'dates.as_of_date') }} then activity.product_view_count end), 0) as bigint) as product_views_90d,
        cast(coalesce(sum(case when activity.activity_date >= {{ dbt.dateadd('day', -90, 'dates.as_of_date') }} then activity.search_count end), 0) as bigint) as searches_90d,
        cast(coalesce(sum(case when activity.activity_date >= {{ dbt.dateadd('day', -90, 'dates.as_of_date') }} then activity.abandoned_cart_count end), 0) as bigint) as abandoned_carts_90d,
        {%- for days in [30, 90] %}
        cast(coalesce(sum(case when activity.activity_date >= {{ dbt.dateadd('day', -days, 'dates.as_of_date') }} then activity.information_seeking_count end), 0) as bigint) as information_seeking_{{ days }}d,
        cast(coalesce(sum(case when activity.activity_date >= {{ dbt.dateadd('day', -days, 'dates.as_of_date') }} then activity.unanswered_count end), 0) as bigint) as unanswered_{{ days }}d,
        {%- endfor %}
        max(activity.activity_date) as last_active_date,
        max(activity.last_unanswered_at) as last_unanswered_at
    from population
    inner join dates
        on population.as_of_date = dates.as_of_date
    left join activity
        on population.customer_id = activity.customer_id
        and activity.activity_date < dates.as_of_date
    group by 1, 2
)
{%- endmacro %}
