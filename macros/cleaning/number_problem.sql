{#-
    The quarantine reason for a raw number that is present but unusable, else
    null: 'unparseable_<kind>' when the text does not cast, 'implausible_<kind>'
    for NaN, +-Infinity or a value above max_value.
-#}
{% macro number_problem(column, type='double', kind='number', max_value=none) -%}
    {%- set value = safe_number(column, type) -%}
    case
        when
            {{ column }} is not null
            and trim(cast({{ column }} as {{ dbt.type_string() }})) <> ''
            and {{ value }} is null
            then 'unparseable_{{ kind }}'
        {%- if type | lower in ('double', 'float', 'real') %}
        when not {{ is_finite(value) }} then 'implausible_{{ kind }}'
        {%- endif %}
        {%- if max_value is not none %}
        when {{ value }} > {{ max_value }} then 'implausible_{{ kind }}'
        {%- endif %}
    end
{%- endmacro %}
