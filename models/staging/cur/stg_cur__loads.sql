with

source as (

    select * from {{ source('cur', 'cur_loads') }}

),

renamed as (

    select
        -- ids
        load_id,
        source as delivery_source,
        delivery_version,

        -- strings
        delivery_format,
        files,
        status,

        -- numerics
        row_count,
        billed_total,

        -- dates and timestamps
        billing_period,
        delivered_at,
        loaded_at

    from source

)

select * from renamed
