{#- Salted hash of a normalised PII value; the salt (var pii_salt) is never committed. Dispatched per engine. -#}
{% macro hash_pii(column) -%}
    {%- set salt = var('pii_salt') | string -%}
    {%- if execute and salt | length < 8 -%}
        {{ exceptions.raise_compiler_error(
            "PII salt missing: set the environment variable CJ_PII_SALT (8+ characters) or var pii_salt. "
            ~ "`make build` writes one to .cj_salt. E-mails are hashed with it in staging."
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('hash_pii', 'customer_journey')(column, salt)) }}
{%- endmacro %}

{% macro default__hash_pii(column, salt) -%}
    {{ dbt.hash(dbt.concat([sql_literal(salt), 'lower(trim(' ~ column ~ '))'])) }}
{%- endmacro %}

{% macro duckdb__hash_pii(column, salt) -%}
    case when {{ column }} is not null
        then sha256({{ sql_literal(salt) }} || lower(trim({{ column }})))
    end
{%- endmacro %}
