{#- Each team's business unit over time (teams.csv, a row per change, macros/hierarchy.sql): from its
    valid_from until the next row of the team. The latest row is the team as it is today. -#}
with

teams as (

    select * from {{ ref('teams') }}

),

business_units as (

    select * from {{ ref('business_units') }}

),

dated as (

    select
        teams.team,
        teams.business_unit,
        business_units.business_group,
        teams.owner_email,
        teams.slack_channel,
        {{ seed_valid_from('teams.valid_from') }} as valid_from

    from teams
    left join business_units
        on teams.business_unit = business_units.business_unit

),

final as (

    select
        *,
        {{ seed_valid_to('team') }} as valid_to,
        {{ seed_valid_to('team') }} is null as is_current

    from dated

)

select * from final
