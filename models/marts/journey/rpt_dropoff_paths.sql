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
{#- a path's steps in order, each as ' > ' and the step ('' when there is none), for dbt.concat;
    before-paths are numbered from their end, after-paths from their start -#}
{%- set before_parts = [] -%}
{%- set after_parts = [] -%}
{%- for position in range(1, max_length + 1) -%}
    {%- do before_parts.insert(0, "coalesce(" ~ dbt.concat(["' > '", 'before_element_' ~ position]) ~ ", '')") -%}
    {%- do after_parts.append("coalesce(" ~ dbt.concat(["' > '", 'after_element_' ~ position]) ~ ", '')") -%}
{%- endfor %}

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
        not is_converted and event_at > entered_at as is_after_step,
        event_at
    from step_events
),

{# Both paths come from one pass over the step's events in time order (then one over the events
   kept). A drop-out's events after entering the step are the tail of the step's events, so the
   previous of such an event among them is its previous among all the step's events, if that one
   came after the entry too. (person_id leads the partition: int_funnel_step_events is stored
   roughly in person order, which makes the sort cheaper; the partitions are the same.) #}
with_previous as (
    select
        *,
        lag(path_element) over (
            partition by person_id, funnel_name, step_order
            order by event_at, event_id
        ) as previous_element,
        lag(is_after_step) over (
            partition by person_id, funnel_name, step_order
            order by event_at, event_id
        ) as is_previous_after_step,
        row_number() over (
            partition by person_id, funnel_name, step_order
            order by event_at, event_id
        ) as event_number
    from elements
),

{# repeats compressed: an event is kept when its element differs from the previous event's; for
   the path after the step, the previous event counts only if it came after the entry too #}
compressed as (
    select
        funnel_name,
        person_id,
        step_order,
        path_element,
        event_number,
        previous_element is null or previous_element <> path_element as is_before_kept,
        is_after_step
        and (
            not is_previous_after_step
            or is_previous_after_step is null
            or previous_element is null
            or previous_element <> path_element
        ) as is_after_kept
    from with_previous
),

{# among the kept events: how many are left to the end (before-paths keep the last max_length),
   and which one it is after the step (after-paths keep the first max_length) #}
numbered as (
    select
        funnel_name,
        person_id,
        step_order,
        path_element,
        is_before_kept,
        is_after_kept,
        sum(case when is_before_kept then 1 else 0 end) over (
            partition by person_id, funnel_name, step_order
            order by event_number
            rows between current row and unbounded following
        ) as before_steps_from_end,
        sum(case when is_after_kept then 1 else 0 end) over (
            partition by person_id, funnel_name, step_order
            order by event_number
            rows between unbounded preceding and current row
        ) as after_step_number
    from compressed
    where
        is_before_kept
        or is_after_kept
),

{# ---- before the outcome: the last steps in the window, up to converting or dropping out;
   after the step: a drop-out's first steps after entering it, until the window closed ----
   A path has at most max_length steps, so it is put together from its steps by position (a
   hash aggregate) instead of sorting every person's steps again for an ordered string_agg. #}
path_steps as (
    select
        funnel_name,
        person_id,
        step_order,
        path_element,
        case
            when is_before_kept and before_steps_from_end <= {{ max_length }} then before_steps_from_end
        end as before_position_from_end,
        case
            when is_after_kept and after_step_number <= {{ max_length }} then after_step_number
        end as after_position
    from numbered
    where
        (is_before_kept and before_steps_from_end <= {{ max_length }})
        or (is_after_kept and after_step_number <= {{ max_length }})
),

path_elements as (
    select
        funnel_name,
        person_id,
        step_order,
        {%- for position in range(max_length, 0, -1) %}
            max(case when before_position_from_end = {{ position }} then path_element end)
                as before_element_{{ position }},
        {%- endfor %}
        count(before_position_from_end) as before_path_length,
        {%- for position in range(1, max_length + 1) %}
            max(case when after_position = {{ position }} then path_element end) as after_element_{{ position }},
        {%- endfor %}
        count(after_position) as after_path_length
    from path_steps
    group by 1, 2, 3
),

{# the steps joined by ' > ' in order; like string_agg, a null step is left out, and a path of
   null steps only is null #}
paths as (
    select
        funnel_name,
        person_id,
        step_order,
        substr(nullif({{ dbt.concat(before_parts) }}, ''), 4)
            as before_path,
        before_path_length,
        substr(nullif({{ dbt.concat(after_parts) }}, ''), 4)
            as after_path,
        after_path_length
    from path_elements
),

outcome_paths as (
    select
        outcomes.funnel_name,
        outcomes.funnel_step,
        outcomes.step_order,
        outcomes.is_converted,
        paths.before_path,
        paths.before_path_length,
        paths.after_path,
        paths.after_path_length
    from outcomes
    left join paths
        on
            outcomes.funnel_name = paths.funnel_name
            and outcomes.person_id = paths.person_id
            and outcomes.step_order = paths.step_order
),

person_paths as (
    select
        funnel_name,
        funnel_step,
        step_order,
        case when is_converted then 'converters_before' else 'dropouts_before' end as path_group,
        coalesce(before_path, '(no events)') as path,
        coalesce(before_path_length, 0) as path_length,
        is_converted
    from outcome_paths
    union all
    select
        funnel_name,
        funnel_step,
        step_order,
        'dropouts_after' as path_group,
        coalesce(after_path, '(no further events)') as path,
        coalesce(after_path_length, 0) as path_length,
        is_converted
    from outcome_paths
    where not is_converted
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
