{#
    One row per funnel x step x path group x path: the most frequent paths of converters and of
    drop-outs before the step's outcome, and the first steps drop-outs took after reaching the
    step (repeats compressed, like rpt_paths), counted from each person's paths
    (int_funnel_step_paths). Method: doc block rpt_dropoff_paths (_drivers__docs.md).
#}

{%- set top_n = var('path_top_n') %}

with

outcomes as (
    select * from {{ ref('int_funnel_step_outcomes') }}
),

paths as (
    select * from {{ ref('int_funnel_step_paths') }}
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
