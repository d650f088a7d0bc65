{#- The rows every team view lists, whether or not they have cost: each team of the seeds,
    `unallocated`, and one row per non-team charge category. Read from the seeds, as dim_teams
    is: an intermediate model never depends on a mart. -#}
with

teams as (

    select * from {{ ref('teams') }}

),

business_units as (

    select * from {{ ref('business_units') }}

),

team_rows as (

    select
        teams.team,
        teams.business_unit,
        business_units.business_group,
        'team' as row_type

    from teams
    left join business_units
        on teams.business_unit = business_units.business_unit

),

final as (

    select team, business_unit, business_group, row_type from team_rows
    union all
    select 'unallocated', cast(null as {{ dbt.type_string() }}), cast(null as {{ dbt.type_string() }}), 'unallocated'
    union all
    select '(tax)', null, null, 'charge'
    union all
    select '(credit)', null, null, 'charge'
    union all
    select '(adjustment)', null, null, 'charge'

)

select * from final
