{#- A table: small (per tag or tag set), read by every build of the line items, and it
    keeps the chain of views from staging to the marts short. -#}
{{ config(materialized='table') }}

{#- Which required tags (var required_tags, env SIBYL_REQUIRED_TAGS) each tag set lacks: absent, or
    blank once normalized. Every tag set of the CUR's line items and the inventory's resources has
    a row: each is in int_tag_sets, except the empty set, which has no tag rows and is added here. -#}
{%- set required = var('required_tags').split(',') | map('trim') | reject('equalto', '') | list %}
with

resolved as (

    select * from {{ ref('int_tag_sets_resolved') }}

),

tag_sets as (

    select * from {{ ref('int_tag_sets') }}

),

tag_set_ids as (

    select tag_set_id from tag_sets
    union
    -- md5(''): the id both loaders give a resource without tags
    select 'd41d8cd98f00b204e9800998ecf8427e' as tag_set_id

),

required_tags as (

    {#- One row per required tag, in the order the var lists them. -#}
    {%- for tag in required %}
        select
            '{{ tag | lower }}' as required_tag,
            {{ loop.index }} as tag_position
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

missing as (

    select
        tag_set_ids.tag_set_id,
        required_tags.required_tag,
        required_tags.tag_position

    from tag_set_ids
    cross join required_tags
    left join resolved
        on tag_set_ids.tag_set_id = resolved.tag_set_id
        and required_tags.required_tag = resolved.normalized_key
        and trim(coalesce(resolved.normalized_value, '')) <> ''
    where resolved.tag_set_id is null

),

final as (

    select
        tag_set_ids.tag_set_id,
        {{ dbt.listagg('missing.required_tag', "', '", 'order by missing.tag_position') }} as missing_tags

    from tag_set_ids
    left join missing
        on tag_set_ids.tag_set_id = missing.tag_set_id
    group by tag_set_ids.tag_set_id

)

select * from final
