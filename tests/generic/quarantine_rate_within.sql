{#
    Fails (at the test's severity) for every raw table whose quarantine rate
    (rpt_quarantine_summary, row '_total') is above `max_rate`, one row per
    table naming its raw and refused rows, its most frequent reason and one
    refused key; the same is printed in the build's log, so the failure says
    which table, reason, count and key without a query.
    `excluded_reasons`: reasons left out of the rate (bot: traffic, not broken
    data; its share is reported in the summary all the same).
#}
{% test quarantine_rate_within(model, max_rate, excluded_reasons=[]) %}

{%- set failing -%}
    with

    counted as (
        select
            source_table,
            max(raw_rows) as raw_rows,
            sum(quarantined_rows) as quarantined_rows
        from {{ model }}
        where
            quarantine_reason <> '_total'
            {%- for reason in excluded_reasons %}
                and quarantine_reason <> {{ sql_literal(reason) }}
            {%- endfor %}
        group by 1
    ),

    totals as (
        select
            source_table,
            raw_rows,
            quarantined_rows,
            cast(quarantined_rows as {{ type_double() }}) / raw_rows as quarantine_rate
        from counted
        where raw_rows > 0 and cast(quarantined_rows as {{ type_double() }}) / raw_rows > {{ max_rate }}
    ),

    reasons as (
        select
            source_table,
            quarantine_reason,
            quarantined_rows,
            example_row_key,
            row_number() over (
                partition by source_table order by quarantined_rows desc, quarantine_reason
            ) as reason_rank
        from {{ model }}
        where
            quarantine_reason <> '_total'
            {%- for reason in excluded_reasons %}
                and quarantine_reason <> {{ sql_literal(reason) }}
            {%- endfor %}
    )

    select
        totals.source_table,
        totals.raw_rows,
        totals.quarantined_rows,
        totals.quarantine_rate,
        reasons.quarantine_reason as top_reason,
        reasons.quarantined_rows as top_reason_rows,
        reasons.example_row_key
    from totals
    left join reasons
        on
            totals.source_table = reasons.source_table
            and reasons.reason_rank = 1
{%- endset -%}

{%- if execute and flags.WHICH in ('build', 'test') -%}
    {%- for row in run_query(failing).rows -%}
        {%- do log(
            "Quarantine rate of raw table '" ~ row[0] ~ "' is " ~ '%.2f' | format(row[3] * 100) ~ " % (limit "
            ~ '%.2f' | format(max_rate | float * 100) ~ " %): " ~ row[2] ~ " of " ~ row[1] ~ " rows refused, most as '"
            ~ row[4] ~ "' (" ~ row[5] ~ " rows; e.g. key " ~ row[6] ~ "). The rows and their raw values: "
            ~ "marts.fct_quarantined_rows where source_table = '" ~ row[0] ~ "'.",
            info=true
        ) -%}
    {%- endfor -%}
{%- endif %}

{{ failing }}

{% endtest %}
