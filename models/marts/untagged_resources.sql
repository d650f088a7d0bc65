{#- Every non-compliant resource, from the inventory and from the CUR, most expensive first, with
    what is wrong and a suggested owner. The owner is the first of:
    0. resource_override: a row of resource_owners.csv names its owner (finance decided);
    1. team_tag: its own `team` tag names a known team (another tag is what is wrong);
    2. service_tag: its `service` tag names a known service: that service's team;
    3. cur_attribution: the team the CUR attributes its latest usage to by tag (its tags there
       differ from the inventory's, which judge it);
    4. name: its name (without one, its id: a bucket, a function's ARN) contains a known service's
       name, e.g. `checkout-api-3`: that service's team; the longest service name wins;
    5. account_owner: the account's owner in account_owners.csv;
    else none (null). -#}
with

judged as (

    select
        *,
        -- what a name match reads: the name, or without one the id (a bucket, a function's ARN)
        lower(coalesce(nullif(resource_name, ''), resource_id)) as name_or_id
    from {{ ref('int_resources_judged') }}
    where not is_compliant

),

services as (

    select * from {{ ref('int_services_history') }}
    where is_current

),

name_matches as (

    select
        judged.account_id,
        judged.resource_id,
        services.team,
        row_number() over (
            partition by judged.account_id, judged.resource_id
            order by {{ dbt.length('services.service') }} desc, services.service asc
        ) as match_rank

    from judged
    inner join services
        on {{ dbt.position('lower(services.service)', 'judged.name_or_id') }} > 0
    -- read only where no earlier step names a team: a name is searched for every service
    where
        judged.override_team is null
        and judged.tagged_team is null
        and judged.service_team is null
        and coalesce(judged.cur_allocation_method, '') not in ('team_tag', 'service_tag')

),

owned as (

    select
        judged.*,
        case
            when judged.override_team is not null then judged.override_team
            when judged.tagged_team is not null then judged.tagged_team
            when judged.service_team is not null then judged.service_team
            when judged.cur_allocation_method in ('team_tag', 'service_tag') then judged.cur_team
            when name_matches.team is not null then name_matches.team
            else judged.account_team
        end as suggested_owner,
        case
            when judged.override_team is not null then 'resource_override'
            when judged.tagged_team is not null then 'team_tag'
            when judged.service_team is not null then 'service_tag'
            when judged.cur_allocation_method in ('team_tag', 'service_tag') then 'cur_attribution'
            when name_matches.team is not null then 'name'
            when judged.account_team is not null then 'account_owner'
        end as suggested_owner_reason

    from judged
    left join name_matches
        on judged.account_id = name_matches.account_id
        and judged.resource_id = name_matches.resource_id
        and name_matches.match_rank = 1

),

final as (

    select
        resource_id,
        resource_type,
        account_id,
        region,
        source,
        missing_tags,
        invalid_tags,
        effective_cost_30d as monthly_cost,
        billed_cost_30d,
        first_seen_at,
        last_seen_at,
        suggested_owner,
        suggested_owner_reason,
        product_code,
        resource_name,
        tag_set_id,
        -- bigint on every engine (Spark's row_number is an int)
        cast(row_number() over (
            order by effective_cost_30d desc, account_id asc, resource_id asc
        ) as {{ dbt.type_bigint() }}) as cost_rank

    from owned

)

select * from final
