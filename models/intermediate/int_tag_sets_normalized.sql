{#- One row per tag of each distinct tag set, with the key stripped of the spellings AWS's
    formats add (`user:`, `resource_tags_user_`, CUR 2.0's `user_`) and both sides lower-cased. -#}
with

tag_sets as (

    select * from {{ ref('stg_cur__tag_sets') }}

),

lowered as (

    select
        tag_set_id,
        tag_key,
        tag_value,
        lower(trim(tag_key)) as lowered_key,
        lower(trim(tag_value)) as normalized_value

    from tag_sets

),

final as (

    select
        tag_set_id,
        tag_key,
        tag_value,
        case
            when lowered_key like 'resource\_tags\_user\_%' escape '\' then substr(lowered_key, 20)
            when lowered_key like 'resource\_tags\_aws\_%' escape '\' then substr(lowered_key, 19)
            when lowered_key like 'user:%' then substr(lowered_key, 6)
            when lowered_key like 'aws:%' then substr(lowered_key, 5)
            when lowered_key like 'user\_%' escape '\' then substr(lowered_key, 6)
            else lowered_key
        end as normalized_key,
        normalized_value

    from lowered

)

select * from final
