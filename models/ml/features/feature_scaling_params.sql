{#
    One row per numeric customer feature: the scaling parameters, fitted on the training rows when
    there are at least var feature_scaling_min_training_rows of them, else on the current profiles.
    Doc block feature_scaling_params (_features__docs.md).
#}

{%- set features = customer_numeric_features() -%}
{%- set min_training_rows = var('feature_scaling_min_training_rows') | int -%}

with

labels as (
    select * from {{ ref('fct_customer_labels') }}
),

snapshots as (
    select * from {{ ref('fct_customer_feature_snapshots') }}
),

profiles as (
    select * from {{ ref('dim_customer_features') }}
),

training_rows as (
    select snapshots.*
    from snapshots
    inner join labels
        on
            snapshots.customer_id = labels.customer_id
            and snapshots.as_of_date = labels.as_of_date
    where labels.is_purchase_window_complete
),

training_count as (
    select
        count(*) as training_row_count,
        count(*) >= {{ min_training_rows }} as is_enough
    from training_rows
),

{# the rows fitted on: the training snapshots when there are enough, else the current profiles #}
fit_rows as (
    select
        'training_snapshots' as fitted_on,
        training_rows.as_of_date,
        {% for feature in features %}
            training_rows.{{ feature }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from training_rows
    cross join training_count
    where training_count.is_enough
    union all
    select
        'current_profiles' as fitted_on,
        profiles.as_of_date,
        {% for feature in features %}
            profiles.{{ feature }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from profiles
    cross join training_count
    where not training_count.is_enough
),

fitted as (
    {{ fit_scaling_params('fit_rows', features) }}
),

fit_summary as (
    select
        min(as_of_date) as fitted_from_date,
        max(as_of_date) as fitted_to_date,
        count(*) as fitted_on_rows
    from fit_rows
),

final as (
    select
        fitted.feature_name,
        case
            when training_count.is_enough then 'training_snapshots'
            else 'current_profiles'
        end as fitted_on,
        case
            when fitted.feature_name in ('{{ customer_log_scaled_features() | join("', '") }}') then 'log1p_z'
            else 'z_score'
        end as auto_method,
        fitted.min_value,
        fitted.max_value,
        fitted.mean_value,
        fitted.std_value,
        fitted.log1p_mean_value,
        fitted.log1p_std_value,
        fitted.fitted_rows,
        fit_summary.fitted_on_rows,
        training_count.training_row_count,
        {#- relative to the values' size: a float sum can leave noise in the last bits -#}
        coalesce(fitted.std_value > 1e-9 * (1 + abs(fitted.mean_value)), false) as has_spread,
        fit_summary.fitted_from_date,
        fit_summary.fitted_to_date
    from fitted
    cross join fit_summary
    cross join training_count
)

select * from final
