{#- Free text with e-mail addresses (and phone numbers in international +format) replaced by
    tokens, so a search query, page path, UTM field, topic or city typed with an address never
    reaches a mart. Dispatched per engine; the regexes are in var-free macros below. -#}
{% macro redact_pii(expression) -%}
    {{ return(adapter.dispatch('redact_pii', 'customer_journey')(expression)) }}
{%- endmacro %}

{% macro default__redact_pii(expression) -%}
    regexp_replace(
        regexp_replace({{ expression }}, '{{ pii_email_pattern() }}', '[redacted-email]'),
        '{{ pii_phone_pattern() }}', '[redacted-phone]'
    )
{%- endmacro %}

{#- DuckDB: the regexes run only on values holding an '@' or a '+' (cheap on 64M events) -#}
{% macro duckdb__redact_pii(expression) -%}
    case
        when strpos({{ expression }}, '@') > 0 or strpos({{ expression }}, '+') > 0
            then regexp_replace(
                regexp_replace({{ expression }}, '{{ pii_email_pattern() }}', '[redacted-email]', 'g'),
                '{{ pii_phone_pattern() }}', '[redacted-phone]', 'g'
            )
        else {{ expression }}
    end
{%- endmacro %}
