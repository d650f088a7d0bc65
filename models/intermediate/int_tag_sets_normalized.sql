{#- A table: small (per tag key, value or set), read by every build of the line items, and it
    keeps the chain of views from staging to the marts short. -#}
{{ config(materialized='table') }}

{#- Every tag of every distinct tag set, original spelling next to the normalized one. -#}
with

tag_sets as (

    select * from {{ ref('stg_cur__tag_sets') }}

),

tag_keys as (

    select * from {{ ref('int_tag_keys_normalized') }}

),

tag_values as (

    select * from {{ ref('int_tag_values_normalized') }}

),

final as (

    select
        tag_sets.tag_set_id,
        tag_sets.tag_key,
        tag_sets.tag_value,
        tag_keys.normalized_key,
        tag_values.normalized_value,
        tag_keys.matched_rule,
        tag_keys.rule_priority

    from tag_sets
    inner join tag_keys
        on tag_sets.tag_key = tag_keys.tag_key
    inner join tag_values
        on tag_keys.normalized_key = tag_values.normalized_key
        and tag_sets.tag_value = tag_values.tag_value

)

select * from final
