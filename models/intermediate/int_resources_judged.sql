{#- A table: both resource marts read it. -#}
{{ config(materialized='table') }}

{#- Every resource the inventory holds now (the latest scan's state) or the CUR bills in the 30-day
    window, once per (account, resource id), with the tags that judge it: the inventory's when it
    holds the resource (they are current; the CUR's are as of its latest usage), else the CUR's
    latest usage's. Compliance and the owning team (macros/attribution.sql) follow from that tag set,
    after a row of resource_owners.csv matching its id or ARN (for a resource only the CUR knows: its
    latest usage's override), and before the account's owner. A resource is owned now: the seeds' rows
    of today (their latest valid_from) give its service's and account's team. -#}
with

states as (

    select * from {{ ref('int_inventory_resource_states') }}
    where is_latest_scan

),

sightings as (

    select * from {{ ref('int_inventory_sightings') }}

),

cur as (

    select * from {{ ref('int_resource_costs_30d') }}

),

compliance as (

    select * from {{ ref('int_tag_set_compliance') }}

),

owners as (

    select * from {{ ref('int_tag_set_owners') }}

),

account_owners as (

    select * from {{ ref('int_account_owners_history') }}
    where is_current

),

overrides as (

    select * from {{ ref('int_resource_owner_matches') }}
    where subject = 'resource'

),

seen as (

    select
        account_id,
        resource_id,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at

    from sightings
    group by account_id, resource_id

),

inventory as (

    select
        states.*,
        seen.first_seen_at,
        seen.last_seen_at

    from states
    inner join seen
        on states.account_id = seen.account_id
        and states.resource_id = seen.resource_id

),

merged as (

    select
        coalesce(inventory.account_id, cur.usage_account_id) as account_id,
        coalesce(inventory.resource_id, cur.resource_id) as resource_id,
        case
            when cur.resource_id is null then 'inventory'
            when inventory.resource_id is null then 'cur'
            else 'both'
        end as source,
        inventory.resource_id is not null as is_in_inventory,
        coalesce(inventory.region, cur.region_code) as region,
        inventory.resource_type,
        cur.product_code,
        inventory.arn,
        inventory.resource_name,
        inventory.resource_state,
        inventory.created_at,
        coalesce(inventory.tag_set_id, cur.tag_set_id) as tag_set_id,
        inventory.read_scan_id as scan_id,
        inventory.read_at as scanned_at,
        inventory.is_carried_forward,
        cur.team as cur_team,
        cur.allocation_method as cur_allocation_method,
        coalesce(cur.effective_cost_30d, 0) as effective_cost_30d,
        coalesce(cur.billed_cost_30d, 0) as billed_cost_30d,
        -- by the source that judges it: the scans that listed it, else its CUR usage days (from their start)
        coalesce(inventory.first_seen_at, cast(cur.first_usage_date as {{ dbt.type_timestamp() }})) as first_seen_at,
        coalesce(inventory.last_seen_at, cast(cur.last_usage_date as {{ dbt.type_timestamp() }})) as last_seen_at

    from inventory
    full outer join cur
        on inventory.account_id = cur.usage_account_id
        and inventory.resource_id = cur.resource_id

),

overridden as (

    select
        merged.*,
        case
            when merged.is_in_inventory then overrides.current_team
            when merged.cur_allocation_method = 'resource_override' then merged.cur_team
        end as override_team

    from merged
    left join overrides
        on merged.resource_id = overrides.resource_id
        and coalesce(nullif(merged.arn, ''), merged.resource_id) = overrides.arn

),

final as (

    select
        overridden.*,
        owners.team_tag_value,
        owners.service_tag_value,
        owners.environment,
        owners.tagged_team,
        owners.service_team,
        account_owners.team as account_team,
        {%- set steps = [
            'overridden.override_team', 'owners.tagged_team', 'owners.service_team', 'account_owners.team'
        ] %}
        {{ attributed_team(*steps) }} as team,
        {{ allocation_method(*steps) }} as allocation_method,
        compliance.is_compliant,
        compliance.missing_tags,
        compliance.invalid_tags

    from overridden
    left join owners
        on overridden.tag_set_id = owners.tag_set_id
    left join compliance
        on overridden.tag_set_id = compliance.tag_set_id
    left join account_owners
        on overridden.account_id = account_owners.account_id

)

select * from final
