{#- The inventory's resources as each place's latest complete read saw them (a place: account, region,
    resource type): the resources `sibyl load cloudwatch` fetches metrics for, and the ones the utilization
    marts judge. Resources the Resource Groups Tagging API alone reported (`tagging:*`) are left out: the
    scanners report the same resources with their type and state. -#}
with

scans as (

    select * from {{ ref('stg_inventory__scans') }}

),

reads as (

    select * from {{ ref('stg_inventory__reads') }}

),

resources as (

    select * from {{ ref('stg_inventory__resources') }}

),

latest_complete_reads as (

    select
        reads.scan_id,
        reads.account_id,
        reads.region,
        reads.resource_type,
        row_number() over (
            partition by reads.account_id, reads.region, reads.resource_type
            order by scans.started_at desc, reads.scan_id desc
        ) as recency

    from reads
    inner join scans
        on reads.scan_id = scans.scan_id
    where reads.status = 'complete'

),

final as (

    select
        resources.account_id,
        resources.region,
        resources.resource_type,
        resources.resource_id,
        resources.resource_name,
        resources.state,
        resources.created_at,
        resources.scan_id

    from resources
    inner join latest_complete_reads
        on resources.scan_id = latest_complete_reads.scan_id
        and resources.account_id = latest_complete_reads.account_id
        and resources.region = latest_complete_reads.region
        and resources.resource_type = latest_complete_reads.resource_type
    where
        latest_complete_reads.recency = 1
        and resources.resource_type not like 'tagging:%'

)

select * from final
