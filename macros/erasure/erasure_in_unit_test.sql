{#- Whether the model is being compiled for a dbt unit test: its fixtures replace the raw tables,
    so the erasure filters stay out (they would read the real request list). -#}
{% macro erasure_in_unit_test() %}
    {{ return(model is defined and model.resource_type == 'unit_test') }}
{% endmacro %}
