{#
    Normalisation: fit parameters once, store them, apply them everywhere.

    fit_scaling_params(relation, columns) -> one row per column with its
        min, max, mean and population standard deviation (what
        scikit-learn's MinMaxScaler and StandardScaler use), and the mean
        and standard deviation of log(1 + x) for skewed counts and amounts.
    scaled_value(column, method, params, source) -> source.column scaled
        with the stored parameters in `params` (a relation alias holding the
        pivoted columns <column>__min, __max, __mean, __std, __log1p_mean,
        __log1p_std); method is min_max, z_score, log1p_z, or auto (log1p_z
        for the skewed counts and amounts of customer_log_scaled_features(),
        z_score for the rest). A constant column scales to 0.
    customer_numeric_features() -> the numeric columns of the feature table
        that are scaled and offered to the models.
#}

{% macro customer_numeric_features() %}
    {{ return([
        'age_years', 'tenure_days', 'recency_days', 'days_since_first_order', 'days_since_last_active',
        'days_since_last_unanswered', 'orders_lifetime', 'orders_30d', 'orders_90d', 'orders_365d',
        'revenue_lifetime', 'revenue_30d', 'revenue_90d', 'revenue_365d', 'avg_order_value',
        'discount_share', 'return_rate', 'top_category_share', 'rfm_recency_score', 'rfm_frequency_score',
        'rfm_monetary_score', 'sessions_7d', 'sessions_30d', 'sessions_90d', 'events_7d', 'events_30d',
        'events_90d', 'active_days_7d', 'active_days_30d', 'active_days_90d', 'session_trend_30d',
        'events_per_session_90d', 'session_conversion_90d',
        'app_share_90d', 'mobile_web_share_90d', 'product_views_90d', 'searches_90d', 'abandoned_carts_90d',
        'information_seeking_30d', 'information_seeking_90d', 'unanswered_30d', 'unanswered_90d',
        'support_tickets_90d', 'reviews_lifetime', 'avg_review_score', 'last_review_score',
        'last_nps_score', 'avg_csat_score', 'actions_received_90d', 'actions_opened_90d',
        'actions_converted_90d',
    ]) }}
{% endmacro %}


{#
    Features scaled on the log scale under method 'auto': non-negative,
    right-skewed counts, amounts and day counts. Shares, rates, scores and
    trends stay on their own scale.
#}
{% macro customer_log_scaled_features() %}
    {%- set logged = [] -%}
    {%- for feature in customer_numeric_features() -%}
        {%- if feature.startswith('orders_') or feature.startswith('revenue_') or feature.startswith('sessions_')
            or feature.startswith('events_') or feature.startswith('days_since') or feature.endswith('_days')
            or feature in ['avg_order_value', 'product_views_90d', 'searches_90d', 'information_seeking_30d',
                           'information_seeking_90d', 'reviews_lifetime', 'actions_received_90d'] -%}
            {%- do logged.append(feature) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(logged) }}
{% endmacro %}


{% macro fit_scaling_params(relation, columns) %}
    {% for column in columns %}
        select
            '{{ column }}' as feature_name,
            cast(min({{ column }}) as {{ type_double() }}) as min_value,
            cast(max({{ column }}) as {{ type_double() }}) as max_value,
            cast(avg({{ column }}) as {{ type_double() }}) as mean_value,
            cast(stddev_pop({{ column }}) as {{ type_double() }}) as std_value,
            cast(avg(ln(1 + {{ clip_at_zero(column) }})) as {{ type_double() }}) as log1p_mean_value,
            cast(stddev_pop(ln(1 + {{ clip_at_zero(column) }})) as {{ type_double() }}) as log1p_std_value,
            count({{ column }}) as fitted_rows
        from {{ relation }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
{% endmacro %}


{% macro pivot_scaling_params(params_relation, columns) %}
    select
        {% for column in columns %}
            {% for stat in ['min', 'max', 'mean', 'std', 'log1p_mean', 'log1p_std'] %}
                max(case when feature_name = '{{ column }}' then {{ stat }}_value end) as {{ column }}__{{ stat }},
            {% endfor %}
        {% endfor %}
        count(*) as feature_count
    from {{ params_relation }}
{% endmacro %}


{% macro scaled_value(column, method, params, source) -%}
    {%- if method == 'auto' -%}
        {%- set method = 'log1p_z' if column in customer_log_scaled_features() else 'z_score' -%}
    {%- endif -%}
    {%- set value = source ~ '.' ~ column -%}
    {%- set p = params ~ '.' ~ column -%}
    {%- if method == 'min_max' -%}
        coalesce(({{ value }} - {{ p }}__min) / nullif({{ p }}__max - {{ p }}__min, 0), 0 * {{ value }})
    {%- elif method == 'z_score' -%}
        coalesce(({{ value }} - {{ p }}__mean) / nullif({{ p }}__std, 0), 0 * {{ value }})
    {%- elif method == 'log1p_z' -%}
        coalesce((ln(1 + {{ clip_at_zero(value) }}) - {{ p }}__log1p_mean) / nullif({{ p }}__log1p_std, 0), 0 * {{ value }})
    {%- else -%}
        {{ exceptions.raise_compiler_error("scaling method must be auto, min_max, z_score or log1p_z, got '" ~ method ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{# max(x, 0) that keeps nulls (greatest() skips nulls on some engines) #}
{% macro clip_at_zero(column) -%}
    case when {{ column }} < 0 then 0 else {{ column }} end
{%- endmacro %}
