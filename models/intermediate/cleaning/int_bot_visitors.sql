{{
    config(
        materialized=event_materialization(),
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ erase_from_incremental(anonymous_id='anonymous_id', anonymous_only='true') }}",
    )
}}

{#
    One row per anonymous visitor flagged as a bot: the rule that fired first, when, and the
    evidence up to then. Rules: macro bot_visitor_rules; method: doc block int_bot_visitors.
    Incremental and sticky: a build looks again at the devices with clean anonymous events
    loaded since this model's last row (their whole history) and adds those it now flags; a
    flagged visitor stays flagged.
#}

{%- set burst_events = var('bot_burst_events') | int -%}
{%- set regular_intervals = var('bot_regular_intervals') | int -%}
{%- set view_types = var('bot_view_event_types') -%}
{%- if burst_events < 2 or regular_intervals < 2 -%}
    {{ exceptions.raise_compiler_error("vars bot_burst_events and bot_regular_intervals must be at least 2") }}
{%- endif %}

with

validated as (
    select
        event_id,
        anonymous_id,
        event_type,
        event_at,
        dbt_loaded_at
    from {{ ref('int_events_validated') }}
    where
        quarantine_reason is null
        and customer_id is null
        and anonymous_id is not null
),

{% if is_incremental() %}
    touched_devices as (
        select distinct anonymous_id from validated
        where
            dbt_loaded_at > coalesce({{ last_loaded_at() }}, cast('1900-01-01' as {{ dbt.type_timestamp() }}))
            and anonymous_id not in (select flagged.anonymous_id from {{ this }} as flagged)
    ),
{% endif %}

events as (
    select * from validated
    {% if is_incremental() %}
        where anonymous_id in (select touched_devices.anonymous_id from touched_devices)
    {% endif %}
),

ordered as (
    select
        event_id,
        anonymous_id,
        event_at,
        case
            when event_type in ({% for t in view_types %}{{ sql_literal(t) }}{{ ', ' if not loop.last }}{% endfor %})
                then 1
            else 0
        end as is_view,
        {{ dbt.datediff(
            'lag(event_at) over (partition by anonymous_id order by event_at, event_id)', 'event_at', 'second'
        ) }} as interval_seconds,
        {{ dbt.datediff(
            'lag(event_at, ' ~ (burst_events - 1) ~ ') over (partition by anonymous_id order by event_at, event_id)',
            'event_at', 'second'
        ) }} as burst_seconds,
        row_number() over (partition by anonymous_id order by event_at, event_id) as event_number
    from events
),

sessions_numbered as (
    select
        *,
        sum(case when interval_seconds is null or interval_seconds > {{ var('session_timeout_minutes') * 60 }} then 1 else 0 end)
            over (partition by anonymous_id order by event_at, event_id rows between unbounded preceding and current row)
            as session_number
    from ordered
),

interactions_counted as (
    select
        *,
        sum(1 - is_view) over (
            partition by anonymous_id, session_number order by event_at, event_id
            rows between unbounded preceding and current row
        ) as interactions_so_far
    from sessions_numbered
),

measured as (
    select
        event_id,
        anonymous_id,
        event_at,
        event_number,
        burst_seconds,
        case
            when interactions_so_far = 0
                then sum(is_view) over (
                    partition by anonymous_id, session_number order by event_at, event_id
                    rows between unbounded preceding and current row
                )
            else 0
        end as views_before_interaction,
        count(interval_seconds) over (
            partition by anonymous_id order by event_at, event_id
            rows between {{ regular_intervals - 1 }} preceding and current row
        ) as interval_count,
        avg(cast(interval_seconds as {{ type_double() }})) over (
            partition by anonymous_id order by event_at, event_id
            rows between {{ regular_intervals - 1 }} preceding and current row
        ) as interval_mean_seconds,
        stddev_pop(cast(interval_seconds as {{ type_double() }})) over (
            partition by anonymous_id order by event_at, event_id
            rows between {{ regular_intervals - 1 }} preceding and current row
        ) as interval_stddev_seconds
    from interactions_counted
),

classified as (
    select
        *,
        {{ bot_visitor_rules() }} as bot_rule
    from measured
),

first_flags as (
    select
        anonymous_id,
        bot_rule,
        event_at as first_flagged_at,
        event_number as events_at_flag,
        row_number() over (partition by anonymous_id order by event_at, event_id) as flag_number
    from classified
    where bot_rule is not null
),

evidence as (
    {# the evidence up to the flagging event: later events never change a stored row #}
    select
        classified.anonymous_id,
        min(classified.burst_seconds) as fastest_burst_seconds,
        max(classified.views_before_interaction) as max_views_before_interaction,
        min(
            case
                when
                    classified.interval_count >= {{ regular_intervals }}
                    and classified.interval_mean_seconds > 0
                    then classified.interval_stddev_seconds / classified.interval_mean_seconds
            end
        ) as min_interval_variation,
        min(classified.event_at) as first_event_at
    from classified
    inner join first_flags
        on
            classified.anonymous_id = first_flags.anonymous_id
            and first_flags.flag_number = 1
            and classified.event_number <= first_flags.events_at_flag
    group by 1
),

final as (
    select
        first_flags.anonymous_id,
        first_flags.bot_rule,
        cast(first_flags.events_at_flag as bigint) as events_at_flag,
        cast(evidence.fastest_burst_seconds as bigint) as fastest_burst_seconds,
        cast(evidence.max_views_before_interaction as bigint) as max_views_before_interaction,
        cast(evidence.min_interval_variation as {{ type_double() }}) as min_interval_variation,
        evidence.first_event_at,
        first_flags.first_flagged_at,
        {{ loaded_at() }} as dbt_loaded_at
    from first_flags
    inner join evidence
        on first_flags.anonymous_id = evidence.anonymous_id
    where first_flags.flag_number = 1
)

select * from final
