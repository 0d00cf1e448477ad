with

source as (
    select * from {{ source('build', 'erasure_log') }}
),

renamed as (
    select
        cast(invocation_id as {{ dbt.type_string() }}) as invocation_id,
        cast(relation_name as {{ dbt.type_string() }}) as relation_name,
        cast(erasure_action as {{ dbt.type_string() }}) as erasure_action,
        cast(rows_affected as {{ dbt.type_bigint() }}) as rows_affected,
        cast(requests_honoured as {{ dbt.type_bigint() }}) as requests_honoured,
        cast(build_started_at as {{ dbt.type_timestamp() }}) as build_started_at,
        cast(recorded_at as {{ dbt.type_timestamp() }}) as recorded_at
    from source
)

select * from renamed
