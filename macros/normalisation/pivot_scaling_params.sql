{#- The fitted parameters pivoted to one row, columns <feature>__<stat>, for scaled_value(). -#}
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
