{#-
    var driver_landmark_hours, checked: a whole number of hours from 1 to below the journey stages'
    conversion window (var funnel_conversion_window_days); a compile error names the value otherwise.
-#}
{% macro driver_landmark_hours() -%}
    {%- set hours = var('driver_landmark_hours') -%}
    {%- set window_hours = 24 * var('funnel_conversion_window_days') -%}
    {%- if hours is not number or hours is boolean or hours != hours | int or hours < 1 or hours >= window_hours -%}
        {{ exceptions.raise_compiler_error(
            "var driver_landmark_hours must be a whole number of hours from 1 to below the conversion window ("
            ~ window_hours ~ " hours), not '" ~ hours ~ "'"
        ) }}
    {%- endif -%}
    {{ return(hours | int) }}
{%- endmacro %}
