{#- A table: small (per tag or tag set), read by every build of the line items, and it
    keeps the chain of views from staging to the marts short. -#}
{{ config(materialized='table') }}

{#- Per tag set: the team its `team` tag names and the service its `service` tag names, each only
    when the seeds know it, with the service's team today (line items read its team on their day). One row per tag set, so joining line items to it never fans out. -#}
with

resolved as (

    select * from {{ ref('int_tag_sets_resolved') }}

),

teams as (

    select * from {{ ref('int_teams_history') }}
    where is_current

),

services as (

    select * from {{ ref('int_services_history') }}
    where is_current

),

tag_set_ids as (

    select distinct tag_set_id from resolved

),

team_tags as (

    select
        resolved.tag_set_id,
        resolved.normalized_value as team_tag_value,
        teams.team

    from resolved
    left join teams
        on resolved.normalized_value = lower(teams.team)
    where resolved.normalized_key = 'team'

),

service_tags as (

    select
        resolved.tag_set_id,
        resolved.normalized_value as service_tag_value,
        services.service,
        services.team as service_team

    from resolved
    left join services
        on resolved.normalized_value = lower(services.service)
    where resolved.normalized_key = 'service'

),

environment_tags as (

    select
        tag_set_id,
        normalized_value as environment

    from resolved
    where normalized_key = 'environment'

),

final as (

    select
        tag_set_ids.tag_set_id,
        team_tags.team_tag_value,
        team_tags.team as tagged_team,
        service_tags.service_tag_value,
        service_tags.service as tagged_service,
        service_tags.service_team,
        environment_tags.environment

    from tag_set_ids
    left join team_tags
        on tag_set_ids.tag_set_id = team_tags.tag_set_id
    left join service_tags
        on tag_set_ids.tag_set_id = service_tags.tag_set_id
    left join environment_tags
        on tag_set_ids.tag_set_id = environment_tags.tag_set_id

)

select * from final
