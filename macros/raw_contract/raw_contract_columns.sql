{#- The select list of a raw view: contract columns found, typed nulls for missing optional ones. -#}
{% macro raw_contract_columns(table, found, location) %}
    {% set found = found | map('lower') | list %}
    {% set select_list = [] %}
    {% for column in table.columns %}
        {% if column.name | lower in found %}
            {% do select_list.append(adapter.quote(column.name)) %}
        {% elif column.required %}
            {{ exceptions.raise_compiler_error(
                "Raw table '" ~ table.name ~ "' (" ~ location ~ ") is missing required column '"
                ~ column.name ~ "'. Columns found: " ~ found | join(', ')
                ~ ". See docs/reference/raw_contract.md."
            ) }}
        {% else %}
            {% do select_list.append('cast(null as ' ~ raw_column_type(column.type) ~ ') as ' ~ adapter.quote(column.name)) %}
        {% endif %}
    {% endfor %}
    {{ return(select_list) }}
{% endmacro %}
