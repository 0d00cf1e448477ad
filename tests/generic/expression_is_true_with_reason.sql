{#
    Fails (at the test's severity) on every row where `expression` is not true, like
    expression_is_true, and prints each such row's key and reason in the build's log: dbt itself
    only prints "Got N results", so a warning names what failed and why without a query.
#}
{% test expression_is_true_with_reason(model, expression, key_column, reason_column, message) %}

{%- set failing -%}
    select
        {{ key_column }} as failing_key,
        {{ reason_column }} as failing_reason
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{%- endset -%}

{%- if execute and flags.WHICH in ('build', 'test') -%}
    {%- for row in run_query(failing).rows -%}
        {%- do log(
            model.identifier ~ ": " ~ row[0] ~ " " ~ message ~ ": " ~ (row[1] or "(no reason recorded)"),
            info=true
        ) -%}
    {%- endfor -%}
{%- endif %}

{{ failing }}

{% endtest %}
