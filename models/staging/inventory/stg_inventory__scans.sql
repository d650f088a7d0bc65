with

source as (

    select * from {{ source('inventory', 'inventory_scans') }}

),

renamed as (

    select
        -- ids
        scan_id,

        -- strings
        status,
        accounts,
        regions,
        source as scan_source,

        -- numerics
        resource_count,
        failed_read_count,

        -- timestamps (UTC)
        started_at,
        finished_at,
        loaded_at

    from source

)

select * from renamed
