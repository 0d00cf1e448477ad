{#- An id that is itself an e-mail address (a customer or anonymous id some systems key on the
    address) becomes 'pii_' and 32 hex characters of its salted hash: the same address gives the
    same id in every table, so joins hold, and the address never reaches a mart. Other ids pass
    unchanged. Dispatched per engine. -#}
{% macro pseudonymise_id(expression) -%}
    {{ return(adapter.dispatch('pseudonymise_id', 'customer_journey')(expression)) }}
{%- endmacro %}

{% macro default__pseudonymise_id(expression) -%}
    case
        when {{ expression }} rlike '{{ pii_email_pattern() }}'
            then {{ dbt.concat(["'pii_'", dbt.safe_cast(hash_pii(expression), dbt.type_string())]) }}
        else {{ expression }}
    end
{%- endmacro %}

{% macro duckdb__pseudonymise_id(expression) -%}
    case
        when strpos({{ expression }}, '@') > 0 and regexp_matches({{ expression }}, '{{ pii_email_pattern() }}')
            then 'pii_' || left({{ hash_pii(expression) }}, 32)
        else {{ expression }}
    end
{%- endmacro %}
