{#- The rows every team view lists, whether or not they have cost: each team of the seeds,
    `unallocated`, and one row per non-team charge category. -#}
with

teams as (

    select * from {{ ref('dim_teams') }}

),

final as (

    select team, business_unit, business_group, 'team' as row_type from teams
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
