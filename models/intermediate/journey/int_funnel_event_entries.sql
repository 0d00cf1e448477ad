{{ config(materialized='table') }}

{#
    One row per person per step of an event funnel (seeds/funnels.csv) they
    entered: strict order, each step within the funnel's conversion window of
    the previous one. Doc block int_funnel_event_entries.
#}

{%- set max_steps = var('funnel_max_steps') | int -%}

with

definitions as (
    select * from {{ ref('funnels') }}
),

events as (
    select
        person_id,
        event_type,
        event_at
    from {{ ref('int_events_sessionized') }}
),

milestones as (
    select * from {{ ref('int_person_milestones') }}
),

present_types as (
    select distinct event_type from events
),

{# an optional step none of whose event types occurs is left out; the others are numbered anew #}
kept_rows as (
    select definitions.*
    from definitions
    where
        not definitions.is_optional
        or definitions.event_type in (select present_types.event_type from present_types)
),

steps as (
    select
        funnel_name,
        step_number,
        min(step_name) as step_name,
        dense_rank() over (partition by funnel_name order by step_number) as step_order,
        count(*) over (partition by funnel_name) as step_count
    from kept_rows
    group by 1, 2
),

windows as (
    select
        funnel_name,
        max(conversion_window_days) as conversion_window_days
    from definitions
    group by 1
),

step_events as (
    select
        steps.funnel_name,
        steps.step_order,
        events.person_id,
        events.event_at
    from events
    inner join kept_rows
        on events.event_type = kept_rows.event_type
    inner join steps
        on
            kept_rows.funnel_name = steps.funnel_name
            and kept_rows.step_number = steps.step_number
),

reached_1 as (
    select
        funnel_name,
        person_id,
        min(event_at) as reached_at
    from step_events
    where step_order = 1
    group by 1, 2
),

{% for step in range(2, max_steps + 1) %}
    reached_{{ step }} as (
        select
            previous.funnel_name,
            previous.person_id,
            min(step_events.event_at) as reached_at
        from reached_{{ step - 1 }} as previous
        inner join windows
            on previous.funnel_name = windows.funnel_name
        inner join step_events
            on
                previous.funnel_name = step_events.funnel_name
                and previous.person_id = step_events.person_id
                and step_events.step_order = {{ step }}
                and previous.reached_at <= step_events.event_at
                and {{ dbt.dateadd('day', 'windows.conversion_window_days', 'previous.reached_at') }} >= step_events.event_at
        group by 1, 2
    ),
{% endfor %}

reached as (
    {% for step in range(1, max_steps + 1) %}
        select
            funnel_name,
            person_id,
            {{ step }} as step_order,
            reached_at as entered_at
        from reached_{{ step }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

{# a person reaches step n + 1 only after step n: the next row in step order is the next step #}
entered as (
    select
        funnel_name,
        person_id,
        step_order,
        entered_at,
        lead(entered_at) over (partition by funnel_name, person_id order by step_order) as next_step_at
    from reached
),

final as (
    select
        entered.funnel_name,
        entered.person_id,
        milestones.customer_id,
        steps.step_name as funnel_step,
        milestones.first_touch_channel,
        milestones.first_device,
        cast(cast({{ dbt.date_trunc('month', 'milestones.first_seen_at') }} as date) as {{ dbt.type_string() }}) as cohort_month,
        entered.step_order,
        entered.step_order = steps.step_count as is_last_step,
        case
            when entered.next_step_at is not null
                then {{ dbt.datediff('entered.entered_at', 'entered.next_step_at', 'second') }} / 3600.0
        end as hours_to_convert,
        entered.next_step_at is not null as is_converted,
        entered.entered_at,
        entered.next_step_at
    from entered
    inner join steps
        on
            entered.funnel_name = steps.funnel_name
            and entered.step_order = steps.step_order
    inner join milestones
        on entered.person_id = milestones.person_id
)

select * from final
