{#- CTE assembled: one row per (customer, as-of date) joining every family, with the derived ratios, days-since and stage. -#}
{% macro customer_features_assembled() -%}
assembled as (
    select
        population.customer_id,
        population.as_of_date,
        population.gender,
        population.country_code,
        population.acquisition_channel,
        interest_features.top_category,
        {{ customer_journey_stage() }} as journey_stage,
        case
            when feedback_features.last_nps_at is null then null
            when last_scores.last_nps_score >= 9 then 'promoter'
            when last_scores.last_nps_score >= 7 then 'passive'
            else 'detractor'
        end as nps_class,
        extract(year from population.as_of_date) - population.birth_year as age_years,
        {{ dbt.datediff('population.signup_at', 'cast(population.as_of_date as ' ~ dbt.type_timestamp() ~ ')', 'day') }} as tenure_days,
        {{ dbt.datediff('order_features.last_ordered_at', 'cast(population.as_of_date as ' ~ dbt.type_timestamp() ~ ')', 'day') }} as recency_days,
        {{ dbt.datediff('order_features.first_ordered_at', 'cast(population.as_of_date as ' ~ dbt.type_timestamp() ~ ')', 'day') }} as days_since_first_order,
        {{ dbt.datediff('engagement_features.last_active_date', 'population.as_of_date', 'day') }} as days_since_last_active,
        {{ dbt.datediff('engagement_features.last_unanswered_at', 'cast(population.as_of_date as ' ~ dbt.type_timestamp() ~ ')', 'day') }} as days_since_last_unanswered,
        order_features.orders_lifetime,
        order_features.orders_30d,
        order_features.orders_90d,
        order_features.orders_365d,
        order_features.revenue_lifetime,
        order_features.revenue_30d,
        order_features.revenue_90d,
        order_features.revenue_365d,
        {{ safe_divide('order_features.gross_paid_lifetime', 'order_features.orders_lifetime') }} as avg_order_value,
        {{ safe_divide('order_features.discount_lifetime', 'order_features.gross_paid_lifetime + order_features.discount_lifetime') }} as discount_share,
        {{ safe_divide('order_features.returned_orders_lifetime', 'order_features.orders_lifetime') }} as return_rate,
        coalesce(interest_features.top_category_share, 0) as top_category_share,
        engagement_features.sessions_7d,
        engagement_features.sessions_30d,
        engagement_features.sessions_90d,
        engagement_features.events_7d,
        engagement_features.events_30d,
        engagement_features.events_90d,
        engagement_features.active_days_7d,
        engagement_features.active_days_30d,
        engagement_features.active_days_90d,
        {{ safe_divide('engagement_features.sessions_30d - engagement_features.sessions_prev_30d', 'engagement_features.sessions_prev_30d + 1') }} as session_trend_30d,
        {{ safe_divide('engagement_features.events_90d', 'engagement_features.sessions_90d') }} as events_per_session_90d,
        {{ safe_divide('order_features.orders_90d', 'engagement_features.sessions_90d') }} as session_conversion_90d,
        coalesce({{ safe_divide('engagement_features.app_events_90d', 'engagement_features.events_90d') }}, 0) as app_share_90d,
        coalesce({{ safe_divide('engagement_features.mobile_web_events_90d', 'engagement_features.events_90d') }}, 0) as mobile_web_share_90d,
        engagement_features.product_views_90d,
        engagement_features.searches_90d,
        engagement_features.abandoned_carts_90d,
        engagement_features.information_seeking_30d,
        engagement_features.information_seeking_90d,
        engagement_features.unanswered_30d,
        engagement_features.unanswered_90d,
        feedback_features.support_tickets_90d,
        feedback_features.reviews_lifetime,
        feedback_features.avg_review_score,
        last_scores.last_review_score,
        last_scores.last_nps_score,
        feedback_features.avg_csat_score,
        marketing_features.actions_received_90d,
        marketing_features.actions_opened_90d,
        marketing_features.actions_converted_90d
    from population
    inner join order_features
        on population.customer_id = order_features.customer_id
        and population.as_of_date = order_features.as_of_date
    inner join engagement_features
        on population.customer_id = engagement_features.customer_id
        and population.as_of_date = engagement_features.as_of_date
    inner join feedback_features
        on population.customer_id = feedback_features.customer_id
        and population.as_of_date = feedback_features.as_of_date
    inner join marketing_features
        on population.customer_id = marketing_features.customer_id
        and population.as_of_date = marketing_features.as_of_date
    left join interest_features
        on population.customer_id = interest_features.customer_id
        and population.as_of_date = interest_features.as_of_date
    left join last_scores
        on population.customer_id = last_scores.customer_id
        and population.as_of_date = last_scores.as_of_date
)
{%- endmacro %}
