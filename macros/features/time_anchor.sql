{#- The SQL of one time anchor (a label horizon or the snapshot cadence) in int_data_calendar:
    the var's whole number of days, or, when the var is 'auto', `derived` (an expression over
    span_days). Anything else stops the build naming the var and its value. -#}
{% macro time_anchor(var_name, derived) %}
    {%- set text = var(var_name) | string | trim | lower -%}
    {%- if text == 'auto' -%}
        {{ return(derived) }}
    {%- elif modules.re.match('^[0-9]+$', text) and text | int > 0 -%}
        {{ return(text | int | string) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ var_name ~ ": " ~ var(var_name) ~ " is neither 'auto' nor a whole number of days above 0"
        ) }}
    {%- endif -%}
{% endmacro %}
