{#- Each place (account, region) a CloudWatch run read completely, with the window the run asked for: what
    CloudWatch had for the place's resources in that window is loaded, so a metric CloudWatch publishes only
    when non-zero (Lambda invocations, load balancer requests) was zero where no datapoint came back. -#}
with

reads as (

    select * from {{ ref('stg_cloudwatch__reads') }}

),

runs as (

    select * from {{ ref('stg_cloudwatch__runs') }}

),

final as (

    select
        reads.run_id,
        reads.account_id,
        reads.region,
        runs.window_start_at,
        runs.window_end_at

    from reads
    inner join runs
        on reads.run_id = runs.run_id
    where reads.status = 'complete'

)

select * from final
