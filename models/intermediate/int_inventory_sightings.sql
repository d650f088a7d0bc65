{#- A table: every resource of every scan, read by the states of every scan and by first/last seen. -#}
{{ config(materialized='table') }}

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

reads_with_fallback as (

    select
        reads.*,
        min(reads.region) over (
            partition by reads.scan_id, reads.account_id, reads.resource_type
        ) as fallback_region

    from reads

),

candidate_reads as (

    {#- A resource's own region's read, and its (account, type)'s fallback read: the first that exists. -#}
    select
        resources.*,
        reads_with_fallback.region as read_region,
        reads_with_fallback.read_status,
        row_number() over (
            partition by
                resources.scan_id,
                resources.account_id,
                resources.region,
                resources.resource_type,
                resources.resource_id
            order by case when reads_with_fallback.region = resources.region then 0 else 1 end
        ) as read_rank

    from resources
    inner join reads_with_fallback
        on resources.scan_id = reads_with_fallback.scan_id
        and resources.account_id = reads_with_fallback.account_id
        and resources.read_resource_type = reads_with_fallback.resource_type
        and (
            resources.region = reads_with_fallback.region
            or reads_with_fallback.region = reads_with_fallback.fallback_region
        )

),

final as (

    select
        candidate_reads.scan_id,
        candidate_reads.account_id,
        candidate_reads.region,
        candidate_reads.resource_type,
        candidate_reads.resource_id,
        candidate_reads.read_region,
        candidate_reads.read_resource_type,
        candidate_reads.arn,
        candidate_reads.tag_set_id,
        candidate_reads.resource_name,
        candidate_reads.resource_state,
        candidate_reads.created_at,
        scans.started_at as seen_at

    from candidate_reads
    inner join scans
        on candidate_reads.scan_id = scans.scan_id
    where candidate_reads.read_rank = 1 and candidate_reads.read_status = 'complete'

)

select * from final
