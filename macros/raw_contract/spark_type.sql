{#- The contract's DuckDB type names in Spark SQL. -#}
{% macro spark_type(name) -%}
    {{ {'varchar': 'string', 'double': 'double', 'integer': 'int', 'bigint': 'bigint', 'timestamp': 'timestamp',
        'date': 'date', 'boolean': 'boolean'}.get(name | lower, name) }}
{%- endmacro %}
