{#- The raw contract (source `raw` in the graph) as a list of tables with their typed columns. -#}
{% macro raw_contract_tables() %}
    {# the contract as a list of {name, schema, identifier, required, columns: [{name, type, required}]} #}
    {% set tables = [] %}
    {% for node in graph.sources.values() | sort(attribute='name') if node.source_name == 'raw' %}
        {% set columns = [] %}
        {% for column in node.columns.values() %}
            {% set meta = (column.get('config') or {}).get('meta') or column.get('meta') or {} %}
            {% do columns.append({
                'name': column.name,
                'type': column.data_type or 'varchar',
                'required': meta.get('required', false),
            }) %}
        {% endfor %}
        {% set meta = node.config.get('meta') or node.meta or {} %}
        {% do tables.append({
            'name': node.name,
            'schema': node.schema,
            'identifier': node.identifier,
            'required': meta.get('required', false),
            'columns': columns,
        }) %}
    {% endfor %}
    {{ return(tables) }}
{% endmacro %}
