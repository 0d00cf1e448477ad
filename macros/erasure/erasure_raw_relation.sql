{#- The raw view of contract table `name` (made by register_raw_sources), named without source():
    the erasure hooks of intermediate and mart models read the request list and the raw events
    through it, and only staging may depend on a source. -#}
{% macro erasure_raw_relation(name) %}
    {% set node = graph.sources.get('source.' ~ project_name ~ '.raw.' ~ name) %}
    {% if node is none %}
        {{ exceptions.raise_compiler_error("erasure_raw_relation: source raw." ~ name ~ " is not in the contract (_raw__sources.yml)") }}
    {% endif %}
    {{ return(adapter.quote(node.schema) ~ '.' ~ adapter.quote(node.identifier)) }}
{% endmacro %}
