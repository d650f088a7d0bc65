with

source as (

    select * from {{ source('inventory', 'inventory_reads') }}

),

renamed as (

    select
        -- ids
        scan_id,
        account_id,
        region,
        resource_type,

        -- strings
        status,
        error_code,
        error_message,

        -- numerics
        api_calls

    from source

)

select * from renamed
