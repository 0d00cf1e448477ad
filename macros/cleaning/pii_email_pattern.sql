{#- The e-mail address pattern redact_pii and pseudonymise_id look for (RE2 and Java syntax; no backslashes, which Spark string literals would eat). -#}
{% macro pii_email_pattern() -%}
    [A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+[.][A-Za-z]{2,}
{%- endmacro %}
