{#- A table: scans × places, small (places are accounts × regions × types), read by the resource states. -#}
{{ config(materialized='table') }}

{#- For every scan, and every place (account, region, resource type) some complete read had read by
    then: the latest complete read of it, as of that scan. A place this scan could not read (the read
    failed, or the scan did not try it) keeps the state of its last complete read, flagged carried
    forward: never emptied (called deleted) nor judged from nothing. A place never completely read
    has no row. Scans are ordered by start time, then id. -#}
with

scans as (

    select * from {{ ref('stg_inventory__scans') }}

),

reads as (

    select * from {{ ref('stg_inventory__reads') }}

),

ordered_scans as (

    select
        scan_id,
        started_at,
        scan_status,
        row_number() over (order by started_at, scan_id) as scan_number

    from scans

),

latest_scan as (

    select max(scan_number) as scan_number from ordered_scans

),

complete_reads as (

    select
        reads.account_id,
        reads.region,
        reads.resource_type,
        reads.scan_id as read_scan_id,
        ordered_scans.started_at as read_at,
        ordered_scans.scan_number as read_scan_number

    from reads
    inner join ordered_scans
        on reads.scan_id = ordered_scans.scan_id
    where reads.read_status = 'complete'

),

read_spans as (

    {#- Each complete read holds for its place until the next complete read of it. -#}
    select
        complete_reads.*,
        lead(complete_reads.read_scan_number) over (
            partition by complete_reads.account_id, complete_reads.region, complete_reads.resource_type
            order by complete_reads.read_scan_number
        ) as next_read_scan_number

    from complete_reads

),

final as (

    select
        ordered_scans.scan_id,
        ordered_scans.scan_number,
        ordered_scans.started_at as scan_started_at,
        ordered_scans.scan_status,
        read_spans.account_id,
        read_spans.region,
        read_spans.resource_type,
        read_spans.read_scan_id,
        read_spans.read_at,
        ordered_scans.scan_number = latest_scan.scan_number as is_latest_scan,
        read_spans.read_scan_id <> ordered_scans.scan_id as is_carried_forward

    from ordered_scans
    cross join latest_scan
    inner join read_spans
        on ordered_scans.scan_number >= read_spans.read_scan_number
        and (read_spans.next_read_scan_number is null or ordered_scans.scan_number < read_spans.next_read_scan_number)

)

select * from final
