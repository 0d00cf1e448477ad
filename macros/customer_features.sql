{#
    The customer feature definition, in one place.

    customer_features_as_of(as_of_dates) returns a SELECT of one row per
    (customer, as-of date) for every date in `as_of_dates`: a relation or a
    parenthesised subquery with one column, as_of_date (a date). Every input is read strictly
    before the as-of instant (midnight UTC of as_of_date): an order at
    exactly that instant is not seen; windows are [as_of - N days, as_of).
    Only customers who signed up before the as-of instant get a row.

    customer_features (latest) and customer_feature_snapshots (history)
    both call it, so training and scoring use the same definition.
    population_filter: optional SQL condition on `customers` and `dates`
    choosing which (customer, date) pairs to compute (incremental snapshots).
    stored_rfm_scores: optional relation of (customer_id, as_of_date,
    rfm_*_score) to reuse. RFM scores rank a customer among everyone on the
    same date, so a date computed for a few customers only must take their
    stored scores (RFM reads orders alone, which do not change for old dates).
#}

{% macro customer_features_as_of(as_of_dates, population_filter=none, stored_rfm_scores=none) %}

{%- set as_of = 'cast(dates.as_of_date as ' ~ dbt.type_timestamp() ~ ')' -%}

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

order_features as (
    select
        population.customer_id,
        population.as_of_date,
        count(orders.order_id) as orders_lifetime,
        count(case when orders.ordered_at >= {{ dbt.dateadd('day', -30, as_of) }} then 1 end) as orders_30d,
        count(case when orders.ordered_at >= {{ dbt.dateadd('day', -90, as_of) }} then 1 end) as orders_90d,
        count(case when orders.ordered_at >= {{ dbt.dateadd('day', -365, as_of) }} then 1 end) as orders_365d,
        coalesce(sum(case when orders.is_completed then orders.order_amount end), 0) as revenue_lifetime,
        coalesce(sum(case when orders.is_completed and orders.ordered_at >= {{ dbt.dateadd('day', -30, as_of) }} then orders.order_amount end), 0) as revenue_30d,
        coalesce(sum(case when orders.is_completed and orders.ordered_at >= {{ dbt.dateadd('day', -90, as_of) }} then orders.order_amount end), 0) as revenue_90d,
        coalesce(sum(case when orders.is_completed and orders.ordered_at >= {{ dbt.dateadd('day', -365, as_of) }} then orders.order_amount end), 0) as revenue_365d,
        coalesce(sum(orders.discount_amount), 0) as discount_lifetime,
        coalesce(sum(orders.order_amount), 0) as gross_paid_lifetime,
        count(case when orders.order_status = 'returned' then 1 end) as returned_orders_lifetime,
        min(orders.ordered_at) as first_ordered_at,
        max(orders.ordered_at) as last_ordered_at
    from population
    inner join dates
        on population.as_of_date = dates.as_of_date
    left join orders
        on population.customer_id = orders.customer_id
        and orders.ordered_at < {{ as_of }}
    group by 1, 2
),

category_spend as (
    select
        population.customer_id,
        population.as_of_date,
        order_items.category,
        sum(order_items.line_amount) as category_amount
    from population
    inner join dates
        on population.as_of_date = dates.as_of_date
    inner join orders
        on population.customer_id = orders.customer_id
        and orders.ordered_at < {{ as_of }}
    inner join order_items
        on orders.order_id = order_items.order_id
    group by 1, 2, 3
),

category_ranked as (
    select
        customer_id,
        as_of_date,
        category,
        category_amount,
        sum(category_amount) over (partition by customer_id, as_of_date) as total_amount,
        row_number() over (
            partition by customer_id, as_of_date order by category_amount desc, category
        ) as category_rank
    from category_spend
),

interest_features as (
    select
        customer_id,
        as_of_date,
        category as top_category,
        {{ safe_divide('category_amount', 'total_amount') }} as top_category_share
    from category_ranked
    where category_rank = 1
),

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
),

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
),

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
),

assembled as (
    select
        population.customer_id,
        population.as_of_date,
        population.gender,
        population.country_code,
        population.acquisition_channel,
        interest_features.top_category,
        case
            when order_features.orders_lifetime >= 2 then 'retention'
            when order_features.orders_lifetime = 1 then 'purchase'
            when engagement_features.last_active_date is not null then 'consideration'
            else 'awareness'
        end as journey_stage,
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
),

{#
    RFM scores 1-5 within each as-of date, 5 = best: most recent, most
    frequent (orders in 365 days), highest spend (365 days), by percent
    rank among the customers who have ordered (ties share a score).
    Customers who never ordered score 1 on all three.
#}
ranked as (
    select
        assembled.*,
        case when orders_lifetime = 0 then 1 else 1 + least(4, cast(floor(5 * percent_rank() over (
            partition by as_of_date, orders_lifetime = 0 order by recency_days desc
        )) as integer)) end as computed_rfm_recency_score,
        case when orders_lifetime = 0 then 1 else 1 + least(4, cast(floor(5 * percent_rank() over (
            partition by as_of_date, orders_lifetime = 0 order by orders_365d
        )) as integer)) end as computed_rfm_frequency_score,
        case when orders_lifetime = 0 then 1 else 1 + least(4, cast(floor(5 * percent_rank() over (
            partition by as_of_date, orders_lifetime = 0 order by revenue_365d
        )) as integer)) end as computed_rfm_monetary_score
    from assembled
),

rfm as (
    select
        ranked.*,
        {% for score in ['recency', 'frequency', 'monetary'] %}
            {% if stored_rfm_scores %}
                coalesce(stored.rfm_{{ score }}_score, ranked.computed_rfm_{{ score }}_score)
            {% else %}
                ranked.computed_rfm_{{ score }}_score
            {% endif %} as rfm_{{ score }}_score{{ ',' if not loop.last }}
        {% endfor %}
    from ranked
    {% if stored_rfm_scores %}
        left join {{ stored_rfm_scores }} as stored
            on
                ranked.customer_id = stored.customer_id
                and ranked.as_of_date = stored.as_of_date
    {% endif %}
)

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
