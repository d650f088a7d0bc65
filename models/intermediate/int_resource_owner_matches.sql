{#- A table: small (one row per distinct resource and usage type that a row of resource_owners.csv
    matches), read by every build of the line items and by the resource models. -#}
{{ config(materialized='table') }}

{#- What resource_owners.csv says of each subject it matches: a CUR (resource id, usage type) pair
    (`line_item`; an ARN pattern reads the CUR's resource id, an ARN for most services) or an inventory
    resource (`resource`: its id and ARN; usage types are the CUR's). Rows that match one subject must
    name one owner: `owner_count` > 1 fails the build (test resource_owners_agree) naming the rows. -#}
with

line_items as (

    select * from {{ ref('stg_cur__line_items') }}

),

inventory as (

    select * from {{ ref('int_inventory_resource_states') }}

),

rules as (

    select * from {{ ref('resource_owners') }}

),

current_services as (

    select * from {{ ref('int_services_history') }}
    where is_current

),

subjects as (

    select distinct
        'line_item' as subject,
        coalesce(resource_id, '') as resource_id,
        coalesce(resource_id, '') as arn,
        coalesce(usage_type, '') as usage_type
    from line_items
    union all
    select distinct
        'resource' as subject,
        resource_id,
        coalesce(nullif(arn, ''), resource_id) as arn,
        '' as usage_type
    from inventory

),

matched as (

    select
        subjects.subject,
        subjects.resource_id,
        subjects.arn,
        subjects.usage_type,
        rules.team,
        rules.service,
        case when rules.team is not null then 'team ' || rules.team else 'service ' || rules.service end as owner_label,
        rules.match_type || ' ' || rules.pattern as matched_rule

    from subjects
    inner join rules
        on {{ resource_owner_matches('rules', 'subjects.resource_id', 'subjects.arn', 'subjects.usage_type') }}

),

owners as (

    select
        subject,
        resource_id,
        arn,
        usage_type,
        min(team) as team,
        min(service) as service,
        count(distinct owner_label) as owner_count,
        {{ dbt.listagg("matched_rule || ' -> ' || owner_label", "'; '", "order by matched_rule") }} as matched_rows

    from matched
    group by subject, resource_id, arn, usage_type

),

final as (

    select
        owners.subject,
        owners.resource_id,
        owners.arn,
        owners.usage_type,
        owners.team,
        owners.service,
        owners.owner_count,
        owners.matched_rows,
        coalesce(owners.team, current_services.team) as current_team

    from owners
    left join current_services
        on owners.service = current_services.service

)

select * from final
