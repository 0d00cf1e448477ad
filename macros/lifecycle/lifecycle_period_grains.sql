{#- The period grains of the lifecycle marts, from var lifecycle_period_grains (week and / or
    month), in report order (week, month). Anything else stops the build naming the var. -#}
{% macro lifecycle_period_grains() %}
    {%- set value = var('lifecycle_period_grains') -%}
    {%- set items = [value] if value is string else value -%}
    {%- set named = [] -%}
    {%- for item in items -%}
        {%- set name = item | string | trim | lower -%}
        {%- if name not in ['week', 'month'] -%}
            {{ exceptions.raise_compiler_error(
                "var lifecycle_period_grains: " ~ value ~ " holds " ~ item ~ "; list week and / or month"
            ) }}
        {%- endif -%}
        {%- do named.append(name) -%}
    {%- endfor -%}
    {%- set grains = [] -%}
    {%- for grain in ['week', 'month'] if grain in named -%}
        {%- do grains.append(grain) -%}
    {%- endfor -%}
    {%- if grains | length == 0 -%}
        {{ exceptions.raise_compiler_error("var lifecycle_period_grains is empty; list week and / or month") }}
    {%- endif -%}
    {{ return(grains) }}
{% endmacro %}
