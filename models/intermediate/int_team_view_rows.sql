{#- The rows every team view lists, whether or not they have cost: each team of the seeds in its
    business unit today, `unallocated`, and one row per non-team charge category. Read from the seeds'
    history, as dim_teams is: an intermediate model never depends on a mart. -#}
with

teams as (

    select * from {{ ref('int_teams_history') }}
    where is_current

),

team_rows as (

    select
        team,
        business_unit,
        business_group,
        'team' as row_type

    from teams

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
