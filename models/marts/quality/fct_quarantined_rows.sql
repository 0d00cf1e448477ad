{#
    One row per raw row the build refused, with its reason and raw values (no PII).
    Checks and their order: doc block fct_quarantined_rows (_quality__docs.md).
#}

{%- set tables = cleaned_raw_tables() -%}

with

{% for table in tables %}
    {{ table.name }} as (
        select
            '{{ table.name }}' as source_table,
            cast({{ table.key }} as {{ dbt.type_string() }}) as row_key,
            quarantine_reason,
            row_fingerprint,
            raw_values
        from {{ ref('int_' ~ table.name ~ '_validated') }}
        where quarantine_reason is not null
    ),

{% endfor %}

unioned as (
    {% for table in tables %}
        select * from {{ table.name }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'source_table', "'|'", 'row_fingerprint', "'|'", 'quarantine_reason', "'|'",
            'cast(row_number() over (partition by source_table, row_fingerprint, quarantine_reason order by row_key) as ' ~ dbt.type_string() ~ ')'
        ])) }} as quarantined_row_id,
        source_table,
        row_key,
        quarantine_reason,
        raw_values
    from unioned
)

select * from final
