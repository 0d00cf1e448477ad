{#
    One row per journey path (the last event categories before the first order or leaving,
    repeats compressed), counted from each person's path (int_journey_paths). Method: doc block
    rpt_paths (_journey__docs.md).
#}

{%- set top_n = var('path_top_n') -%}

with

milestones as (
    select * from {{ ref('int_person_milestones') }}
),

person_paths as (
    select * from {{ ref('int_journey_paths') }}
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
