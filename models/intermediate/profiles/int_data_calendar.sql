{#
    One row: the data's first and last day, the as-of date of the latest features, and the
    time anchors (label horizons, snapshot cadence) set by vars or derived from the span.
#}

with

activity as (
    select
        min(activity_date) as first_date,
        max(activity_date) as last_date
    from {{ ref('int_customer_daily_activity') }}
),

orders as (
    select
        cast(min(ordered_at) as date) as first_date,
        cast(max(ordered_at) as date) as last_date
    from {{ ref('int_orders_cleaned') }}
),

customers as (
    select
        cast(min(signup_at) as date) as first_date,
        cast(max(signup_at) as date) as last_date
    from {{ ref('int_customers_cleaned') }}
),

bounds as (
    select
        least(
            coalesce(activity.first_date, customers.first_date),
            coalesce(orders.first_date, customers.first_date),
            customers.first_date
        ) as first_data_date,
        greatest(
            coalesce(activity.last_date, customers.last_date),
            coalesce(orders.last_date, customers.last_date),
            customers.last_date
        ) as last_data_date
    from activity
    cross join orders
    cross join customers
),

spans as (
    select
        first_data_date,
        last_data_date,
        {{ dbt.datediff('first_data_date', 'last_data_date', 'day') }} + 1 as span_days
    from bounds
),

{#- the time anchors when their vars are 'auto': a snapshot every 14 days after 28 from 100 days
    of data, monthly from a year; a 30-day purchase horizon; a churn horizon of 90 days, or less
    where 90 would leave fewer than three labelled snapshot dates (100-145 days of data). Shorter
    data scales them to its span so labels still close (a 9-day log: daily snapshots, 3/1-day
    horizons) #}
{%- set every = time_anchor('feature_snapshot_every_days',
    'case when span_days >= 365 then 30 when span_days >= 100 then 14 '
    ~ 'else greatest(1, cast(floor(span_days / 10.0) as integer)) end') -%}
{%- set warmup = time_anchor('feature_snapshot_warmup_days',
    'case when span_days >= 100 then 28 else greatest(1, cast(floor(span_days / 5.0) as integer)) end') -%}
{%- set churn = time_anchor('churn_horizon_days',
    'case when span_days >= 100 then least(90, greatest(1, span_days - (' ~ warmup ~ ') - 2 * (' ~ every ~ '))) '
    ~ 'else greatest(1, cast(floor(span_days / 3.0) as integer)) end') -%}
{%- set purchase = time_anchor('purchase_horizon_days',
    'case when span_days >= 100 then 30 else greatest(1, cast(floor(span_days / 6.0) as integer)) end') -%}
{%- set anchors = ['churn_horizon_days', 'purchase_horizon_days', 'feature_snapshot_every_days',
    'feature_snapshot_warmup_days'] -%}
{%- set derived = [] -%}
{%- for name in anchors if var(name) | string | trim | lower == 'auto' -%}
    {%- do derived.append(name) -%}
{%- endfor %}

final as (
    select
        first_data_date,
        last_data_date,
        cast({{ dbt.dateadd('day', 1, 'last_data_date') }} as date) as latest_as_of_date,
        span_days,
        cast({{ churn }} as integer) as churn_horizon_days,
        cast({{ purchase }} as integer) as purchase_horizon_days,
        cast({{ every }} as integer) as snapshot_every_days,
        cast({{ warmup }} as integer) as snapshot_warmup_days,
        {% if derived -%}
            'derived from the data span (' || cast(span_days as {{ dbt.type_string() }}) || ' days): {{ derived | join(", ") }}'
        {%- else -%}
            'set by vars'
        {%- endif %} as time_anchor_basis
    from spans
)

select * from final
