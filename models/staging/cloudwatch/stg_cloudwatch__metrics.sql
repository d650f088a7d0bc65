with

source as (

    select * from {{ source('cloudwatch', 'cloudwatch_metrics') }}

),

renamed as (

    select
        -- ids
        account_id,
        region,
        resource_id,
        run_id,

        -- strings
        namespace,
        metric_name,
        statistic,
        unit,

        -- numerics
        period_seconds,
        value as metric_value,

        -- timestamps (UTC): CloudWatch stamps a datapoint with the start of its period
        timestamp as period_start_at,
        cast(timestamp as date) as metric_date

    from source

)

select * from renamed
