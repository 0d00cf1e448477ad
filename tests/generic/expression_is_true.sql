{#
    Fails on every row where `expression` is not true (optionally only the
    rows matching `where`, via the test's config).
#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}
