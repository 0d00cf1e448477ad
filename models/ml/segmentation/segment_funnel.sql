{#
    rpt_funnel by current customer segment (one row per funnel x period x step x segment); in ml/
    because segments are an ML output. Doc block segment_funnel (_segmentation__docs.md).
#}

{%- set breakdowns = [
    ('segment', "coalesce(segment_name, '(no segment)')"),
] -%}

with

entries as (
    select * from {{ ref('int_funnel_entries') }}
),

segments as (
    select
        customer_id,
        segment_name
    from {{ ref('customer_segments') }}
),

segmented as (
    select
        entries.*,
        segments.segment_name
    from entries
    left join segments
        on entries.customer_id = segments.customer_id
),

{{ funnel_rates('segmented', breakdowns) }}

select * from final
