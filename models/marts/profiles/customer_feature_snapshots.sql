{{
    config(
        materialized=event_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['customer_id', 'as_of_date'],
        on_schema_change='fail',
    )
}}

{#
    One row per customer per snapshot date: the features as of that date
    (midnight UTC), from the same definition as customer_features; past
    snapshots never see data that arrived after them.

    Incremental: a build computes new snapshot dates for everyone; recomputes
    the snapshots within var incremental_lookback_days (+1) of the newest one,
    where late rows can still land; and recomputes every snapshot of the
    customers whose daily activity was rewritten since the last build (a login
    can re-stitch old browsing to them), keeping their stored RFM scores
    (ranks among everyone on that date, from orders alone). Old snapshots of
    everyone else are left alone, and the result equals a full refresh.
#}

{%- set recent_start -%}
    (
        select {{ dbt.dateadd('day', -1 - var('incremental_lookback_days'), 'max(as_of_date)') }}
        from {{ this }}
    )
{%- endset -%}

{#- old dates: stored and before the recent window; computed for a few customers only -#}
{%- set stored_rfm_scores -%}
    (
        select customer_id, as_of_date, rfm_recency_score, rfm_frequency_score, rfm_monetary_score
        from {{ this }}
        where as_of_date < {{ recent_start }}
    )
{%- endset -%}

{%- set population_filter -%}
    dates.as_of_date not in (select as_of_date from {{ this }})
    or dates.as_of_date >= {{ recent_start }}
    or customers.customer_id in (
        select customer_id from {{ ref('int_customer_daily_activity') }}
        where dbt_loaded_at > {{ last_loaded_at() }}
    )
{%- endset -%}

with

features as (
    {{ customer_features_as_of(
        ref('int_feature_snapshot_dates'),
        population_filter if is_incremental() else none,
        stored_rfm_scores if is_incremental() else none
    ) }}
)

select
    *,
    {{ loaded_at() }} as dbt_loaded_at
from features
