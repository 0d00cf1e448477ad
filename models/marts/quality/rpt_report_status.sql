{#
    One row per journey report: how many rows it holds and, when it holds none, why, in words a
    user can act on (no clickstream, no closed conversion window, nobody watched as long as the
    landmark, no information touchpoint, no orders, no feedback). A dashboard can read it to explain
    an empty page. Method: doc block rpt_report_status (_report_status__docs.md).
#}

{%- set window_var = "var funnel_conversion_window_days, or column conversion_window_days of seed funnels" -%}
{%- set no_clickstream = "'no clickstream: the raw events table is empty or absent, and this report is built from events'" -%}
{%- set no_orders = "'no completed orders in the raw orders table'" -%}
{%- set landmark_hours = driver_landmark_hours() -%}
{#- the reasons a funnel-step report (drivers, drop-off paths) can be empty, in the order they are checked -#}
{%- set step_reasons = [
    ('counts.clickstream_events = 0', no_clickstream),
    ('counts.closed_step_windows = 0',
     "'no one entered a funnel step long enough before the data ends for its conversion window to close ("
     ~ window_var ~ ")'"),
] -%}
{%- set reports = [
    {'name': 'fct_sessions', 'input': 'int_sessions', 'input_rows': 'counts.sessions',
     'reasons': [('counts.clickstream_events = 0', no_clickstream)]},
    {'name': 'rpt_funnel', 'input': 'int_funnel_entries', 'input_rows': 'counts.funnel_entries',
     'reasons': [('counts.funnel_entries = 0', "'nobody reached the first step of any funnel: neither events nor orders match a step (seeds funnels, journey_stages)'")]},
    {'name': 'rpt_paths', 'input': 'int_events_sessionized', 'input_rows': 'counts.clickstream_events',
     'reasons': [('counts.clickstream_events = 0', no_clickstream)]},
    {'name': 'rpt_conversion_drivers', 'input': 'int_funnel_step_outcomes', 'input_rows': 'counts.closed_step_windows',
     'reasons': step_reasons + [
        ('counts.landmark_windows = 0',
         "'nobody was watched var driver_landmark_hours (" ~ landmark_hours ~ " hours) into a step window: the windows closed sooner'"),
        ('true', "'no behaviour was recorded within the landmark (var driver_landmark_hours) of any step window'")]},
    {'name': 'rpt_information_gaps', 'input': 'int_events_sessionized', 'input_rows': 'counts.information_events',
     'reasons': step_reasons[:1]
        + [('counts.information_events = 0', "'no information-seeking events (seed event_taxonomy, column is_information_seeking)'"),
           ('counts.gap_step_windows = 0',
            "'no closed conversion window at the consideration or purchase stage of the journey-stage funnel (" ~ window_var ~ ")'"),
           ('true', "'no information touchpoint within the consideration or purchase windows of the journey-stage funnel'")]},
    {'name': 'rpt_dropoff_paths', 'input': 'int_funnel_step_outcomes', 'input_rows': 'counts.closed_step_windows',
     'reasons': step_reasons},
    {'name': 'rpt_channel_attribution', 'input': 'int_orders_cleaned', 'input_rows': 'counts.completed_orders',
     'reasons': [('counts.completed_orders = 0', no_orders)]},
    {'name': 'rpt_retention_cohorts', 'input': 'int_orders_cleaned', 'input_rows': 'counts.completed_orders',
     'reasons': [('counts.completed_orders = 0', no_orders)]},
    {'name': 'rpt_lifecycle', 'input': 'int_customer_active_days', 'input_rows': 'counts.active_days',
     'reasons': [('counts.active_days = 0', "'no customer was active on any day: no identified events and no completed orders'")]},
    {'name': 'rpt_feedback_monthly', 'input': 'int_feedback_cleaned', 'input_rows': 'counts.feedback_rows',
     'reasons': [('counts.feedback_rows = 0', "'no feedback: the raw feedback table is empty or absent'")]},
] -%}

with

step_outcomes as (
    select
        funnel_name,
        step_order,
        count(*) as closed_windows,
        count(case when days_observed >= {{ landmark_hours }} / 24.0 then 1 end) as landmark_windows,
        count(
            case when funnel_name = 'journey_stages' and funnel_step in ('consideration', 'purchase') then 1 end
        ) as gap_step_windows
    from {{ ref('int_funnel_step_outcomes') }}
    group by 1, 2
),

counts as (
    select
        (select count(*) from {{ ref('int_events_sessionized') }}) as clickstream_events,
        (select count(case when is_information_seeking then 1 end) from {{ ref('int_events_sessionized') }}) as information_events,
        (select count(*) from {{ ref('int_sessions') }}) as sessions,
        (select count(*) from {{ ref('int_funnel_entries') }}) as funnel_entries,
        (select coalesce(sum(closed_windows), 0) from step_outcomes) as closed_step_windows,
        (select coalesce(sum(landmark_windows), 0) from step_outcomes) as landmark_windows,
        (select coalesce(sum(gap_step_windows), 0) from step_outcomes) as gap_step_windows,
        (select count(case when is_completed then 1 end) from {{ ref('int_orders_cleaned') }}) as completed_orders,
        (select count(*) from {{ ref('int_customer_active_days') }}) as active_days,
        (select count(*) from {{ ref('int_feedback_cleaned') }}) as feedback_rows
),

reports as (
    {% for report in reports %}
        select
            '{{ report.name }}' as report_name,
            '{{ report.input }}' as main_input,
            {{ report.input_rows }} as main_input_rows,
            (select count(*) from {{ ref(report.name) }}) as report_rows,
            case
                {%- for condition, reason in report.reasons %}
                    when {{ condition }} then {{ reason }}
                {%- endfor %}
            end as empty_reason
        from counts
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        report_name,
        report_rows,
        case when report_rows > 0 then 'ok' else 'empty' end as report_status,
        case when report_rows = 0 then empty_reason end as reason,
        main_input,
        cast(main_input_rows as bigint) as main_input_rows
    from reports
)

select * from final
