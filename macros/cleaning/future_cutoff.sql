{#- The instant after which a row is quarantined as future_timestamp: now + var future_tolerance_hours. -#}
{% macro future_cutoff() -%}
    {{ dbt.dateadd('hour', var('future_tolerance_hours'), 'cast(' ~ dbt.current_timestamp() ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{%- endmacro %}
