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

other_rows as (

    {#- `unallocated`, then the charge categories that never belong to a team. -#}
    {%- set other_rows = [
        ('unallocated', 'unallocated'), ('(tax)', 'charge'), ('(credit)', 'charge'), ('(adjustment)', 'charge')
    ] %}
    {%- for team, row_type in other_rows %}
        select
            '{{ team }}' as team,
            cast(null as {{ dbt.type_string() }}) as business_unit,
            cast(null as {{ dbt.type_string() }}) as business_group,
            '{{ row_type }}' as row_type
        {{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select * from team_rows
    union all
    select * from other_rows

)

select * from final
