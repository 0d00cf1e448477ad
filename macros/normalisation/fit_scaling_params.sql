{#- One row per column with the statistics min_max, z_score and log1p_z scaling need. -#}
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
