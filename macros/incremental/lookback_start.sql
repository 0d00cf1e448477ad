{#- Start of the reprocessed window: var incremental_lookback_days before the newest `column` this model holds. -#}
{% macro lookback_start(column, where='1 = 1') -%}
    (
        select
            coalesce(
                {{ dbt.dateadd('day', -1 * var('incremental_lookback_days'), 'max(' ~ column ~ ')') }},
                cast('1900-01-01' as {{ dbt.type_timestamp() }})
            )
        from {{ this }}
        where {{ where }}
    )
{%- endmacro %}
