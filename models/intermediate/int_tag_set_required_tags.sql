{#- A table: small (per tag or tag set), read by every build of the line items, and it
    keeps the chain of views from staging to the marts short. -#}
{{ config(materialized='table') }}

{#- Which required tags (var required_tags, env SIBYL_REQUIRED_TAGS) each tag set lacks. -#}
{%- set required = var('required_tags').split(',') | map('trim') | reject('equalto', '') | list %}
with

resolved as (

    select * from {{ ref('int_tag_sets_resolved') }}

),

tag_set_ids as (

    select distinct tag_set_id from {{ ref('stg_cur__line_items') }}

),

present as (

    select
        tag_set_id,
        {%- for tag in required %}
        max(case when normalized_key = '{{ tag | lower }}' then 1 else 0 end) as has_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}

    from resolved
    group by tag_set_id

),

final as (

    select
        tag_set_ids.tag_set_id,
        nullif(concat_ws(', ',
            {%- for tag in required %}
            case when coalesce(present.has_{{ loop.index }}, 0) = 0 then '{{ tag | lower }}' end{{ ',' if not loop.last }}
            {%- endfor %}
        ), '') as missing_tags

    from tag_set_ids
    left join present
        on tag_set_ids.tag_set_id = present.tag_set_id

)

select * from final
