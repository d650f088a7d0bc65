with

source as (

    select * from {{ source('inventory', 'inventory_resources') }}

),

renamed as (

    select
        -- ids: resource_id as the CUR's line_item_resource_id names it, so both join on (account_id, resource_id)
        scan_id,
        account_id,
        region,
        resource_type,
        resource_id,
        arn,
        tag_set_id,

        -- strings
        name as resource_name,
        state as resource_state,

        -- timestamps (UTC)
        created_at,

        -- the type of the read that lists it: the Tagging API's one read lists every `tagging:<service>:<type>`
        case when resource_type like 'tagging:%' then 'tagging' else resource_type end as read_resource_type

    from source

)

select * from renamed
