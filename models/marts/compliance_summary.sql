{#- Per scan, overall, per account and per owning team: how much of the estate (as of that scan:
    places it could not read keep their last complete state) is compliant, by count and by the last
    30 days' spend, against the previous scan. Spend is the same 30-day window for every scan (the
    one ending on the as-of date), so the trend moves with tags, not with spend. -#}
with

states as (

    select * from {{ ref('int_inventory_resource_states') }}

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

costs as (

    select * from {{ ref('int_resource_costs_30d') }}

),

judged as (

    select
        states.scan_id,
        states.scan_number,
        states.scan_started_at,
        states.scan_status,
        states.account_id,
        {%- set steps = [
            'overrides.current_team', 'owners.tagged_team', 'owners.service_team', 'account_owners.team'
        ] %}
        {{ attributed_team(*steps) }} as team,
        states.is_carried_forward,
        compliance.is_compliant,
        coalesce(costs.effective_cost_30d, 0) as effective_cost_30d

    from states
    left join compliance
        on states.tag_set_id = compliance.tag_set_id
    left join owners
        on states.tag_set_id = owners.tag_set_id
    left join account_owners
        on states.account_id = account_owners.account_id
    left join overrides
        on states.resource_id = overrides.resource_id
        and coalesce(nullif(states.arn, ''), states.resource_id) = overrides.arn
    left join costs
        on states.account_id = costs.usage_account_id
        and states.resource_id = costs.resource_id

),

by_grain as (

    {#- Each resource once per grain: the whole estate, its account, its owning team. -#}
    {%- set grains = [('overall', 'null', 'null'), ('account', 'account_id', 'null'), ('team', 'null', 'team')] %}
    {%- for grain, account, team in grains %}
        select
            judged.*,
            '{{ grain }}' as grain,
            cast({{ account }} as {{ dbt.type_string() }}) as grain_account_id,
            cast({{ team }} as {{ dbt.type_string() }}) as grain_team
        from judged
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

grouped as (

    select
        scan_id,
        scan_number,
        scan_started_at,
        scan_status,
        grain,
        grain_account_id as account_id,
        grain_team as team,
        count(*) as resources_seen,
        sum(case when is_compliant then 1 else 0 end) as resources_compliant,
        sum(case when is_carried_forward then 1 else 0 end) as resources_carried_forward,
        sum(effective_cost_30d) as spend_30d,
        sum(case when is_compliant then effective_cost_30d else 0 end) as compliant_spend_30d

    from by_grain
    group by scan_id, scan_number, scan_started_at, scan_status, grain, grain_account_id, grain_team

),

measured as (

    select
        grouped.*,
        100 * cast(grouped.resources_compliant as {{ type_double() }}) / grouped.resources_seen as compliant_pct,
        case
            when grouped.spend_30d <> 0 then 100.0 * grouped.compliant_spend_30d / grouped.spend_30d
        end as spend_compliant_pct

    from grouped

),

final as (

    select
        measured.scan_id,
        measured.scan_started_at,
        measured.scan_status,
        measured.grain,
        measured.account_id,
        measured.team,
        cast(measured.resources_seen as {{ dbt.type_bigint() }}) as resources_seen,
        cast(measured.resources_compliant as {{ dbt.type_bigint() }}) as resources_compliant,
        cast(measured.resources_carried_forward as {{ dbt.type_bigint() }}) as resources_carried_forward,
        measured.compliant_pct,
        measured.spend_30d,
        measured.spend_compliant_pct,
        measured.spend_30d - measured.compliant_spend_30d as noncompliant_monthly_cost,
        previous.scan_id as previous_scan_id,
        previous.compliant_pct as previous_compliant_pct,
        previous.spend_compliant_pct as previous_spend_compliant_pct

    from measured
    left join measured as previous
        on measured.scan_number = previous.scan_number + 1
        and measured.grain = previous.grain
        and coalesce(measured.account_id, '') = coalesce(previous.account_id, '')
        and coalesce(measured.team, '') = coalesce(previous.team, '')

)

select * from final
