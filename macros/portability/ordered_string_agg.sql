{#- A group's values joined into one string in a given order; dispatched per engine. -#}
{% macro ordered_string_agg(expression, order_by, delimiter) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'customer_journey')(expression, order_by, delimiter)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(expression, order_by, delimiter) -%}
    {{ dbt.listagg(expression, "'" ~ delimiter ~ "'", 'order by ' ~ order_by) }}
{%- endmacro %}

{% macro duckdb__ordered_string_agg(expression, order_by, delimiter) -%}
    string_agg({{ expression }}, '{{ delimiter }}' order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_string_agg(expression, order_by, delimiter) -%}
    concat_ws('{{ delimiter }}', transform(
        array_sort(collect_list(struct({{ order_by }} as sort_key, {{ expression }} as item))),
        x -> x.item
    ))
{%- endmacro %}
