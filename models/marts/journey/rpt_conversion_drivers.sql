{#
    The conversion-driver report: one row per funnel x step x behaviour, how it goes with converting
    or dropping out among people watched equally long (landmark: the behaviour in the first hours
    or days after the window opened, the people still at the step then; odds ratio,
    Holm-corrected) and, for information touchpoints, drop-off right after them against chance
    (case-crossover). Method: doc block rpt_conversion_drivers (_drivers__docs.md).
#}

{%- set landmark_hours = driver_landmark_hours() -%}
{%- set candidate_pairs = driver_threshold_candidates(landmark_hours) -%}
{%- set threshold_days_list = [] -%}
{%- for candidate in candidate_pairs -%}
    {%- if candidate[1] not in threshold_days_list -%}
        {%- do threshold_days_list.append(candidate[1]) -%}
    {%- endif -%}
{%- endfor -%}
{%- set alpha = var('driver_significance_level') -%}
{%- set interval_z = var('driver_interval_z') -%}
{%- set gap_z = var('gap_significance_z') %}

with

outcomes as (
    select * from {{ ref('int_funnel_step_outcomes') }}
),

{# inlined: each use reads only its own rows and columns of the table instead of storing all of
   it first #}
step_events as {{ inline_cte() }} (
    select * from {{ ref('int_funnel_step_events') }}
),

sessions as (
    select
        session_id,
        person_id,
        session_started_at
    from {{ ref('int_sessions') }}
),

touch_events as (
    select * from {{ ref('int_events_sessionized') }}
    where is_information_seeking
),

orders as (
    select * from {{ ref('int_orders_cleaned') }}
    where is_completed
),

funnel_definitions as (
    select * from {{ ref('funnels') }}
),

taxonomy as (
    select * from {{ ref('event_taxonomy') }}
),

stages as (
    select * from {{ ref('journey_stages') }}
),

step_totals as (
    select
        funnel_name,
        step_order,
        min(funnel_step) as funnel_step,
        count(*) as step_people,
        count(case when is_converted then 1 end) as step_converters,
        count(case when not is_converted then 1 end) as step_dropouts
    from outcomes
    group by 1, 2
),

{# ---- association at a landmark: people watched equally long (doc block: time watched) ---- #}

funnel_windows as (
    select distinct
        funnel_name,
        window_days
    from outcomes
),

{# "at least n times within d days of the window start", d shorter than the window: the
   landmark of the candidate is d days #}
threshold_candidates as (
    {%- if candidate_pairs %}
        {%- for candidate in candidate_pairs %}
            select
                funnel_name,
                {{ candidate[0] }} as threshold_count,
                {{ candidate[1] }} as threshold_days,
                {{ candidate[1] * 24 }} as landmark_hours
            from funnel_windows
            where {{ candidate[1] }} < window_days
            {% if not loop.last %}union all{% endif %}
        {%- endfor %}
    {%- else %}
        select
            funnel_name,
            cast(null as integer) as threshold_count,
            cast(null as integer) as threshold_days,
            cast(null as integer) as landmark_hours
        from funnel_windows
        where 1 = 0
    {%- endif %}
),

landmarks as (
    select
        funnel_name,
        {{ landmark_hours }} as landmark_hours
    from funnel_windows
    union
    select distinct
        funnel_name,
        landmark_hours
    from threshold_candidates
),

{# the population at a landmark: still at the step when it came (converted then or later, or
   dropped out); everyone in it was watched at least that long #}
landmark_totals as (
    select
        outcomes.funnel_name,
        outcomes.step_order,
        landmarks.landmark_hours,
        count(*) as landmark_people,
        count(case when outcomes.is_converted then 1 end) as landmark_converters,
        count(case when not outcomes.is_converted then 1 end) as landmark_dropouts
    from outcomes
    inner join landmarks
        on outcomes.funnel_name = landmarks.funnel_name
    where outcomes.days_observed >= cast(landmarks.landmark_hours as {{ type_double() }}) / 24
    group by 1, 2, 3
),

{# plain behaviours: done in the first var driver_landmark_hours, by the people still at the step then #}
landmark_events as (
    select * from step_events
    where
        days_observed >= cast({{ landmark_hours }} as {{ type_double() }}) / 24
        and days_since_window_start < cast({{ landmark_hours }} as {{ type_double() }}) / 24
),

{# one row per person, step and event type done (not information seeking), with how many times
   before the landmark and before each threshold's d days. "At least n times within d days" holds
   when at least n of them came before day d (days_since_window_start grows with event_at), so
   counting replaces numbering every event #}
person_event_counts as (
    select
        funnel_name,
        person_id,
        step_order,
        is_converted,
        event_type,
        days_observed,
        {%- for days in threshold_days_list %}
            count(case when days_since_window_start < {{ days }} then 1 end) as events_within_days_{{ loop.index }},
        {%- endfor %}
        count(
            case when days_since_window_start < cast({{ landmark_hours }} as {{ type_double() }}) / 24 then 1 end
        ) as events_within_landmark
    from step_events
    where not is_information_seeking
    group by 1, 2, 3, 4, 5, 6
),

person_behaviours as (
    select distinct
        funnel_name,
        person_id,
        step_order,
        is_converted,
        'information_touchpoint' as behaviour_type,
        coalesce(information_touchpoint, event_type) as behaviour
    from landmark_events
    where is_information_seeking
    union all
    select
        funnel_name,
        person_id,
        step_order,
        is_converted,
        'event_type' as behaviour_type,
        event_type as behaviour
    from person_event_counts
    where
        days_observed >= cast({{ landmark_hours }} as {{ type_double() }}) / 24
        and events_within_landmark > 0
    union all
    select distinct
        funnel_name,
        person_id,
        step_order,
        is_converted,
        'channel' as behaviour_type,
        coalesce(channel, '(unknown)') as behaviour
    from landmark_events
    union all
    select distinct
        funnel_name,
        person_id,
        step_order,
        is_converted,
        'device' as behaviour_type,
        coalesce(device, '(unknown)') as behaviour
    from landmark_events
),

threshold_people as (
    select
        person_event_counts.funnel_name,
        person_event_counts.person_id,
        person_event_counts.step_order,
        person_event_counts.is_converted,
        person_event_counts.event_type as behaviour,
        threshold_candidates.threshold_count,
        threshold_candidates.threshold_days,
        threshold_candidates.landmark_hours
    from person_event_counts
    inner join threshold_candidates
        on
            person_event_counts.funnel_name = threshold_candidates.funnel_name
            and person_event_counts.days_observed >= threshold_candidates.threshold_days
            {%- if threshold_days_list %}
                and case
                    {%- for days in threshold_days_list %}
                        when threshold_candidates.threshold_days = {{ days }}
                            then person_event_counts.events_within_days_{{ loop.index }}
                    {%- endfor %}
                end >= threshold_candidates.threshold_count
            {%- endif %}
),

association_counts as (
    select
        funnel_name,
        step_order,
        behaviour_type,
        behaviour,
        cast(null as integer) as threshold_count,
        cast(null as integer) as threshold_days,
        {{ landmark_hours }} as landmark_hours,
        count(*) as people_who_did,
        count(case when is_converted then 1 end) as converters_who_did
    from person_behaviours
    group by 1, 2, 3, 4
    union all
    select
        funnel_name,
        step_order,
        'event_threshold' as behaviour_type,
        behaviour,
        threshold_count,
        threshold_days,
        landmark_hours,
        count(*) as people_who_did,
        count(case when is_converted then 1 end) as converters_who_did
    from threshold_people
    group by 1, 2, 3, 4, 5, 6, 7
),

{# ---- step events: event types that make up the funnel's steps, so that doing one is being at
   the step or converting, not a behaviour that could drive it; reported, neither tested nor
   ranked ---- #}

order_funnels as (
    select distinct funnel_name
    from funnel_definitions
    where event_type = 'order_completed'
),

{# the path to an order: the order and every step of the event funnels that end in one #}
order_path_types as (
    select distinct funnel_definitions.event_type
    from funnel_definitions
    inner join order_funnels
        on funnel_definitions.funnel_name = order_funnels.funnel_name
    union
    select 'order_completed' as event_type
),

{# what enters a journey stage (int_person_milestones, int_funnel_steps): consideration, an event
   of any stage from consideration on (or the sign-up); purchase and retention, an order;
   advocacy, feedback (the advocacy stage's events) #}
stage_event_types as (
    select
        stages.stage_order,
        taxonomy.event_type
    from stages
    cross join taxonomy
    inner join stages as event_stages
        on taxonomy.journey_stage = event_stages.journey_stage
    where
        stages.journey_stage = 'consideration'
        and event_stages.stage_order >= stages.stage_order
    union
    select
        stages.stage_order,
        order_path_types.event_type
    from stages
    cross join order_path_types
    where stages.journey_stage in ('purchase', 'retention')
    union
    select
        stages.stage_order,
        taxonomy.event_type
    from stages
    inner join taxonomy
        on stages.journey_stage = taxonomy.journey_stage
    where stages.journey_stage = 'advocacy'
),

step_event_types as (
    {# an event funnel: the event types of its steps (seeds/funnels.csv), and the path to an order
       when it ends in one #}
    select
        step_totals.funnel_name,
        step_totals.step_order,
        funnel_definitions.event_type
    from step_totals
    inner join funnel_definitions
        on step_totals.funnel_name = funnel_definitions.funnel_name
    union
    select
        step_totals.funnel_name,
        step_totals.step_order,
        order_path_types.event_type
    from step_totals
    inner join order_funnels
        on step_totals.funnel_name = order_funnels.funnel_name
    cross join order_path_types
    union
    {# a journey stage: what enters it or the next stage #}
    select
        step_totals.funnel_name,
        step_totals.step_order,
        stage_event_types.event_type
    from step_totals
    inner join stage_event_types
        on
            step_totals.step_order = stage_event_types.stage_order
            or step_totals.step_order + 1 = stage_event_types.stage_order
    where step_totals.funnel_name = 'journey_stages'
),

{# ---- case-crossover: is the session a drop-out left after more often the touchpoint's? ---- #}

populations as (
    select
        funnel_name,
        person_id,
        customer_id,
        step_order,
        window_start_at,
        window_end_at,
        not is_converted as is_dropped
    from outcomes
),

{# one sort: the session's number and the step's session count share the same window, and the
   last session is the one whose number is the count #}
ranked_sessions as (
    select
        populations.funnel_name,
        populations.person_id,
        populations.step_order,
        populations.is_dropped,
        sessions.session_id,
        row_number() over (
            partition by populations.funnel_name, populations.person_id, populations.step_order
            order by sessions.session_started_at, sessions.session_id
        ) as session_number,
        count(*) over (
            partition by populations.funnel_name, populations.person_id, populations.step_order
            order by sessions.session_started_at, sessions.session_id
            rows between unbounded preceding and unbounded following
        ) as session_count
    from populations
    inner join sessions
        on
            populations.person_id = sessions.person_id
            and populations.window_start_at <= sessions.session_started_at
            and populations.window_end_at > sessions.session_started_at
),

{# the step's first session (the landing visit, or the purchase visit) is structurally early
   and never "after" anything: it is left out of both the exposures and the sessions a
   drop-off could follow #}
step_sessions as (
    select
        funnel_name,
        person_id,
        step_order,
        is_dropped,
        session_id,
        session_number = session_count as is_last_session,
        session_count - 1 as step_session_count
    from ranked_sessions
    where session_number > 1
),

touch_sessions as (
    select distinct
        step_sessions.funnel_name,
        step_sessions.person_id,
        step_sessions.step_order,
        step_sessions.session_id,
        step_sessions.is_dropped,
        step_sessions.is_last_session,
        step_sessions.step_session_count,
        touch_events.information_touchpoint
    from step_sessions
    inner join touch_events
        on step_sessions.session_id = touch_events.session_id
),

exposed_people as (
    select
        funnel_name,
        person_id,
        step_order,
        information_touchpoint,
        max(case when is_dropped and is_last_session then 1 else 0 end) as dropped_after_touchpoint,
        case
            when max(case when is_dropped then 1 else 0 end) = 1
                then cast(count(*) as {{ type_double() }}) / max(step_session_count)
            else 0
        end as expected_dropped
    from touch_sessions
    group by 1, 2, 3, 4
),

customer_revenue as (
    select
        customer_id,
        sum(order_amount) as revenue_amount
    from orders
    group by 1
),

converter_value as (
    select
        populations.funnel_name,
        populations.step_order,
        avg(coalesce(customer_revenue.revenue_amount, 0)) as avg_converter_revenue
    from populations
    left join customer_revenue
        on populations.customer_id = customer_revenue.customer_id
    where not populations.is_dropped
    group by 1, 2
),

crossover as (
    select
        exposed_people.funnel_name,
        exposed_people.step_order,
        exposed_people.information_touchpoint,
        count(*) as exposed_people,
        cast(sum(exposed_people.dropped_after_touchpoint) as bigint) as dropped_after_touchpoint,
        {# rounded past float noise: sums added in another order (parallel threads) must not flip
           goes_with when the observed count equals the expected one (7.999999999999999 vs 8) #}
        round(sum(exposed_people.expected_dropped), 9) as expected_dropped,
        round(sum(exposed_people.expected_dropped * (1 - exposed_people.expected_dropped)), 9) as null_variance
    from exposed_people
    group by 1, 2, 3
),

{# ---- one row per behaviour (and threshold candidate), both comparisons side by side ---- #}

touchpoint_counts as (
    select * from association_counts
    where behaviour_type = 'information_touchpoint'
),

{# a touchpoint may be met only after the outcome in a session that started before it (the
   crossover counts sessions), or only in a first session (the association counts events) #}
touchpoint_rows as (
    select
        coalesce(touchpoint_counts.funnel_name, crossover.funnel_name) as funnel_name,
        coalesce(touchpoint_counts.step_order, crossover.step_order) as step_order,
        'information_touchpoint' as behaviour_type,
        coalesce(touchpoint_counts.behaviour, crossover.information_touchpoint) as behaviour,
        cast(null as integer) as threshold_count,
        cast(null as integer) as threshold_days,
        {{ landmark_hours }} as landmark_hours,
        coalesce(touchpoint_counts.people_who_did, 0) as people_who_did,
        coalesce(touchpoint_counts.converters_who_did, 0) as converters_who_did,
        crossover.exposed_people,
        crossover.dropped_after_touchpoint,
        crossover.expected_dropped,
        crossover.null_variance
    from touchpoint_counts
    full outer join crossover
        on
            touchpoint_counts.funnel_name = crossover.funnel_name
            and touchpoint_counts.step_order = crossover.step_order
            and touchpoint_counts.behaviour = crossover.information_touchpoint
),

candidate_rows as (
    select * from touchpoint_rows
    union all
    select
        funnel_name,
        step_order,
        behaviour_type,
        behaviour,
        threshold_count,
        threshold_days,
        landmark_hours,
        people_who_did,
        converters_who_did,
        cast(null as bigint) as exposed_people,
        cast(null as bigint) as dropped_after_touchpoint,
        cast(null as {{ type_double() }}) as expected_dropped,
        cast(null as {{ type_double() }}) as null_variance
    from association_counts
    where behaviour_type <> 'information_touchpoint'
),

{# Woolf's log odds ratio of converting, did vs did not, among the people at the row's landmark,
   with 0.5 added to every cell (Haldane) #}
cells as (
    select
        candidate_rows.*,
        step_totals.funnel_step,
        step_totals.step_people,
        step_totals.step_converters,
        step_totals.step_dropouts,
        coalesce(landmark_totals.landmark_people, 0) as landmark_people,
        coalesce(landmark_totals.landmark_converters, 0) as landmark_converters,
        coalesce(landmark_totals.landmark_dropouts, 0) as landmark_dropouts,
        step_event_types.event_type is not null as is_step_event,
        candidate_rows.people_who_did - candidate_rows.converters_who_did as dropouts_who_did,
        cast(candidate_rows.converters_who_did as {{ type_double() }}) + 0.5 as cell_did_converted,
        cast(coalesce(landmark_totals.landmark_converters, 0) - candidate_rows.converters_who_did as {{ type_double() }})
        + 0.5 as cell_not_converted,
        cast(candidate_rows.people_who_did - candidate_rows.converters_who_did as {{ type_double() }})
        + 0.5 as cell_did_dropped,
        cast(
            coalesce(landmark_totals.landmark_dropouts, 0) - candidate_rows.people_who_did
            + candidate_rows.converters_who_did
            as {{ type_double() }}
        ) + 0.5 as cell_not_dropped,
        coalesce(converter_value.avg_converter_revenue, 0) as avg_converter_revenue
    from candidate_rows
    inner join step_totals
        on
            candidate_rows.funnel_name = step_totals.funnel_name
            and candidate_rows.step_order = step_totals.step_order
    left join landmark_totals
        on
            candidate_rows.funnel_name = landmark_totals.funnel_name
            and candidate_rows.step_order = landmark_totals.step_order
            and candidate_rows.landmark_hours = landmark_totals.landmark_hours
    left join step_event_types
        on
            candidate_rows.funnel_name = step_event_types.funnel_name
            and candidate_rows.step_order = step_event_types.step_order
            and candidate_rows.behaviour = step_event_types.event_type
            and candidate_rows.behaviour_type in ('event_type', 'event_threshold')
    left join converter_value
        on
            candidate_rows.funnel_name = converter_value.funnel_name
            and candidate_rows.step_order = converter_value.step_order
),

log_odds as (
    select
        *,
        (cell_did_converted * cell_not_dropped) / (cell_not_converted * cell_did_dropped) as odds_ratio,
        ln((cell_did_converted * cell_not_dropped) / (cell_not_converted * cell_did_dropped)) as log_odds_ratio,
        sqrt(
            1.0 / cell_did_converted + 1.0 / cell_not_converted + 1.0 / cell_did_dropped + 1.0 / cell_not_dropped
        ) as log_odds_ratio_standard_error,
        (dropped_after_touchpoint - expected_dropped) / exposed_people as dropoff_lift,
        sqrt(null_variance) / exposed_people as dropoff_lift_standard_error,
        {{ safe_divide('dropped_after_touchpoint - expected_dropped', 'sqrt(null_variance)') }} as dropoff_z_score,
        case
            when behaviour_type = 'information_touchpoint'
                then coalesce(exposed_people, 0) >= {{ var('min_group_size') }}
        end as is_reliable
    from cells
),

scored as (
    select
        *,
        log_odds_ratio / log_odds_ratio_standard_error as odds_ratio_z_score,
        {# a touchpoint is judged by the self-controlled comparison only: its odds ratio mostly
           measures how active its readers are (see the doc block) #}
        case when behaviour_type = 'information_touchpoint' then 'case_crossover' else 'association' end as evidence
    from log_odds
),

p_values as (
    select
        *,
        {{ two_sided_p_value('odds_ratio_z_score') }} as odds_ratio_p_value,
        {{ two_sided_p_value('dropoff_z_score') }} as dropoff_p_value
    from scored
),

tested as (
    select
        *,
        case
            when evidence = 'case_crossover' and is_reliable then dropoff_p_value
            when evidence = 'association' and not is_step_event then odds_ratio_p_value
        end as p_value,
        case when evidence = 'case_crossover' then dropoff_z_score else odds_ratio_z_score end as evidence_z_score
    from p_values
),

{# Holm over every test of the report, threshold candidates included (step events are not
   tested): the i-th smallest of m p-values is multiplied by m - i + 1, then made non-decreasing #}
ordered_tests as (
    select
        *,
        row_number() over (
            partition by case when p_value is null then 1 else 0 end
            order by p_value, funnel_name, step_order, behaviour_type, behaviour, threshold_count, threshold_days
        ) as p_value_order,
        count(p_value) over () as test_count
    from tested
),

adjusted as (
    select
        *,
        case
            when p_value is not null
                then max(least(1.0, (test_count - p_value_order + 1) * p_value)) over (
                    partition by case when p_value is null then 1 else 0 end
                    order by p_value_order
                    rows between unbounded preceding and current row
                )
        end as adjusted_p_value
    from ordered_tests
),

{# per event type and step, the threshold that separates converters from drop-outs best #}
chosen as (
    select
        *,
        count(*) over (partition by funnel_name, step_order, behaviour_type, behaviour) as threshold_candidates,
        row_number() over (
            partition by funnel_name, step_order, behaviour_type, behaviour
            order by odds_ratio_p_value asc, abs(odds_ratio_z_score) desc, threshold_count asc, threshold_days asc
        ) as candidate_order
    from adjusted
),

ranked as (
    select
        *,
        coalesce(adjusted_p_value < {{ alpha }}, false) as is_significant,
        row_number() over (
            partition by funnel_name, step_order
            order by
                case
                    when coalesce(adjusted_p_value < {{ alpha }}, false) and evidence = 'case_crossover' then 0
                    when coalesce(adjusted_p_value < {{ alpha }}, false) then 1
                    when not is_step_event then 2
                    else 3
                end asc,
                abs(coalesce(evidence_z_score, 0)) desc,
                behaviour_type asc,
                behaviour asc
        ) as driver_rank
    from chosen
    where candidate_order = 1
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'funnel_name', "'|'", dbt.cast('step_order', dbt.type_string()), "'|'",
            'behaviour_type', "'|'", 'behaviour'
        ])) }} as conversion_driver_id,
        funnel_name,
        funnel_step,
        behaviour_type,
        behaviour,
        case
            when behaviour_type = 'event_threshold' and threshold_count = 1
                then {{ dbt.concat([
                    'behaviour', "' within '", dbt.cast('threshold_days', dbt.type_string()),
                    "case when threshold_days = 1 then ' day' else ' days' end"
                ]) }}
            when behaviour_type = 'event_threshold'
                then {{ dbt.concat([
                    'behaviour', "' at least '", dbt.cast('threshold_count', dbt.type_string()),
                    "' times within '", dbt.cast('threshold_days', dbt.type_string()),
                    "case when threshold_days = 1 then ' day' else ' days' end"
                ]) }}
            else behaviour
        end as behaviour_label,
        evidence,
        case
            when evidence = 'case_crossover' and dropoff_lift > 0 then 'dropout'
            when evidence = 'case_crossover' and dropoff_lift < 0 then 'conversion'
            when evidence = 'association' and log_odds_ratio > 0 then 'conversion'
            when evidence = 'association' and log_odds_ratio < 0 then 'dropout'
            else 'neither'
        end as goes_with,
        cast(step_order as integer) as step_order,
        cast(threshold_count as integer) as threshold_count,
        cast(threshold_days as integer) as threshold_days,
        cast(case when behaviour_type = 'event_threshold' then threshold_candidates end as integer)
            as threshold_candidates,
        cast(landmark_hours as integer) as landmark_hours,
        step_people,
        step_converters,
        step_dropouts,
        step_converters - landmark_converters as converted_before_landmark,
        landmark_people,
        landmark_converters,
        landmark_dropouts,
        people_who_did,
        converters_who_did,
        dropouts_who_did,
        {{ safe_divide('converters_who_did', 'landmark_converters') }} as share_of_converters,
        {{ safe_divide('dropouts_who_did', 'landmark_dropouts') }} as share_of_dropouts,
        {{ safe_divide('converters_who_did', 'people_who_did') }} as conversion_rate_if_done,
        {{ safe_divide('landmark_converters - converters_who_did', 'landmark_people - people_who_did') }}
            as conversion_rate_if_not_done,
        {{ safe_divide(
            safe_divide('converters_who_did', 'people_who_did'),
            safe_divide('landmark_converters', 'landmark_people')
        ) }} as conversion_lift,
        odds_ratio,
        exp(log_odds_ratio - {{ interval_z }} * log_odds_ratio_standard_error) as odds_ratio_ci_low,
        exp(log_odds_ratio + {{ interval_z }} * log_odds_ratio_standard_error) as odds_ratio_ci_high,
        odds_ratio_z_score,
        odds_ratio_p_value,
        exposed_people,
        dropped_after_touchpoint,
        expected_dropped,
        dropoff_lift,
        dropoff_lift - {{ gap_z }} * dropoff_lift_standard_error as dropoff_lift_ci_low,
        dropoff_lift + {{ gap_z }} * dropoff_lift_standard_error as dropoff_lift_ci_high,
        {{ safe_divide('dropped_after_touchpoint', 'expected_dropped') }} as relative_dropoff_risk,
        dropoff_z_score,
        dropoff_p_value,
        {{ safe_divide('dropped_after_touchpoint', 'step_dropouts') }} as share_of_step_dropoffs,
        case
            when dropped_after_touchpoint > expected_dropped then dropped_after_touchpoint - expected_dropped
            when exposed_people > 0 then 0
        end as excess_dropoffs,
        case
            when dropped_after_touchpoint > expected_dropped
                then (dropped_after_touchpoint - expected_dropped) * avg_converter_revenue
            when exposed_people > 0 then 0
        end as revenue_at_risk_amount,
        p_value,
        adjusted_p_value,
        driver_rank,
        is_step_event,
        is_reliable,
        is_significant
    from ranked
)

select * from final
