{#
    One row per funnel x period x step x dimension x value: the journey-stage
    funnel and the event funnels of seeds/funnels.csv. Doc block rpt_funnel.
#}

{%- set breakdowns = [
    ('all', "'all'"),
    ('channel', 'first_touch_channel'),
    ('device', 'first_device'),
] -%}

with

entries as (
    select * from {{ ref('int_funnel_entries') }}
),

{{ funnel_rates('entries', breakdowns, acquisition_cohort=true) }}

select * from final
