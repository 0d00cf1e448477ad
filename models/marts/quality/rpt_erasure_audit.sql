{#
    One row per build x relation x erasure action: what honouring the erasure list removed.
    Method: doc block rpt_erasure_audit (_erasure__docs.md).
#}

{#- built after the incremental models whose erasure hooks write the log, so it holds this
    build's deletions too -#}
{%- set audited = [
    ref('int_events_validated'),
    ref('int_events_stitched'),
    ref('int_events_sessionized'),
    ref('int_sessions'),
    ref('int_customer_daily_activity'),
    ref('fct_customer_feature_snapshots'),
    ref('int_funnel_step_events'),
    ref('int_funnel_step_paths'),
    ref('int_journey_paths'),
] -%}

with

erasure_log as (
    select * from {{ ref('stg_build__erasure_log') }}
),

final as (
    select
        {{ dbt.hash(dbt.concat([
            'invocation_id', "'|'", 'relation_name', "'|'", 'erasure_action', "'|'",
            'cast(recorded_at as ' ~ dbt.type_string() ~ ')'
        ])) }} as erasure_audit_id,
        invocation_id,
        relation_name,
        erasure_action,
        {{ dbt.split_part('relation_name', "'.'", 1) }} as schema_name,
        rows_affected,
        requests_honoured,
        build_started_at,
        recorded_at
    from erasure_log
)

select * from final
