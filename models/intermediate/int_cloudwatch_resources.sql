{#- The inventory's resources in their latest state (each place's latest complete read, as the compliance
    models judge them): the resources `sibyl load cloudwatch` fetches metrics for, and the ones the utilization
    marts judge. Resources the Resource Groups Tagging API alone reported (`tagging:*`) are left out: they have
    no type-specific metrics. -#}
with

resource_states as (

    select * from {{ ref('int_inventory_resource_states') }}
    where is_latest_scan

),

final as (

    select
        account_id,
        region,
        resource_type,
        resource_id,
        resource_name,
        resource_state as state,
        created_at,
        read_scan_id as scan_id

    from resource_states
    where resource_type not like 'tagging:%'

)

select * from final
