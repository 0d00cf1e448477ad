{#
    Cleaning helpers used by the staging models. Engine-specific pieces sit
    behind adapter.dispatch so the models stay portable.
#}

{# Trimmed, lower-cased text; empty strings become null. #}
{% macro clean_text(column) -%}
    nullif(lower(trim(cast({{ column }} as {{ dbt.type_string() }}))), '')
{%- endmacro %}


{# Trimmed text, casing kept; empty strings become null. #}
{% macro clean_id(column) -%}
    nullif(trim(cast({{ column }} as {{ dbt.type_string() }})), '')
{%- endmacro %}


{#
    A timestamp column (native, or ISO-8601 text with or without an offset)
    as a UTC timestamp without time zone; null when it cannot be parsed.
    Text without an offset is read as UTC (profiles.yml sets TimeZone=UTC).
#}
{% macro parse_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'customer_journey')(column)) }}
{%- endmacro %}

{% macro default__parse_utc_timestamp(column) -%}
    cast({{ column }} as {{ dbt.type_timestamp() }})
{%- endmacro %}

{% macro duckdb__parse_utc_timestamp(column) -%}
    cast(try_cast({{ column }} as timestamptz) as timestamp)
{%- endmacro %}


{# A number, or null when the text is not one. #}
{% macro safe_number(column, type='double') -%}
    {{ dbt.safe_cast(column, type) }}
{%- endmacro %}


{#
    Salted hash of a PII value (normalised: trimmed, lower-cased). The salt
    comes from var pii_salt (env CJ_PII_SALT) and is never committed.
#}
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
    {{ dbt.hash(dbt.concat(["'" ~ salt ~ "'", 'lower(trim(' ~ column ~ '))'])) }}
{%- endmacro %}

{% macro duckdb__hash_pii(column, salt) -%}
    case when {{ column }} is not null
        then sha256('{{ salt }}' || lower(trim({{ column }})))
    end
{%- endmacro %}


{#
    A fingerprint of a row's raw values, used to tell an exact duplicate
    (same fingerprint) from a conflicting one (same key, other values).
#}
{% macro row_fingerprint(columns) -%}
    {{ return(adapter.dispatch('row_fingerprint', 'customer_journey')(columns)) }}
{%- endmacro %}

{% macro default__row_fingerprint(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{% macro duckdb__row_fingerprint(columns) -%}
    cast(hash({{ columns | join(', ') }}) as varchar)
{%- endmacro %}


{# Raw values of a row as JSON text, for the quarantine. #}
{% macro raw_values_json(columns) -%}
    {{ return(adapter.dispatch('raw_values_json', 'customer_journey')(columns)) }}
{%- endmacro %}

{% macro default__raw_values_json(columns) -%}
    to_json(named_struct(
        {%- for column in columns %}
        '{{ column }}', cast({{ column }} as {{ dbt.type_string() }}){{ ',' if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}

{% macro duckdb__raw_values_json(columns) -%}
    cast(to_json(struct_pack(
        {%- for column in columns %}
        {{ column }} := cast({{ column }} as varchar){{ ',' if not loop.last }}
        {%- endfor %}
    )) as varchar)
{%- endmacro %}


{# Rows later than this are quarantined as future_timestamp. #}
{% macro future_cutoff() -%}
    {{ dbt.dateadd('hour', var('future_tolerance_hours'), 'cast(' ~ dbt.current_timestamp() ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
{%- endmacro %}


{#
    Adds `quarantine_reason` to the rows of `from_cte`, which must carry
    `row_reason` (the first row-level check that failed, or null) and
    `row_fingerprint`. Among rows that passed the row-level checks and share
    the key: a row identical to an earlier one is an `exact_duplicate`; a row
    with the same key but other values is `duplicate_<key>` (the earliest by
    `order_by` is kept). With duplicate_reason none, only exact duplicates
    are refused (for tables without a natural key, such as order lines).
    Speed: only the rows of the few keys that occur more than once go
    through the ordered window; every other row passes straight (a hash
    aggregate over the key alone finds the repeated keys), so the wide rows
    of a big table are never sorted.
#}
{% macro with_duplicate_reasons(from_cte, key_columns, order_by, duplicate_reason) -%}
    {#- keys held by more than one row (valid or not: a superset, so this
        needs only the key columns) -#}
    {%- set repeated_keys -%}
        select {{ key_columns | join(', ') }}
        from {{ from_cte }}
        group by {{ key_columns | join(', ') }}
        having count(*) > 1
    {%- endset -%}
    {%- set key_match -%}
        {%- for column in key_columns %}{{ ' and ' if not loop.first }}{{ from_cte }}.{{ column }} = repeated_keys.{{ column }}{% endfor -%}
    {%- endset -%}
    {#- one window, one total order: identical rows sit next to each other -#}
    {%- set window -%}
        partition by {% for column in key_columns %}{{ from_cte }}.{{ column }}, {% endfor %}{{ from_cte }}.row_reason is null
        order by {{ from_cte }}.{{ order_by }}, {{ from_cte }}.row_fingerprint
    {%- endset -%}
    select
        {{ from_cte }}.*,
        {{ from_cte }}.row_reason as quarantine_reason
    from {{ from_cte }}
    left join ({{ repeated_keys }}) as repeated_keys
        on {{ key_match }}
    where repeated_keys.{{ key_columns[0] }} is null
    union all
    select
        {{ from_cte }}.*,
        coalesce(
            {{ from_cte }}.row_reason,
            case
                when lag({{ from_cte }}.row_fingerprint) over ({{ window }}) = {{ from_cte }}.row_fingerprint
                    then 'exact_duplicate'
                {%- if duplicate_reason %}
                when row_number() over ({{ window }}) > 1 then '{{ duplicate_reason }}'
                {%- endif %}
            end
        ) as quarantine_reason
    from {{ from_cte }}
    inner join ({{ repeated_keys }}) as repeated_keys
        on {{ key_match }}
{%- endmacro %}


{#
    The raw tables the cleaning layer covers, with the key that identifies a
    row in the quarantine. Their models follow one naming pattern:
    stg_raw__<name>, int_<name>_validated, int_<name>_cleaned.
#}
{% macro cleaned_raw_tables() %}
    {{ return([
        {'name': 'customers', 'key': 'customer_id'},
        {'name': 'events', 'key': 'event_id'},
        {'name': 'orders', 'key': 'order_id'},
        {'name': 'order_items', 'key': "order_id || '|' || product_id"},
        {'name': 'feedback', 'key': 'feedback_id'},
        {'name': 'marketing_actions', 'key': 'action_id'},
    ]) }}
{% endmacro %}


{#
    Placed between a CTE's name and its body: asks the engine to inline the
    CTE at each use instead of storing it first. For a wide CTE over every
    raw event that is read twice (once narrow), recomputing is cheaper than
    materialising tens of GiB that spill to disk. DuckDB only; elsewhere the
    engine decides.
#}
{% macro inline_cte() -%}
    {{ return(adapter.dispatch('inline_cte', 'customer_journey')()) }}
{%- endmacro %}

{% macro default__inline_cte() -%}
{%- endmacro %}

{% macro duckdb__inline_cte() -%}
    not materialized
{%- endmacro %}
