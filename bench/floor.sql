-- The floor: the benchmark's core outputs written by hand as one DuckDB script,
-- straight from the raw Parquet, no dbt. bench/run.py runs it with the same
-- threads and memory limit as the build and compares its time with the dbt
-- models that make the same outputs (`+fct_sessions +dim_customer_features`).
--
-- It does what those models do for events and the features, minus what a
-- quick script would skip: the quarantine (bad rows are dropped, not kept with
-- a reason), contracts and tests, the 12-hour session cap, the per-day
-- activity table, and the feedback, marketing and category features.
-- Placeholders: {raw} (raw data folder), {taxonomy} (seeds/event_taxonomy.csv).

create or replace table floor_events as
with parsed as (
    select
        nullif(trim(cast(event_id as varchar)), '') as event_id,
        nullif(trim(cast(anonymous_id as varchar)), '') as anonymous_id,
        nullif(trim(cast(customer_id as varchar)), '') as customer_id,
        lower(trim(event_type)) as event_type,
        lower(trim(channel)) as channel,
        cast(try_cast(event_at as timestamptz) as timestamp) as event_at
    from read_parquet('{raw}/events/*.parquet')
),
known as (
    select parsed.*
    from parsed
    semi join read_csv('{taxonomy}', header = true) as taxonomy on parsed.event_type = taxonomy.event_type
    where
        parsed.event_id is not null
        and coalesce(parsed.anonymous_id, parsed.customer_id) is not null
        and parsed.event_at is not null
        and parsed.event_at <= now()::timestamp + interval 24 hour
)
select * from known
qualify row_number() over (partition by event_id order by event_at) = 1;

create or replace table floor_sessions as
with devices as (
    select
        anonymous_id,
        min(customer_id) as only_customer_id,
        count(distinct customer_id) as customers_on_device
    from floor_events
    where anonymous_id is not null and customer_id is not null
    group by 1
),
stitched as (
    select
        e.event_id,
        e.event_type,
        e.channel,
        e.event_at,
        coalesce(
            e.customer_id,
            case when d.customers_on_device = 1 then d.only_customer_id end,
            case when d.customers_on_device > 1 then coalesce(
                first_value(e.customer_id ignore nulls) over (
                    partition by e.anonymous_id order by e.event_at, e.event_id
                    rows between current row and unbounded following
                ),
                last_value(e.customer_id ignore nulls) over (
                    partition by e.anonymous_id order by e.event_at, e.event_id
                    rows between unbounded preceding and current row
                )
            ) end,
            'anon:' || e.anonymous_id
        ) as person_id
    from floor_events as e
    left join devices as d using (anonymous_id)
),
with_previous as (
    select *, lag(event_at) over (partition by person_id order by event_at, event_id) as previous_at
    from stitched
),
numbered as (
    select
        *,
        sum(case when date_diff('second', previous_at, event_at) <= 1800 then 0 else 1 end) over (
            partition by person_id order by event_at, event_id rows between unbounded preceding and current row
        ) as session_number
    from with_previous
)
select
    person_id,
    session_number,
    min(event_at) as session_started_at,
    max(event_at) as session_ended_at,
    count(*) as event_count,
    bool_or(event_type = 'order_completed') as is_converted,
    arg_min(channel, event_at) as channel
from numbered
group by 1, 2;

create or replace table floor_customer_features as
with as_of as (
    select cast(max(event_at) as date) + 1 as as_of_date from floor_events
),
customers as (
    select distinct on (customer_id)
        nullif(trim(cast(customer_id as varchar)), '') as customer_id,
        cast(try_cast(signup_at as timestamptz) as timestamp) as signup_at
    from read_parquet('{raw}/customers/*.parquet')
    where nullif(trim(cast(customer_id as varchar)), '') is not null
),
orders as (
    select distinct on (order_id)
        nullif(trim(cast(order_id as varchar)), '') as order_id,
        nullif(trim(cast(customer_id as varchar)), '') as customer_id,
        lower(trim(status)) as order_status,
        try_cast(order_amount as double) as order_amount,
        cast(try_cast(ordered_at as timestamptz) as timestamp) as ordered_at
    from read_parquet('{raw}/orders/*.parquet')
    where lower(trim(status)) in ('completed', 'returned') and try_cast(order_amount as double) >= 0
),
order_features as (
    select
        o.customer_id,
        count(*) as orders_lifetime,
        count(*) filter (where o.ordered_at >= a.as_of_date - interval 30 day) as orders_30d,
        count(*) filter (where o.ordered_at >= a.as_of_date - interval 90 day) as orders_90d,
        count(*) filter (where o.ordered_at >= a.as_of_date - interval 365 day) as orders_365d,
        coalesce(sum(o.order_amount) filter (where o.order_status = 'completed'), 0) as revenue_lifetime,
        coalesce(sum(o.order_amount) filter (
            where o.order_status = 'completed' and o.ordered_at >= a.as_of_date - interval 90 day
        ), 0) as revenue_90d,
        max(o.ordered_at) as last_ordered_at
    from orders as o, as_of as a
    where o.ordered_at < a.as_of_date
    group by 1
),
session_features as (
    select
        s.person_id as customer_id,
        count(*) filter (where s.session_started_at >= a.as_of_date - interval 7 day) as sessions_7d,
        count(*) filter (where s.session_started_at >= a.as_of_date - interval 30 day) as sessions_30d,
        count(*) filter (where s.session_started_at >= a.as_of_date - interval 90 day) as sessions_90d,
        coalesce(sum(s.event_count) filter (where s.session_started_at >= a.as_of_date - interval 90 day), 0) as events_90d,
        count(distinct cast(s.session_started_at as date)) filter (
            where s.session_started_at >= a.as_of_date - interval 30 day
        ) as active_days_30d,
        max(s.session_ended_at) as last_active_at
    from floor_sessions as s, as_of as a
    where s.person_id not like 'anon:%' and s.session_started_at < a.as_of_date
    group by 1
)
select
    c.customer_id,
    a.as_of_date,
    date_diff('day', c.signup_at, a.as_of_date) as tenure_days,
    date_diff('day', o.last_ordered_at, a.as_of_date) as recency_days,
    coalesce(o.orders_lifetime, 0) as orders_lifetime,
    coalesce(o.orders_30d, 0) as orders_30d,
    coalesce(o.orders_90d, 0) as orders_90d,
    coalesce(o.orders_365d, 0) as orders_365d,
    coalesce(o.revenue_lifetime, 0) as revenue_lifetime,
    coalesce(o.revenue_90d, 0) as revenue_90d,
    coalesce(s.sessions_7d, 0) as sessions_7d,
    coalesce(s.sessions_30d, 0) as sessions_30d,
    coalesce(s.sessions_90d, 0) as sessions_90d,
    coalesce(s.events_90d, 0) as events_90d,
    coalesce(s.active_days_30d, 0) as active_days_30d,
    date_diff('day', s.last_active_at, a.as_of_date) as days_since_last_active
from customers as c
cross join as_of as a
left join order_features as o using (customer_id)
left join session_features as s using (customer_id)
where c.signup_at < a.as_of_date;
