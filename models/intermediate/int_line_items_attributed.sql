{{ config(
    materialized='incremental',
    incremental_strategy=period_incremental_strategy(),
    partition_by=period_partition_by(),
    unique_key='billing_period',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_rows_of_replaced_loads() }}",
) }}

{#- Every line item with exactly one team and how it was found (macros/attribution.sql: a row of
    resource_owners.csv, team tag, service tag, the usage account's owner, else unallocated: kept, never
    dropped), the business unit and group of that team, and, from the seeds' history, the service's and
    account's owner and the team's unit valid on the usage day (var hierarchy, macros/hierarchy.sql).
    Plus the FOCUS charge category and the amortized (effective) cost.
    A table, incremental by billing period (macros/incremental_periods.sql): attribution runs once per
    load, not once per model that reads line items on every build. -#}
-- depends_on: {{ ref('stg_cur__loads') }}
with

line_items as (

    select * from {{ ref('stg_cur__line_items') }}
    where {{ periods_to_build_filter() }}

),

owners as (

    select * from {{ ref('int_tag_set_owners') }}

),

overrides as (

    select * from {{ ref('int_resource_owner_matches') }}
    where subject = 'line_item'

),

services as (

    select * from {{ ref('int_services_history') }}

),

account_owners as (

    select * from {{ ref('int_account_owners_history') }}

),

teams as (

    select * from {{ ref('int_teams_history') }}

),

joined as (

    select
        line_items.*,
        owners.environment,
        owners.tagged_team,
        tagged_services.team as service_team,
        account_owners.team as account_team,
        coalesce(overrides.service, owners.tagged_service) as service,
        coalesce(overrides.team, override_services.team) as override_team

    from line_items
    left join owners
        on line_items.tag_set_id = owners.tag_set_id
    left join overrides
        on coalesce(line_items.resource_id, '') = overrides.resource_id
        and coalesce(line_items.usage_type, '') = overrides.usage_type
    left join services as override_services
        on overrides.service = override_services.service
        and {{ valid_on('override_services', 'line_items.usage_date') }}
    left join services as tagged_services
        on owners.tagged_service = tagged_services.service
        and {{ valid_on('tagged_services', 'line_items.usage_date') }}
    left join account_owners
        on line_items.usage_account_id = account_owners.account_id
        and {{ valid_on('account_owners', 'line_items.usage_date') }}

),

attributed as (

    select
        *,
        {{ attributed_team('override_team', 'tagged_team', 'service_team', 'account_team') }} as team,
        {{ allocation_method('override_team', 'tagged_team', 'service_team', 'account_team') }} as allocation_method

    from joined

),

final as (

    select
        attributed.*,
        teams.business_unit,
        teams.business_group,
        {{ charge_category('attributed.line_item_type') }} as charge_category,
        {{ effective_cost() }} as effective_cost,
        {{ build_columns() }}

    from attributed
    left join teams
        on attributed.team = teams.team
        and {{ valid_on('teams', 'attributed.usage_date') }}

)

select * from final
