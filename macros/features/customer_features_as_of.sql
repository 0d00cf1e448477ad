{#- One row per (customer, as-of date) with every customer feature; the one feature definition, composed of its families. -#}
{% macro customer_features_as_of(as_of_dates, population_filter=none, stored_rfm_scores=none) %}

{%- set as_of = customer_feature_as_of_instant() -%}

with

dates as (
    select as_of_date from {{ as_of_dates }}
),

customers as (
    select * from {{ ref('int_customers_cleaned') }}
),

orders as (
    select * from {{ ref('int_orders_cleaned') }}
    where order_status <> 'cancelled'
),

order_items as (
    select * from {{ ref('int_order_items_cleaned') }}
),

activity as (
    select * from {{ ref('int_customer_daily_activity') }}
),

feedback as (
    select * from {{ ref('int_feedback_cleaned') }}
),

actions as (
    select * from {{ ref('int_marketing_actions_cleaned') }}
    where not is_holdout
),

population as (
    select
        customers.customer_id,
        dates.as_of_date,
        customers.gender,
        customers.country_code,
        customers.acquisition_channel,
        customers.birth_year,
        customers.signup_at
    from customers
    cross join dates
    where
        customers.signup_at < {{ as_of }}
        {% if population_filter %}and ({{ population_filter }}){% endif %}
),

{{ customer_order_features() }},

{{ customer_interest_features() }},

{{ customer_engagement_features() }},

{{ customer_feedback_features() }},

{{ customer_marketing_features() }},

{{ customer_features_assembled() }},

{{ customer_rfm_scores(stored_rfm_scores) }}

select
    customer_id,
    as_of_date,
    gender,
    country_code,
    acquisition_channel,
    top_category,
    journey_stage,
    nps_class,
    case
        when age_years is null then null
        when age_years < 25 then '18-24'
        when age_years < 35 then '25-34'
        when age_years < 45 then '35-44'
        when age_years < 55 then '45-54'
        when age_years < 65 then '55-64'
        else '65+'
    end as age_band,
    age_years,
    tenure_days,
    recency_days,
    days_since_first_order,
    days_since_last_active,
    days_since_last_unanswered,
    orders_lifetime,
    orders_30d,
    orders_90d,
    orders_365d,
    revenue_lifetime,
    revenue_30d,
    revenue_90d,
    revenue_365d,
    avg_order_value,
    discount_share,
    return_rate,
    top_category_share,
    rfm_recency_score,
    rfm_frequency_score,
    rfm_monetary_score,
    sessions_7d,
    sessions_30d,
    sessions_90d,
    events_7d,
    events_30d,
    events_90d,
    active_days_7d,
    active_days_30d,
    active_days_90d,
    session_trend_30d,
    events_per_session_90d,
    session_conversion_90d,
    app_share_90d,
    mobile_web_share_90d,
    product_views_90d,
    searches_90d,
    abandoned_carts_90d,
    information_seeking_30d,
    information_seeking_90d,
    unanswered_30d,
    unanswered_90d,
    support_tickets_90d,
    reviews_lifetime,
    avg_review_score,
    last_review_score,
    last_nps_score,
    avg_csat_score,
    actions_received_90d,
    actions_opened_90d,
    actions_converted_90d
from rfm

{% endmacro %}
