{#
    One row per journey path (the last event categories before the first order or leaving,
    repeats compressed). Method: doc block rpt_paths (_journey__docs.md).
#}

{%- set max_length = var('path_max_length') -%}
{%- set top_n = var('path_top_n') -%}

with

events as (
    select * from {{ ref('int_events_sessionized') }}
),

milestones as (
    select * from {{ ref('int_person_milestones') }}
),

before_outcome as (
    select
        events.person_id,
        events.event_id,
        events.event_category,
        events.event_at
    from events
    inner join milestones
        on events.person_id = milestones.person_id
    where
        milestones.first_ordered_at is null
        or events.event_at < milestones.first_ordered_at
),

with_previous as (
    select
        *,
        lag(event_category) over (partition by person_id order by event_at, event_id) as previous_category
    from before_outcome
),

compressed as (
    select
        person_id,
        event_category,
        row_number() over (partition by person_id order by event_at, event_id) as step_number,
        row_number() over (partition by person_id order by event_at desc, event_id desc) as steps_from_end
    from with_previous
    where
        previous_category is null
        or previous_category <> event_category
),

person_paths as (
    select
        person_id,
        {{ ordered_string_agg('event_category', 'step_number', ' > ') }} as path,
        count(*) as path_length
    from compressed
    where steps_from_end <= {{ max_length }}
    group by 1
),

outcomes as (
    select
        person_paths.path,
        person_paths.path_length,
        milestones.first_ordered_at is not null as has_purchased
    from person_paths
    inner join milestones
        on person_paths.person_id = milestones.person_id
),

path_counts as (
    select
        path,
        max(path_length) as path_length,
        count(*) as person_count,
        count(case when has_purchased then 1 end) as purchaser_count,
        count(case when not has_purchased then 1 end) as dropoff_count
    from outcomes
    group by 1
),

ranked as (
    select
        *,
        cast(purchaser_count as {{ type_double() }}) / person_count as conversion_rate,
        row_number() over (order by purchaser_count desc, path asc) as purchase_rank,
        row_number() over (order by dropoff_count desc, path asc) as dropoff_rank
    from path_counts
),

final as (
    select
        {{ dbt.hash('path') }} as path_id,
        path,
        path_length,
        person_count,
        purchaser_count,
        dropoff_count,
        conversion_rate,
        purchase_rank,
        dropoff_rank
    from ranked
    where
        purchase_rank <= {{ top_n }}
        or dropoff_rank <= {{ top_n }}
)

select * from final
