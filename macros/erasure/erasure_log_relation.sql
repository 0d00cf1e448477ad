{#- The audit table the erasure hooks append to (_cj_meta.erasure_log, source build), and the
    statement that creates it when missing. No ids: relation names, actions, counts, times. -#}
{% macro erasure_log_relation() %}
    {% set node = graph.sources.get('source.' ~ project_name ~ '.build.erasure_log') %}
    {{ return(adapter.quote(node.schema) ~ '.' ~ adapter.quote(node.identifier)) }}
{% endmacro %}
