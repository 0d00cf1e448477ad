{#- The activity that makes a customer active on a day, from var lifecycle_activity: a list
    holding 'events' and / or 'orders'. Anything else stops the build naming the var and value. -#}
{% macro lifecycle_activity_sources() %}
    {%- set value = var('lifecycle_activity') -%}
    {%- set items = [value] if value is string else value -%}
    {%- set sources = [] -%}
    {%- for item in items -%}
        {%- set name = item | string | trim | lower -%}
        {%- if name not in ['events', 'orders'] -%}
            {{ exceptions.raise_compiler_error(
                "var lifecycle_activity: " ~ value ~ " holds " ~ item ~ "; list events and / or orders"
            ) }}
        {%- endif -%}
        {%- if name not in sources -%}
            {%- do sources.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if sources | length == 0 -%}
        {{ exceptions.raise_compiler_error("var lifecycle_activity is empty; list events and / or orders") }}
    {%- endif -%}
    {{ return(sources) }}
{% endmacro %}
