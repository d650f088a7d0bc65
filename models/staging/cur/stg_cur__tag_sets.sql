with

source as (

    select * from {{ source('cur', 'cur_tag_sets') }}

),

renamed as (

    select
        tag_set_id,
        -- original spelling kept (`user:Team`, `resource_tags_user_team`); normalization happens downstream
        tag_key,
        tag_value

    from source

)

select * from renamed
