{#
    Aggregates whose SQL differs by engine, behind adapter.dispatch so the
    models stay portable.
#}

{# Continuous percentile p (0-1) of `expression`. #}
{% macro percentile(expression, p) -%}
    {{ return(adapter.dispatch('percentile', 'customer_journey')(expression, p)) }}
{%- endmacro %}

{% macro default__percentile(expression, p) -%}
    percentile_cont({{ p }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile(expression, p) -%}
    quantile_cont({{ expression }}, {{ p }})
{%- endmacro %}

{% macro spark__percentile(expression, p) -%}
    percentile({{ expression }}, {{ p }})
{%- endmacro %}


{# `expression` of the group's rows joined by `delimiter`, in `order_by` order. #}
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


{# numerator / denominator as a float; null when the denominator is 0 or null. #}
{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as {{ type_double() }}) / nullif({{ denominator }}, 0)
{%- endmacro %}


{# A double-precision float type (dbt.type_float() is 4-byte on DuckDB). #}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'customer_journey')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}


{# first_value / last_value skipping nulls: DuckDB takes IGNORE NULLS inside the call, Spark a flag. #}
{% macro first_value_ignore_nulls(expression) -%}
    {{ return(adapter.dispatch('first_value_ignore_nulls', 'customer_journey')(expression)) }}
{%- endmacro %}

{% macro default__first_value_ignore_nulls(expression) -%}
    first_value({{ expression }} ignore nulls)
{%- endmacro %}

{% macro spark__first_value_ignore_nulls(expression) -%}
    first_value({{ expression }}, true)
{%- endmacro %}

{% macro last_value_ignore_nulls(expression) -%}
    {{ return(adapter.dispatch('last_value_ignore_nulls', 'customer_journey')(expression)) }}
{%- endmacro %}

{% macro default__last_value_ignore_nulls(expression) -%}
    last_value({{ expression }} ignore nulls)
{%- endmacro %}

{% macro spark__last_value_ignore_nulls(expression) -%}
    last_value({{ expression }}, true)
{%- endmacro %}

{# integer division that stays exact for any bigint (a plain / returns a double) #}
{% macro integer_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('integer_divide', 'customer_journey')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__integer_divide(numerator, denominator) -%}
    ({{ numerator }}) // ({{ denominator }})
{%- endmacro %}

{% macro spark__integer_divide(numerator, denominator) -%}
    ({{ numerator }}) div ({{ denominator }})
{%- endmacro %}
