with

source as (

    select * from {{ source('inventory', 'inventory_tag_sets') }}

),

renamed as (

    select
        tag_set_id,
        -- original spelling kept (`Team`, `team_name`); normalization happens downstream, as for the CUR's
        tag_key,
        tag_value

    from source

)

select * from renamed
