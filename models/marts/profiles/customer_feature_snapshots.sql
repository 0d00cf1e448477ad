{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['customer_id', 'as_of_date'],
        on_schema_change='fail',
    )
}}

{#
    One row per customer per snapshot date: the features as of that date
    (midnight UTC), from the same definition as customer_features. An
    incremental build computes only snapshot dates not already stored, so
    adding a date does not recompute old ones; past snapshots never see data
    that arrived after them (late events aside: see README).
#}

{%- set dates -%}
(
    select as_of_date from {{ ref('int_feature_snapshot_dates') }}
    {% if is_incremental() %}
        where as_of_date not in (select distinct as_of_date from {{ this }})
    {% endif %}
)
{%- endset -%}

{{ customer_features_as_of(dates) }}
