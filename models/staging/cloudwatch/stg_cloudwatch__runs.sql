with

source as (

    select * from {{ source('cloudwatch', 'cloudwatch_runs') }}

),

renamed as (

    select
        -- ids
        run_id,

        -- strings
        status,
        source as run_source,

        -- numerics
        period_seconds,
        place_count,
        failed_place_count,
        series_count,
        api_calls,
        retries,
        datapoints_fetched,
        datapoints_loaded,

        -- timestamps (UTC)
        started_at,
        finished_at,
        window_start as window_start_at,
        window_end as window_end_at,
        loaded_at

    from source

)

select * from renamed
