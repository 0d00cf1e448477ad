{#- Every possible (from_state, to_state) pair between consecutive periods; '(none)' is the
    period before a customer's first. -#}
{% macro lifecycle_transitions() %}
    {{ return([
        ('(none)', 'new'),
        ('new', 'returning'),
        ('new', 'dormant'),
        ('returning', 'returning'),
        ('returning', 'dormant'),
        ('resurrected', 'returning'),
        ('resurrected', 'dormant'),
        ('dormant', 'resurrected'),
        ('dormant', 'churned'),
        ('churned', 'resurrected'),
        ('churned', 'churned'),
    ]) }}
{% endmacro %}
