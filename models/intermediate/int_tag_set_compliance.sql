{#- A table: one row per tag set (thousands), read by both resource-level marts. -#}
{{ config(materialized='table') }}

{#- Whether a tag set makes a resource compliant: every required tag present and non-blank
    (int_tag_set_required_tags), and a `team` or `service` tag, whenever present, naming a team or
    service the seeds know, required or not: attribution reads those tags, so a wrong value
    misleads it whatever the required list says. Invalid tags are listed `key=value`, with the
    normalized value that matched nothing. -#}
with

required_tags as (

    select * from {{ ref('int_tag_set_required_tags') }}

),

owners as (

    select * from {{ ref('int_tag_set_owners') }}

),

invalid as (

    select
        tag_set_id,
        'service' as tag_key,
        service_tag_value as tag_value
    from owners
    where coalesce(trim(service_tag_value), '') <> '' and tagged_service is null

    union all

    select
        tag_set_id,
        'team' as tag_key,
        team_tag_value as tag_value
    from owners
    where coalesce(trim(team_tag_value), '') <> '' and tagged_team is null

),

invalid_tags as (

    select
        tag_set_id,
        {{ dbt.listagg("tag_key || '=' || tag_value", "', '", 'order by tag_key') }} as invalid_tags

    from invalid
    group by tag_set_id

),

final as (

    select
        required_tags.tag_set_id,
        required_tags.missing_tags,
        invalid_tags.invalid_tags,
        required_tags.missing_tags is null and invalid_tags.invalid_tags is null as is_compliant

    from required_tags
    left join invalid_tags
        on required_tags.tag_set_id = invalid_tags.tag_set_id

)

select * from final
