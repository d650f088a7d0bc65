with

source as (

    select * from {{ source('cloudwatch', 'cloudwatch_reads') }}

),

renamed as (

    select
        -- ids
        run_id,
        account_id,
        region,

        -- strings
        status,
        error_code,
        error_message,

        -- numerics
        api_calls,
        retries,
        series_count,
        datapoint_count

    from source

)

select * from renamed
