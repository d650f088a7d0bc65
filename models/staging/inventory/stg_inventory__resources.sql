with

source as (

    select * from {{ source('inventory', 'inventory_resources') }}

),

renamed as (

    select
        -- ids
        scan_id,
        account_id,
        region,
        resource_type,
        resource_id,
        arn,
        tag_set_id,

        -- strings
        name as resource_name,
        state,

        -- timestamps (UTC)
        created_at

    from source

)

select * from renamed
