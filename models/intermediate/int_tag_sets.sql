{#- Every distinct tag set of every source, so the CUR's and the inventory's tags go through one set
    of tag models. Both loaders compute the id the same way (md5 over the sorted non-empty tags), so
    an id seen in both sources is the same set, and `union` keeps one copy of its rows. -#}
with

cur_tag_sets as (

    select * from {{ ref('stg_cur__tag_sets') }}

),

inventory_tag_sets as (

    select * from {{ ref('stg_inventory__tag_sets') }}

),

final as (

    select
        tag_set_id,
        tag_key,
        tag_value
    from cur_tag_sets

    union

    select
        tag_set_id,
        tag_key,
        tag_value
    from inventory_tag_sets

)

select * from final
