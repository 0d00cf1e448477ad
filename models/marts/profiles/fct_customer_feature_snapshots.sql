{{
    config(
        materialized=event_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['customer_id', 'as_of_date'],
        on_schema_change='fail',
        pre_hook="{{ erase_from_incremental(customer_id='customer_id', rescore_rfm=true) }}",
        post_hook=(
            "delete from {{ this }} where as_of_date not in (select as_of_date from "
            ~ "{{ ref('int_feature_snapshot_dates') }})"
        ) if event_materialization() == 'incremental' else [],
    )
}}

{#
    One row per customer per snapshot date: the features as of that date; incremental.
    Method: doc block fct_customer_feature_snapshots (_profiles__docs.md).
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

{#- orders, feedback and campaign outcomes can arrive later than events (a campaign's row is
    exported when its outcome window closes): a row timed after late_start may be new, so the
    snapshots since then of the customers who have one are computed again -#}
{%- set late_start -%}
    (
        select cast({{ dbt.dateadd('day', -1 - var('incremental_late_source_days'), 'max(as_of_date)') }} as {{ dbt.type_timestamp() }})
        from {{ this }}
    )
{%- endset -%}

{%- set population_filter -%}
    dates.as_of_date not in (select as_of_date from {{ this }})
    or dates.as_of_date >= {{ recent_start }}
    or customers.customer_id in (
        select customer_id from {{ ref('int_customer_daily_activity') }}
        where dbt_loaded_at > {{ last_loaded_at() }}
    )
    or (
        dates.as_of_date >= {{ late_start }}
        and customers.customer_id in (
            select customer_id from {{ ref('int_marketing_actions_cleaned') }}
            where sent_at >= {{ late_start }}
            union all
            select customer_id from {{ ref('int_orders_cleaned') }}
            where ordered_at >= {{ late_start }}
            union all
            select customer_id from {{ ref('int_feedback_cleaned') }}
            where created_at >= {{ late_start }}
        )
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
