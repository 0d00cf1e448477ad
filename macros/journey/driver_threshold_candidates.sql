{#-
    The "at least n times within d days" candidates of rpt_conversion_drivers as (n, d) pairs: n from
    var driver_threshold_counts, d from var driver_threshold_days (repeats dropped), except
    once within the landmark (that is the plain event_type row).
-#}
{% macro driver_threshold_candidates(landmark_hours) -%}
    {%- set pairs = [] -%}
    {%- for count in var('driver_threshold_counts') | list -%}
        {%- for days in var('driver_threshold_days') | list | unique -%}
            {%- if not (count == 1 and days * 24 == landmark_hours) -%}
                {%- do pairs.append((count, days)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(pairs) }}
{%- endmacro %}
