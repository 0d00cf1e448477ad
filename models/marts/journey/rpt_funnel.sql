{#
    One row per period x stage x dimension value: the strict funnel's conversion and hours to
    convert. Method: doc block rpt_funnel (_journey__docs.md); by segment: ml.segment_funnel.
#}

{%- set breakdowns = [
    ('all', "'all'"),
    ('channel', 'first_touch_channel'),
    ('device', 'first_device'),
] -%}

with

entries as (
    select * from {{ ref('int_funnel_stage_entries') }}
),

stages as (
    select * from {{ ref('journey_stages') }}
),

{{ funnel_rates('entries', breakdowns, 'stages', acquisition_cohort=true) }}

select * from final
