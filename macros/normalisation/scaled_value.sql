{#- A column scaled with stored parameters by min_max, z_score, log1p_z or auto; a constant column scales to 0. -#}
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
