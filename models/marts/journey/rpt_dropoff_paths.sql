{#
    One row per funnel x step x path group x path: the most frequent paths of converters and of
    drop-outs before the step's outcome, and the first steps drop-outs took after reaching the
    step (repeats compressed, like rpt_paths). Method: doc block rpt_dropoff_paths (_drivers__docs.md).
#}

{%- set max_length = var('path_max_length') -%}
{%- set top_n = var('path_top_n') -%}
{%- set element = var('dropoff_path_element') -%}
{%- if element not in ('event_type', 'event_category') -%}
    {{ exceptions.raise_compiler_error(
        "var dropoff_path_element must be event_type or event_category, not '" ~ element ~ "'"
    ) }}
{%- endif %}

with

outcomes as (
    select * from {{ ref('int_funnel_step_outcomes') }}
),

step_events as (
    select * from {{ ref('int_funnel_step_events') }}
),

elements as (
    select
        funnel_name,
        person_id,
        step_order,
        event_id,
        {%- if element == 'event_type' %}
            coalesce(information_touchpoint, event_type) as path_element,
        {%- else %}
            event_category as path_element,
        {%- endif %}
        is_converted,
        entered_at,
        event_at
    from step_events
),

{# ---- before the outcome: the last steps in the window, up to converting or dropping out ---- #}

before_with_previous as (
    select
        *,
        lag(path_element) over (
            partition by funnel_name, person_id, step_order
            order by event_at, event_id
        ) as previous_element
    from elements
),

before_compressed as (
    select
        funnel_name,
        person_id,
        step_order,
        path_element,
        row_number() over (
            partition by funnel_name, person_id, step_order
            order by event_at, event_id
        ) as step_number,
        row_number() over (
            partition by funnel_name, person_id, step_order
            order by event_at desc, event_id desc
        ) as steps_from_end
    from before_with_previous
    where
        previous_element is null
        or previous_element <> path_element
),

before_paths as (
    select
        funnel_name,
        person_id,
        step_order,
        {{ ordered_string_agg('path_element', 'step_number', ' > ') }} as path,
        count(*) as path_length
    from before_compressed
    where steps_from_end <= {{ max_length }}
    group by 1, 2, 3
),

{# ---- after the step: a drop-out's first steps after entering it, until the window closed ---- #}

after_with_previous as (
    select
        *,
        lag(path_element) over (
            partition by funnel_name, person_id, step_order
            order by event_at, event_id
        ) as previous_element
    from elements
    where
        not is_converted
        and event_at > entered_at
),

after_compressed as (
    select
        funnel_name,
        person_id,
        step_order,
        path_element,
        row_number() over (
            partition by funnel_name, person_id, step_order
            order by event_at, event_id
        ) as step_number
    from after_with_previous
    where
        previous_element is null
        or previous_element <> path_element
),

after_paths as (
    select
        funnel_name,
        person_id,
        step_order,
        {{ ordered_string_agg('path_element', 'step_number', ' > ') }} as path,
        count(*) as path_length
    from after_compressed
    where step_number <= {{ max_length }}
    group by 1, 2, 3
),

person_paths as (
    select
        outcomes.funnel_name,
        outcomes.funnel_step,
        outcomes.step_order,
        case when outcomes.is_converted then 'converters_before' else 'dropouts_before' end as path_group,
        coalesce(before_paths.path, '(no events)') as path,
        coalesce(before_paths.path_length, 0) as path_length,
        outcomes.is_converted
    from outcomes
    left join before_paths
        on
            outcomes.funnel_name = before_paths.funnel_name
            and outcomes.person_id = before_paths.person_id
            and outcomes.step_order = before_paths.step_order
    union all
    select
        outcomes.funnel_name,
        outcomes.funnel_step,
        outcomes.step_order,
        'dropouts_after' as path_group,
        coalesce(after_paths.path, '(no further events)') as path,
        coalesce(after_paths.path_length, 0) as path_length,
        outcomes.is_converted
    from outcomes
    left join after_paths
        on
            outcomes.funnel_name = after_paths.funnel_name
            and outcomes.person_id = after_paths.person_id
            and outcomes.step_order = after_paths.step_order
    where not outcomes.is_converted
),

path_counts as (
    select
        funnel_name,
        step_order,
        path_group,
        path,
        min(funnel_step) as funnel_step,
        max(path_length) as path_length,
        count(*) as person_count
    from person_paths
    group by 1, 2, 3, 4
),

group_totals as (
    select
        funnel_name,
        step_order,
        path_group,
        count(*) as group_people
    from person_paths
    group by 1, 2, 3
),

{# of everyone at the step whose path before the outcome was this one, the share who converted #}
before_conversion as (
    select
        funnel_name,
        step_order,
        path,
        cast(count(case when is_converted then 1 end) as {{ type_double() }}) / count(*) as conversion_rate
    from person_paths
    where path_group in ('converters_before', 'dropouts_before')
    group by 1, 2, 3
),

ranked as (
    select
        path_counts.*,
        group_totals.group_people,
        case when path_counts.path_group <> 'dropouts_after' then before_conversion.conversion_rate end
            as conversion_rate,
        row_number() over (
            partition by path_counts.funnel_name, path_counts.step_order, path_counts.path_group
            order by path_counts.person_count desc, path_counts.path asc
        ) as path_rank
    from path_counts
    inner join group_totals
        on
            path_counts.funnel_name = group_totals.funnel_name
            and path_counts.step_order = group_totals.step_order
            and path_counts.path_group = group_totals.path_group
    left join before_conversion
        on
            path_counts.funnel_name = before_conversion.funnel_name
            and path_counts.step_order = before_conversion.step_order
            and path_counts.path = before_conversion.path
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'funnel_name', "'|'", dbt.cast('step_order', dbt.type_string()), "'|'", 'path_group', "'|'", 'path'
        ])) }} as dropoff_path_id,
        funnel_name,
        funnel_step,
        path_group,
        path,
        cast(step_order as integer) as step_order,
        path_length,
        path_rank,
        person_count,
        group_people,
        cast(person_count as {{ type_double() }}) / group_people as share_of_group,
        conversion_rate
    from ranked
    where path_rank <= {{ top_n }}
)

select * from final
