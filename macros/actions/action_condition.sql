{#- One eligibility rule of the action playbook as a null-safe boolean; unknown names stop the build. -#}
{% macro action_condition(name) -%}
    {%- set rules = action_condition_rules() -%}
    {%- if name not in rules -%}
        {{ exceptions.raise_compiler_error("unknown action condition '" ~ name ~ "' in seeds/action_playbook.csv; known: " ~ rules.keys() | join(', ')) }}
    {%- endif -%}
    coalesce({{ rules[name] }}, false)
{%- endmacro %}
