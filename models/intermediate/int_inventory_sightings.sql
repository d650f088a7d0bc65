{#- Every resource a complete read listed, and when: only a complete read says what a place holds,
    so rows a failed read landed are never judged. A resource belongs to its scan's read of its own
    (account, region, type). A type listed once per account (S3's ListBuckets names the buckets of
    every region) has no read in the bucket's region: its resources belong to that scan's read of
    the account and type (the first region, when it recorded several). -#}
with

resources as (

    select * from {{ ref('stg_inventory__resources') }}

),

reads as (

    select * from {{ ref('stg_inventory__reads') }}

),

scans as (

    select * from {{ ref('stg_inventory__scans') }}

),

reads_by_type as (

    select
        scan_id,
        account_id,
        resource_type,
        min(region) as region

    from reads
    group by scan_id, account_id, resource_type

),

placed as (

    select
        resources.*,
        coalesce(own_region.region, reads_by_type.region) as read_region

    from resources
    left join reads as own_region
        on resources.scan_id = own_region.scan_id
        and resources.account_id = own_region.account_id
        and resources.region = own_region.region
        and resources.resource_type = own_region.resource_type
    left join reads_by_type
        on resources.scan_id = reads_by_type.scan_id
        and resources.account_id = reads_by_type.account_id
        and resources.resource_type = reads_by_type.resource_type

),

final as (

    select
        placed.scan_id,
        placed.account_id,
        placed.region,
        placed.resource_type,
        placed.resource_id,
        placed.read_region,
        placed.arn,
        placed.tag_set_id,
        placed.resource_name,
        placed.resource_state,
        placed.created_at,
        scans.started_at as seen_at

    from placed
    inner join reads
        on placed.scan_id = reads.scan_id
        and placed.account_id = reads.account_id
        and placed.read_region = reads.region
        and placed.resource_type = reads.resource_type
    inner join scans
        on placed.scan_id = scans.scan_id
    where reads.read_status = 'complete'

)

select * from final
