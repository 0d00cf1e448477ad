{#
    One row per numeric customer feature: the scaling parameters fitted on the training rows.
    Doc block feature_scaling_params (_features__docs.md).
#}

{%- set features = customer_numeric_features() -%}

with

labels as (
    select * from {{ ref('fct_customer_labels') }}
),

snapshots as (
    select * from {{ ref('fct_customer_feature_snapshots') }}
),

has_training_rows as (
    select count(*) > 0 as has_rows
    from labels
    where is_purchase_window_complete
),

training_rows as (
    select snapshots.*
    from snapshots
    inner join labels
        on
            snapshots.customer_id = labels.customer_id
            and snapshots.as_of_date = labels.as_of_date
    cross join has_training_rows
    where
        labels.is_purchase_window_complete
        or not has_training_rows.has_rows
),

fitted as (
    {{ fit_scaling_params('training_rows', features) }}
),

window_bounds as (
    select
        min(as_of_date) as fitted_from_date,
        max(as_of_date) as fitted_to_date
    from training_rows
),

final as (
    select
        fitted.feature_name,
        fitted.min_value,
        fitted.max_value,
        fitted.mean_value,
        fitted.std_value,
        fitted.log1p_mean_value,
        fitted.log1p_std_value,
        fitted.fitted_rows,
        case
            when fitted.feature_name in ('{{ customer_log_scaled_features() | join("', '") }}') then 'log1p_z'
            else 'z_score'
        end as auto_method,
        window_bounds.fitted_from_date,
        window_bounds.fitted_to_date
    from fitted
    cross join window_bounds
)

select * from final
