with

teams as (

    select * from {{ ref('teams') }}

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
        business_units.business_group,
        teams.owner_email,
        teams.slack_channel,
        business_units.description as business_unit_description,
        business_groups.description as business_group_description

    from teams
    left join business_units
        on teams.business_unit = business_units.business_unit
    left join business_groups
        on business_units.business_group = business_groups.business_group

)

select * from final
