{#- CTEs ranked, rfm: RFM scores 1-5 within each as-of date, or the stored scores where given.
    Revenue is ranked in cents: float sums in another order must not reorder ties. -#}
{% macro customer_rfm_scores(stored_rfm_scores=none) -%}
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
            partition by as_of_date, orders_lifetime = 0 order by round(revenue_365d, 2)
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
{%- endmacro %}
