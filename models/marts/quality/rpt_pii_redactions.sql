{#
    One row per raw table x column x kind of personal data that staging took out: e-mail
    addresses and international phone numbers redacted from free text (redact_pii), ids that were
    e-mail addresses pseudonymised (pseudonymise_id). Counted on the cleaned rows; rows the
    quarantine refused are redacted the same way in their raw values but not counted here.
#}

{%- set checks = [
    ('events', 'page_path', 'text'),
    ('events', 'search_query', 'text'),
    ('events', 'utm_source', 'text'),
    ('events', 'utm_medium', 'text'),
    ('events', 'utm_campaign', 'text'),
    ('events', 'anonymous_id', 'id'),
    ('events', 'customer_id', 'id'),
    ('customers', 'city', 'text'),
    ('customers', 'customer_id', 'id'),
    ('feedback', 'topic', 'text'),
    ('feedback', 'customer_id', 'id'),
    ('orders', 'customer_id', 'id'),
    ('marketing_actions', 'customer_id', 'id'),
    ('marketing_spend', 'campaign', 'text'),
] -%}

with

counts as (
    {% for table, column, kind in checks %}
        {%- if kind == 'text' %}
            select
                '{{ table }}' as source_table,
                '{{ column }}' as column_name,
                'email' as pii_kind,
                count(case when {{ dbt.position("'[redacted-email]'", column) }} > 0 then 1 end) as redacted_rows,
                count(*) as clean_rows
            from {{ ref('int_' ~ table ~ '_cleaned') }}
            union all
            select
                '{{ table }}' as source_table,
                '{{ column }}' as column_name,
                'phone' as pii_kind,
                count(case when {{ dbt.position("'[redacted-phone]'", column) }} > 0 then 1 end) as redacted_rows,
                count(*) as clean_rows
            from {{ ref('int_' ~ table ~ '_cleaned') }}
        {%- else %}
            select
                '{{ table }}' as source_table,
                '{{ column }}' as column_name,
                'email_as_id' as pii_kind,
                count(case when substr({{ column }}, 1, 4) = 'pii_' and length({{ column }}) = 36 then 1 end)
                    as redacted_rows,
                count(*) as clean_rows
            from {{ ref('int_' ~ table ~ '_cleaned') }}
        {%- endif %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        source_table,
        column_name,
        pii_kind,
        cast(redacted_rows as bigint) as redacted_rows,
        cast(clean_rows as bigint) as clean_rows
    from counts
)

select * from final
