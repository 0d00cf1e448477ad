{{
    config(
        materialized=event_materialization(),
        incremental_strategy='replace_where',
        replace_keys=['person_id'],
        on_schema_change='fail',
        pre_hook=[
            "{{ erase_from_incremental(person_id='person_id') }}",
            "{{ erase_from_incremental(person_id='person_id', source='bot_visitors') }}",
        ],
        post_hook=[
            "{{ delete_stale_rows(ref('int_funnel_step_events'), ['funnel_name', 'person_id', 'step_order']) }}",
        ],
    )
}}

{#
    One row per funnel x person x step with events in the step's window (int_funnel_step_events):
    the person's path before the outcome and, for a drop-out, after entering the step (repeats
    compressed, at most path_max_length steps). rpt_dropoff_paths counts them. Incremental per
    person: the people whose step events were rewritten since the last build; a change of the path
    settings recomputes everyone; the post-hook (delete_stale_rows) drops the steps left without
    step events. Method: doc block int_funnel_step_paths (_drivers__docs.md).
#}

{%- set max_length = var('path_max_length') -%}
{%- set element = var('dropoff_path_element') -%}
{%- if element not in ('event_type', 'event_category') -%}
    {{ exceptions.raise_compiler_error(
        "var dropoff_path_element must be event_type or event_category, not '" ~ element ~ "'"
    ) }}
{%- endif %}
{%- set path_settings = element ~ '|' ~ max_length -%}
{#- a path's steps in order, each as ' > ' and the step ('' when there is none), for dbt.concat;
    before-paths are numbered from their end, after-paths from their start -#}
{%- set before_parts = [] -%}
{%- set after_parts = [] -%}
{%- for position in range(1, max_length + 1) -%}
    {%- do before_parts.insert(0, "coalesce(" ~ dbt.concat(["' > '", 'before_element_' ~ position]) ~ ", '')") -%}
    {%- do after_parts.append("coalesce(" ~ dbt.concat(["' > '", 'after_element_' ~ position]) ~ ", '')") -%}
{%- endfor %}

with

{% if is_incremental() %}
    touched_persons as (
        select rewritten.person_id
        from {{ ref('int_funnel_step_events') }} as rewritten
        where
            rewritten.dbt_loaded_at > {{ last_loaded_at_or_start() }}
            or exists (
                select 1 from {{ this }} as stored
                where stored.path_settings <> {{ sql_literal(path_settings) }}
            )
    ),
{% endif %}

step_events as (
    select * from {{ ref('int_funnel_step_events') }}
    {% if is_incremental() %}
        where person_id in (select touched_persons.person_id from touched_persons)
    {% endif %}
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

{# the last steps in the window, up to converting or dropping out; after the step: a drop-out's
   first steps after entering it, until the window closed. A path has at most max_length steps,
   so it is put together from its steps by position (a hash aggregate) instead of sorting every
   person's steps again for an ordered string_agg. #}
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
final as (
    select
        funnel_name,
        person_id,
        cast(step_order as integer) as step_order,
        substr(nullif({{ dbt.concat(before_parts) }}, ''), 4) as before_path,
        before_path_length,
        substr(nullif({{ dbt.concat(after_parts) }}, ''), 4) as after_path,
        after_path_length,
        {{ sql_literal(path_settings) }} as path_settings,
        {{ loaded_at() }} as dbt_loaded_at
    from path_elements
)

select * from final
