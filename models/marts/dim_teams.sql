{#- Every team as it is today: the latest row of its history (int_teams_history), so the grain stays
    one row per team for BI's slicers; costs carry the business unit of their day (fct_cost_daily). -#}
with

teams as (

    select * from {{ ref('int_teams_history') }}
    where is_current

),

business_units as (

    select * from {{ ref('business_units') }}

),

business_groups as (

    select * from {{ ref('business_groups') }}

),

final as (

    select
        teams.team,
        teams.business_unit,
        teams.business_group,
        teams.owner_email,
        teams.slack_channel,
        business_units.description as business_unit_description,
        business_groups.description as business_group_description,
        teams.valid_from

    from teams
    left join business_units
        on teams.business_unit = business_units.business_unit
    left join business_groups
        on teams.business_group = business_groups.business_group

)

select * from final
