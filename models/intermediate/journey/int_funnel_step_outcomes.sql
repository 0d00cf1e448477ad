{{ config(materialized='table') }}

{#
    One row per funnel x person x step entered that has a next step, whose window lies inside
    the data: converted or dropped out, the window the conversion-driver and drop-off-path
    reports look at, and how long the person was watched in it. Doc block int_funnel_step_outcomes
    (_drivers__docs.md).
#}

{%- set window_days = var('funnel_conversion_window_days') -%}

with

entries as (
    select * from {{ ref('int_funnel_entries') }}
),

definitions as (
    select * from {{ ref('funnels') }}
),

milestones as (
    select * from {{ ref('int_person_milestones') }}
),

data_end as (
    select max(last_event_at) as data_end_at
    from milestones
),

funnel_windows as (
    select
        'journey_stages' as funnel_name,
        {{ window_days }} as window_days
    union all
    select
        funnel_name,
        max(conversion_window_days) as window_days
    from definitions
    group by 1
),

{# consideration starts within the first visit (its first product view or the sign-up): its
   window opens at awareness, so that the whole pre-purchase journey counts #}
awareness as (
    select
        person_id,
        entered_at as awareness_at
    from entries
    where
        funnel_name = 'journey_stages'
        and step_order = 1
),

windows as (
    select
        entries.funnel_name,
        entries.person_id,
        entries.customer_id,
        entries.funnel_step,
        entries.step_order,
        cast(funnel_windows.window_days as integer) as window_days,
        entries.is_converted,
        entries.entered_at,
        entries.next_step_at,
        case
            when entries.funnel_name = 'journey_stages' and entries.funnel_step = 'consideration'
                then awareness.awareness_at
            else entries.entered_at
        end as window_start_at,
        coalesce(
            entries.next_step_at,
            {{ dbt.dateadd('day', 'funnel_windows.window_days', 'entries.entered_at') }}
        ) as window_end_at
    from entries
    inner join funnel_windows
        on entries.funnel_name = funnel_windows.funnel_name
    cross join data_end
    left join awareness
        on
            entries.person_id = awareness.person_id
            and entries.funnel_name = 'journey_stages'
    where
        not entries.is_last_step
        and {{ dbt.dateadd('day', 'funnel_windows.window_days', 'entries.entered_at') }} <= data_end.data_end_at
),

{# the time watched: a converter's window ends when they convert, a drop-out's runs the whole
   conversion window (rpt_conversion_drivers compares people watched equally long) #}
final as (
    select
        funnel_name,
        person_id,
        customer_id,
        funnel_step,
        step_order,
        window_days,
        cast({{ dbt.datediff('window_start_at', 'window_end_at', 'second') }} as {{ type_double() }})
        / 86400 as days_observed,
        is_converted,
        entered_at,
        next_step_at,
        window_start_at,
        window_end_at
    from windows
)

select * from final
