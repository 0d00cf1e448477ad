{#- Salted hash of a normalised PII value. The salt (env CJ_PII_SALT) never appears in the SQL on DuckDB. Dispatched per engine. -#}
{% macro hash_pii(column) -%}
    {{ return(adapter.dispatch('hash_pii', 'customer_journey')(column)) }}
{%- endmacro %}

{#- Engines without session variables: the salt is compiled into the SQL (make the model a table
    and keep target/ and logs private there). -#}
{% macro default__hash_pii(column) -%}
    {%- set salt = env_var('CJ_PII_SALT', '') -%}
    {%- if execute and salt | length < 8 -%}
        {{ exceptions.raise_compiler_error(
            "PII salt missing: set the environment variable CJ_PII_SALT (8+ characters). "
            ~ "`make build` writes one to .cj_salt. E-mails are hashed with it in staging."
        ) }}
    {%- endif -%}
    {{ dbt.hash(dbt.concat([sql_literal(salt), 'lower(trim(' ~ column ~ '))'])) }}
{%- endmacro %}

{#- DuckDB: the plugin customer_journey.warehouse_session binds the salt to each cursor as the
    variable cj_pii_salt; a missing or short salt stops the query with a message naming it. -#}
{% macro duckdb__hash_pii(column) -%}
    case when {{ column }} is not null
        then sha256(
            case
                when coalesce(length(cast(getvariable('cj_pii_salt') as varchar)), 0) >= 8
                    then cast(getvariable('cj_pii_salt') as varchar)
                else cast(error(
                    'PII salt missing: set the environment variable CJ_PII_SALT (8+ characters) before dbt runs; '
                    || '`make build` writes one to .cj_salt. E-mails are hashed with it in staging.'
                ) as varchar)
            end
            || lower(trim({{ column }}))
        )
    end
{%- endmacro %}
