{# a table: the quarantine, the cleaned view and their tests all read it #}
{{ config(materialized='table') }}

with

spend as (
    select * from {{ ref('stg_raw__marketing_spend') }}
),

row_checks as (
    select
        spend.*,
        case
            when spend.channel is null then 'null_channel'
            when spend.value_problem is not null then spend.value_problem
            when spend.spend_date is null then 'null_spend_date'
            when spend.spend_amount is null then 'null_amount'
            when spend.spend_amount < 0 then 'negative_amount'
            when spend.spend_date > cast({{ future_cutoff() }} as date) then 'future_date'
        end as row_reason
    from spend
),

{# no natural key: rows of one day, channel and campaign add up; only an exact copy is refused #}
final as (
    {{ with_duplicate_reasons('row_checks', ['spend_date', 'channel'], 'spend_date', none) }}
)

select * from final
