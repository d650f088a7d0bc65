{#- A table: read by marts.resources (the latest scan) and marts.compliance_summary (every scan). -#}
{{ config(materialized='table') }}

{#- The estate as of each scan: for every place, the resources its latest complete read (as of that
    scan) listed, as that read saw them. A resource found in two places (listed under another type
    since) is kept once, from the most recent read. -#}
with

place_states as (

    select * from {{ ref('int_inventory_place_states') }}

),

sightings as (

    select * from {{ ref('int_inventory_sightings') }}

),

placed as (

    select
        place_states.scan_id,
        place_states.scan_number,
        place_states.scan_started_at,
        place_states.scan_status,
        place_states.is_latest_scan,
        sightings.account_id,
        sightings.resource_id,
        sightings.region,
        sightings.resource_type,
        sightings.arn,
        sightings.resource_name,
        sightings.resource_state,
        sightings.created_at,
        sightings.tag_set_id,
        place_states.read_scan_id,
        place_states.read_at,
        place_states.is_carried_forward,
        row_number() over (
            partition by place_states.scan_id, sightings.account_id, sightings.resource_id
            order by place_states.read_at desc, sightings.region asc, sightings.resource_type asc
        ) as place_rank

    from place_states
    inner join sightings
        on place_states.read_scan_id = sightings.scan_id
        and place_states.account_id = sightings.account_id
        and place_states.region = sightings.read_region
        and place_states.resource_type = sightings.read_resource_type

),

final as (

    select
        scan_id,
        scan_number,
        scan_started_at,
        scan_status,
        is_latest_scan,
        account_id,
        resource_id,
        region,
        resource_type,
        arn,
        resource_name,
        resource_state,
        created_at,
        tag_set_id,
        read_scan_id,
        read_at,
        is_carried_forward

    from placed
    where place_rank = 1

)

select * from final
