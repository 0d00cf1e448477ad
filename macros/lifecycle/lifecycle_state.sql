{#- The growth-accounting state of a customer in a period (new, returning, resurrected, dormant,
    churned), from whether they were active in it and in the period before. -#}
{% macro lifecycle_state(is_first_period, is_active, was_active_previous_period) %}
    case
        when {{ is_first_period }} then 'new'
        when {{ is_active }} and {{ was_active_previous_period }} then 'returning'
        when {{ is_active }} then 'resurrected'
        when {{ was_active_previous_period }} then 'dormant'
        else 'churned'
    end
{%- endmacro %}
